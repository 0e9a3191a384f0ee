"""``gardefou policy check|explain|test|schema`` and ``gardefou classify``, in-process."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.policy.schema import schema_text
from tests.policy.conftest import ROOT, write_policy

MODELS = """models:
  - {name: local-llama, litellm_model: openai/llama, hosting: self_hosted}
  - {name: cloud-us, litellm_model: openai/gpt, hosting: non_eu}
"""


def test_check_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(ROOT / "policies"), str(ROOT / "policies/examples")]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (org") == 4


def test_check_reports_schema_error(tmp_path: Path, default_raw: dict[str, Any],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    raw = copy.deepcopy(default_raw)
    raw["usage"]["k_anonymity"] = 2
    path = write_policy(tmp_path / "bad.yaml", raw)
    assert main(["policy", "check", str(path)]) == 1
    assert "usage.k_anonymity" in capsys.readouterr().out


def test_check_lint_unknown_model_and_conflict(tmp_path: Path, default_raw: dict[str, Any],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    raw = copy.deepcopy(default_raw)
    raw["roles"]["staff"] = {"models": ["gpt-9"]}
    raw["forbidden"][0]["requests"]["phrases"] = ["aide-moi a rediger"]
    raw["uses"][1]["hints"]["phrases"].append("aide-moi a rediger")
    raw["forbidden"][1] = {**raw["forbidden"][1], "objects": {}, "requests": {}}
    raw["tests"] = []
    (tmp_path / "models.yaml").write_text(MODELS)
    path = write_policy(tmp_path / "p.yaml", raw)
    assert main(["policy", "check", str(path), "--models", str(tmp_path / "models.yaml")]) == 1
    out = capsys.readouterr().out
    assert "unknown model 'gpt-9'" in out
    assert "it always blocks" in out
    assert "can never fire" in out


def test_policy_test_passes_and_fails(tmp_path: Path, default_raw: dict[str, Any],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "test", str(ROOT / "policies"), str(ROOT / "policies/examples")]) == 0
    raw = copy.deepcopy(default_raw)
    raw["tests"] = [{"prompt": "Faut-il placer <PERSONNE_1> ?", "expect": {"action": "allow"}}]
    path = write_policy(tmp_path / "p.yaml", raw)
    assert main(["policy", "test", str(path)]) == 1
    assert "FAIL p.yaml tests.0" in capsys.readouterr().out


def test_explain_without_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["policy", "explain", "--org", "acme", "--no-redaction",
                 "Faut-il exclure <PERSONNE_1> du foyer ?"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["decision"]["action"] == "block"
    assert report["classification"]["forbidden"] == "sanction_fin_accompagnement"
    assert report["policy_file"] == "default.yaml" and report["model"] == "demo"


def test_classify_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "text": "Traduis en anglais : bonjour."},
        {"id": "b", "text": "Faut-il placer Léo ?"},
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["classify", "--in", str(src), "--out", str(out), "--no-redact"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    keys = ("id", "use", "forbidden", "action", "band", "concern")
    assert [{k: r[k] for k in keys} for r in rows] == [
        {"id": "a", "use": "traduction", "forbidden": None, "action": "allow",
         "band": "allow", "concern": None},
        {"id": "b", "use": None, "forbidden": "decision_protection_enfance", "action": "block",
         "band": "block", "concern": "decision_protection_enfance"},
    ]
    assert 0 <= rows[0]["score"] < rows[1]["score"] <= 1
    err = capsys.readouterr().err
    assert "p95" in err and "bands: block 50.0%, allow 50.0%" in err


def test_schema_command(tmp_path: Path) -> None:
    assert main(["policy", "schema", "--out", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "s.json").read_text() == schema_text()


async def test_classify_decides_as_the_gateway_by_default(default_policy, catalog,
                                                          redactor) -> None:
    """The gateway classifies the redacted text of this prompt and allows it (its raw text,
    « M. Martin », was read as an eligibility decision when `gardefou classify` did not redact
    by default). The CLI's default gives the same answer: tests/test_readme_commands.py runs
    it as the README shows it."""
    from gateway.policy.classify import classify
    from gateway.policy.explain import explain, redact_prompt
    from tests.test_readme_commands import MAIL

    report = await explain(default_policy, MAIL, catalog, redactor=redactor)
    assert report["decision"]["action"] == "allow"
    redacted, _ = redact_prompt(default_policy, MAIL, redactor)
    assert classify(default_policy.policy, [{"role": "user", "content": redacted}]).forbidden is None
