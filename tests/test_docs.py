"""Docs that must match the code: every setting is documented."""

from __future__ import annotations

from gateway.settings import Settings
from tests.conftest import ROOT


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs/configuration.md").read_text()
    missing = [n for n in Settings.model_fields if f"GARDEFOU_{n.upper()}" not in text]
    assert not missing, f"undocumented settings: {missing}"


def test_readme_has_exactly_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in ci
