"""The README's ``gardefou`` commands, run exactly as written (from a directory laid out like
a checkout: ``.venv/bin/gardefou`` and ``policies/``), on small inputs and a scratch state
directory. A command added to the README without being covered here fails the first test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# A prompt whose raw text the offline classifier reads differently from its redacted text
# (« M. Martin » is not « <PERSONNE_1> »): the gateway, which classifies after redaction,
# allows it, and so must `gardefou classify` as the README shows it.
MAIL = ("Peux-tu m'écrire un mail court pour relancer le bailleur de M. Martin au sujet de la "
        "réparation du chauffage ? Pas de réponse depuis 3 semaines.")
COVERED = ["keys create", "keys list", "keys revoke", "redact", "policy check",
           "policy explain", "policy test", "classify", "compliance"]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    return [line for block in blocks for line in block.splitlines()
            if line.startswith(".venv/bin/gardefou ")]


def _family(command: str) -> str:
    words = command.split()[1:3]
    return " ".join(words) if words[0] in ("keys", "policy") else words[0]


def test_every_readme_command_is_covered() -> None:
    assert [_family(c) for c in readme_commands()] == COVERED


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    """A working directory like the README's: the gardefou command in .venv/bin, the
    policies, and the small input files the commands name."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    wrapper = bin_dir / "gardefou"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gateway.cli "$@"\n')
    wrapper.chmod(0o755)
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    (tmp_path / "corpus.jsonl").write_text(json.dumps(
        {"id": "c1", "text": "Mme Fatou Diallo (06 12 34 56 78) est passée ce matin."},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "prompts.jsonl").write_text("".join(
        json.dumps(row, ensure_ascii=False) + "\n"
        for row in [{"id": "mail", "text": MAIL}, {"id": "leo", "text": "Faut-il placer Léo ?"}]
    ), encoding="utf-8")
    return tmp_path


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(cwd / "state"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


def test_the_readme_commands_run_as_written(checkout: Path) -> None:
    outputs: dict[str, subprocess.CompletedProcess[str]] = {}
    key_id = ""
    for command in readme_commands():
        family = _family(command)
        if "<key id>" in command:
            command = command.replace("<key id>", key_id)
        result = _run(command, checkout)
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
        outputs[family] = result
        if family == "keys create":
            assert result.stdout.startswith("gf_")
            key_id = re.search(r"key id (\w+)", result.stdout).group(1)
            assert f"dossier d'état : {checkout / 'state'}" in result.stderr
        elif family == "keys list":
            assert key_id in result.stdout and "ase-93" in result.stdout
        elif family == "keys revoke":
            assert f"revoked {key_id}" in result.stdout
        elif family == "redact":
            spans = json.loads((checkout / "predictions.jsonl").read_text())["spans"]
            assert {"PERSON", "PHONE"} <= {s["label"] for s in spans}
        elif family == "policy check":
            assert result.stdout.count(": ok (org") == 3
        elif family == "policy explain":
            report = json.loads(result.stdout)
            assert report["decision"]["action"] == "block"
            assert "Léo" not in result.stdout
            shown = [(e["rule"], tuple(e["matched"]))
                     for part in ("classification", "decision") for e in report[part]["evidence"]]
            assert len(shown) == len(set(shown)), "each evidence once"
            assert all(len(m) == len(set(m)) for _, m in shown), "each matched term once"
        elif family == "policy test":
            assert "policy tests passed" in result.stdout
        elif family == "classify":
            rows = {r["id"]: r for r in map(json.loads,
                                             (checkout / "predictions.jsonl").open())}
            assert rows["leo"]["action"] == "block"
            assert rows["mail"]["action"] == "allow"  # as the gateway: tests/policy/test_cli.py
        elif family == "compliance":
            written = {p.name for p in (checkout / "kit").iterdir()}
            assert {"aipd.md", "aipd.html", "information-personnes-falc.md"} <= written
    assert sorted(outputs) == sorted(COVERED)

