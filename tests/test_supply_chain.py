"""The installed litellm must be the exact, reviewed release pinned in pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

from tests.conftest import ROOT

MALICIOUS = {"1.82.7", "1.82.8", "1.107.0"}


def _pinned() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"litellm==([\d.]+)", requirement)
        if match:
            return match.group(1)
    raise AssertionError("litellm must be pinned with == in pyproject.toml")


def test_litellm_is_pinned_to_a_known_good_release() -> None:
    pinned = _pinned()
    assert pinned not in MALICIOUS
    assert version("litellm") == pinned


def test_no_pth_file_shipped_by_litellm() -> None:
    # The malicious releases executed code at interpreter start through a .pth file.
    from importlib.metadata import files

    assert not [f for f in files("litellm") or [] if str(f).endswith(".pth")]
