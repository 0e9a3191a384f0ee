"""The files a project others adopt must have, consistent with what pyproject.toml says."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_declared_licence_is_the_full_eupl_text() -> None:
    assert PYPROJECT["project"]["license"] == "EUPL-1.2"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    # The SPDX string form needs setuptools >= 77 at build time.
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    headings = re.findall(r"^(\d+)\. ", text, re.MULTILINE)
    assert headings == [str(n) for n in range(1, 16)]  # all fifteen articles
    assert "Appendix" in text and "Compatible Licences" in text
    assert text.rstrip().endswith("new EUPL version.")


def test_security_policy_covers_reports_and_breaches() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert "Report a vulnerability" in text and "Do not open a public issue" in text
    assert "personal-data breach" in text and "72 hours" in text
    assert "art. 33" in text and "art. 34" in text


def test_changelog_has_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, re.MULTILINE)
    assert released and released[0] == PYPROJECT["project"]["version"]


def test_pre_commit_runs_the_lint_of_make_lint_with_the_same_pins() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = re.search(r"^lint:.*\n((?:\t.+\n)+)", makefile, re.MULTILINE).group(1)
    assert lint.split("\n")[:2] == ["\t$(BIN)/ruff check gateway tests", "\t$(BIN)/mypy"]
    ruff, mypy = hooks["ruff"], hooks["mypy"]
    assert ruff["entry"] == "ruff check" and ruff["files"] == "^(gateway|tests)/"
    pins = PYPROJECT["project"]["optional-dependencies"]["lint"]
    assert ruff["additional_dependencies"] == [p for p in pins if p.startswith("ruff==")]
    assert mypy["entry"] == ".venv/bin/mypy" and mypy["pass_filenames"] is False
    assert any(p.startswith("mypy==") for p in pins)
    assert PYPROJECT["tool"]["mypy"]["strict"] is True
    assert PYPROJECT["tool"]["mypy"]["files"] == ["gateway"]
