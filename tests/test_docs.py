"""Docs that must match the code."""

from __future__ import annotations

from gateway.settings import settings_table
from tests.conftest import ROOT


def test_every_setting_is_documented_as_in_the_code() -> None:
    text = (ROOT / "docs/configuration.md").read_text()
    assert settings_table() in text, (
        "docs/configuration.md is stale: paste the output of `python -m gateway.settings`"
    )


def test_readme_has_the_two_setup_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci/run").read_text()
