"""Policy file schema: valid files load, invalid ones fail with a precise location."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import ConfigError
from gateway.policy import load_policy_file
from gateway.policy.schema import SCHEMA_PATH, schema_text
from gateway.policy.store import DEFAULT_POLICY_PATH
from tests.policy.conftest import ROOT, write_policy

POLICY_FILES = sorted([ROOT / "policies/default.yaml", *(ROOT / "policies/examples").glob("*.yaml")])


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_shipped_policy_files_are_valid(path: Path) -> None:
    loaded = load_policy_file(path)
    assert len(loaded.revision) == 64
    assert loaded.policy.tests, "every shipped policy carries tests:"


def test_schema_json_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "policies/schema.json is stale: run `gardefou policy schema`"
    )


def test_packaged_default_is_the_repository_default() -> None:
    assert DEFAULT_POLICY_PATH.read_bytes() == (ROOT / "policies/default.yaml").read_bytes(), (
        "copy policies/default.yaml to gateway/policy/default.yaml"
    )


def test_default_has_the_taxonomy(default_policy: Any) -> None:
    pol = default_policy.policy
    assert [u.id for u in pol.uses] == [
        "redaction_administrative", "synthese_rapport", "reformulation_falc", "traduction",
        "insertion_emploi", "recherche_information", "preparation_accompagnement",
        "formation_analyse_pratique"]
    assert [f.id for f in pol.forbidden] == [
        "decision_protection_enfance", "evaluation_eligibilite", "notation_risque",
        "diagnostic_sante", "sanction_fin_accompagnement"]


def _set(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    node: Any = out
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


@pytest.mark.parametrize(
    ("dotted", "value", "expected"),
    [
        ("usage.k_anonymity", 3, "usage.k_anonymity"),
        ("usage.research_threshold", 5, "usage.research_threshold"),
        ("version", 2, "version"),
        ("organisation.id", "Pas Valide", "organisation.id"),
        ("uses.0.id", "Bad-Id", "uses.0.id"),
        ("uses.0.colour", "red", "uses.0.colour"),
        ("retention.logs_days", 0, "retention.logs_days"),
        ("uses.1.id", "redaction_administrative", "repeated ids redaction_administrative"),
        ("forbidden.0.objects.patterns", ["(unclosed"], "not a valid regex"),
        ("forbidden.0.floor", ["art5_inconnu"], "forbidden.0.floor.0"),
        ("forbidden.0.refusal.instead", [], "forbidden.0.refusal.instead"),
        ("classifier.mode", "llm", "needs 'model'"),
        ("classifier.fallback_use", "inconnu", "classifier.fallback_use"),
        ("uses.3.action", "warn", "needs a 'notice'"),
        ("roles.stagiaire", {"models": ["*"]}, "roles.stagiaire"),
        ("limits.org.requests_per_minute", 0, "limits.org.requests_per_minute"),
        ("tests.0.expect.use", "inconnu", "tests.0.expect.use"),
    ],
)
def test_invalid_files_fail_precisely(
    tmp_path: Path, default_raw: dict[str, Any], dotted: str, value: Any, expected: str
) -> None:
    path = write_policy(tmp_path / "p.yaml", _set(default_raw, dotted, value))
    with pytest.raises(ConfigError) as info:
        load_policy_file(path)
    assert expected in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize("value", ["sk-live-123", 42])
def test_secrets_must_be_env_references(
    tmp_path: Path, default_raw: dict[str, Any], value: Any
) -> None:
    raw = _set(default_raw, "limits.org", {"requests_per_minute": 5})
    raw["classifier"] = {"mode": "offline", "api_key": value}
    with pytest.raises(ConfigError, match=r"classifier\.api_key: .*environment reference"):
        load_policy_file(write_policy(tmp_path / "p.yaml", raw))


def test_env_reference_passes_secret_check_but_unknown_key_still_fails(
    tmp_path: Path, default_raw: dict[str, Any]
) -> None:
    raw = copy.deepcopy(default_raw)
    raw["classifier"] = {"mode": "offline", "api_key": "$CLASSIFIER_KEY"}
    with pytest.raises(ConfigError, match=r"classifier\.api_key: Extra inputs"):
        load_policy_file(write_policy(tmp_path / "p.yaml", raw))


@pytest.mark.parametrize(
    ("content", "expected"),
    [("version: [1\n", "invalid YAML"), ("- a\n- b\n", "must be a mapping"),
     (b"\xff\xfe", "not UTF-8")],
)
def test_unreadable_files(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = tmp_path / "p.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ConfigError, match=expected):
        load_policy_file(path)


def test_k_anonymity_may_be_raised(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    raw = _set(default_raw, "usage.k_anonymity", 12)
    assert load_policy_file(write_policy(tmp_path / "p.yaml", raw)).policy.usage.k_anonymity == 12


def test_revision_is_sha256_of_bytes(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    import hashlib

    path = write_policy(tmp_path / "p.yaml", default_raw)
    assert load_policy_file(path).revision == hashlib.sha256(path.read_bytes()).hexdigest()


def test_unknown_redaction_label_is_refused() -> None:
    from pydantic import ValidationError

    from gateway.policy.schema import RedactionPolicy

    with pytest.raises(ValidationError, match="unknown redaction labels"):
        RedactionPolicy(labels=("PERSON", "PESON"))
    assert RedactionPolicy(labels=("PERSON", "BIRTHPLACE")).labels == ("PERSON", "BIRTHPLACE")
