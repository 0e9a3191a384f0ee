"""Docs that must match the code."""

from __future__ import annotations

import pytest

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


def test_make_run_announces_each_long_step(tmp_path) -> None:
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(["make", "-n", "run", f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.splitlines()
    long_steps = [i for i, line in enumerate(plan)
                  if " -m venv " in line or "pip install --quiet -e" in line
                  or "serve --demo" in line]
    assert len(long_steps) == 3, plan
    for i in long_steps:
        said = [line for line in plan[:i] if line.startswith('echo "»')]
        assert said and plan.index(said[-1]) >= i - 2, (plan[i], plan)


def test_every_hook_and_its_arguments_are_in_the_architecture_page() -> None:
    """docs/architecture.md's Hooks table lists each hookspec with its arguments, in order."""
    import inspect
    import re

    from gateway import hookspecs

    text = (ROOT / "docs/architecture.md").read_text()
    documented = {m.group(1): [a.strip(" `") for a in m.group(2).split(",") if a.strip()]
                  for m in re.finditer(r"^\| `(gardefou_\w+)` \| ([^|]*) \|", text, re.M)}
    specs = {name: list(inspect.signature(f).parameters)
             for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if name.startswith("gardefou_")}
    assert specs and documented == specs
