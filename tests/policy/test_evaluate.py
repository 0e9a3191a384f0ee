"""Decisions: allow / warn / block, revision cited, French messages, roles, data routing,
and the optional LLM classifier (fail closed)."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest

from gateway.catalog import Catalog
from gateway.errors import PolicyUnavailable
from gateway.policy import (
    LoadedPolicy,
    allowed_models,
    detect_sensitivity,
    evaluate,
    load_policy_file,
    redaction_settings,
)
from gateway.redaction.settings import ALL_LABELS, RedactionSettings
from gateway.types import Action, Principal, Role
from tests.policy.conftest import write_policy

STAFF = Principal("acme", "equipe-a", Role.STAFF, "k1")


def _msgs(text: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": "Tu es un assistant."},
            {"role": "user", "content": text}]


def _policy(tmp_path: Path, raw: dict[str, Any], **changes: Any) -> LoadedPolicy:
    out = copy.deepcopy(raw)
    out.update(changes)
    return load_policy_file(write_policy(tmp_path / "p.yaml", out))


async def test_allow_carries_notice_and_revision(default_policy: LoadedPolicy,
                                                 catalog: Catalog) -> None:
    d = await evaluate(default_policy, STAFF, catalog.get("cloud-us"),
                       _msgs("Écris un mail à l'équipe pour la réunion de jeudi."), catalog)
    assert d.action == Action.ALLOW and d.use == "redaction_administrative"
    assert d.policy_revision == default_policy.revision
    assert uuid.UUID(d.id)
    assert d.notice and "IA" in d.notice and d.message is None


async def test_block_forbidden_decision_in_french(default_policy: LoadedPolicy,
                                                  catalog: Catalog) -> None:
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"),
                       _msgs("D'après mes notes, faut-il placer <PERSONNE_1> ?"), catalog)
    assert d.action == Action.BLOCK and d.forbidden == "decision_protection_enfance"
    assert d.message is not None
    for part in ("Demande refusée", "Décision de protection de l'enfance", "Pourquoi",
                 "Vous pouvez demander à la place"):
        assert part in d.message
    assert "<PERSONNE_1>" not in d.message
    assert d.evidence[0].rule_id == "forbidden:decision_protection_enfance"


async def test_each_decision_has_its_own_id(default_policy: LoadedPolicy,
                                            catalog: Catalog) -> None:
    msgs = _msgs("Traduis en anglais : bonjour.")
    a = await evaluate(default_policy, STAFF, catalog.get("local-llama"), msgs, catalog)
    b = await evaluate(default_policy, STAFF, catalog.get("local-llama"), msgs, catalog)
    assert a.id != b.id and a.policy_revision == b.policy_revision


async def test_warn_use_and_ambiguous(tmp_path: Path, default_raw: dict[str, Any],
                                      catalog: Catalog) -> None:
    raw = copy.deepcopy(default_raw)
    raw["uses"][3].update(action="warn", notice="Faites relire par un interprète.")
    loaded = _policy(tmp_path, raw)
    d = await evaluate(loaded, STAFF, catalog.get("local-llama"),
                       _msgs("Traduis en arabe : le rendez-vous est lundi."), catalog)
    assert d.action == Action.WARN and d.notice and d.notice.startswith("Faites relire")
    d = await evaluate(loaded, STAFF, catalog.get("local-llama"),
                       _msgs("Pour <PERSONNE_1>, le placement, on en parle quand ?"), catalog)
    # a question about a real case that names the decision without handing it over: the
    # middle band, answered with the reminder (recorded as its own action)
    assert d.action == Action.REMIND and "décision" in (d.notice or "")
    assert d.forbidden == "decision_protection_enfance"


async def test_role_may_not_use_model(tmp_path: Path, default_raw: dict[str, Any],
                                      catalog: Catalog) -> None:
    loaded = _policy(tmp_path, default_raw, roles={
        "staff": {"models": ["local-llama"]}, "admin": {"models": ["*"]}})
    d = await evaluate(loaded, STAFF, catalog.get("cloud-us"), _msgs("Bonjour"), catalog)
    assert d.action == Action.BLOCK and d.evidence[0].rule_id == "role:staff"
    assert "local-llama" in (d.message or "") and "cloud-us" in (d.message or "")
    assert allowed_models(loaded, Role.STAFF, catalog) == ("local-llama",)
    assert allowed_models(loaded, Role.ADMIN, catalog) == catalog.names
    assert allowed_models(loaded, Role.RESEARCHER, catalog) == ()


@pytest.mark.parametrize(
    ("model", "action"),
    [("cloud-us", Action.BLOCK), ("mistral-hds", Action.ALLOW), ("local-llama", Action.ALLOW)],
)
async def test_data_routing(default_policy: LoadedPolicy, catalog: Catalog, model: str,
                            action: Action) -> None:
    text = "Mets au propre mes notes : <PERSONNE_1>, 7 ans, suivi au CMP pour des troubles du sommeil."
    d = await evaluate(default_policy, STAFF, catalog.get(model), _msgs(text), catalog)
    assert d.action == action
    assert {"sante", "mineurs"} <= d.sensitivity
    if action == Action.BLOCK:
        assert d.evidence[-1].rule_id == "routing:donnees_sensibles_hebergement"
        assert "local-llama" in (d.message or "") and "mistral-hds" in (d.message or "")


async def test_no_sensitive_data_any_model(default_policy: LoadedPolicy, catalog: Catalog) -> None:
    d = await evaluate(default_policy, STAFF, catalog.get("cloud-us"),
                       _msgs("Rédige l'ordre du jour de la réunion d'équipe."), catalog)
    assert d.action == Action.ALLOW and d.sensitivity == frozenset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il est suivi par un psychiatre pour une dépression.", {"sante"}),
        ("Sa fille de 9 ans est en CE2.", {"mineurs"}),
        ("Il sort de prison après une condamnation pour vol.", {"penal"}),
        ("Une information préoccupante a été transmise à la CRIP.", {"protection_enfance"}),
        # a capitalised topic word mid-sentence is a topic, not a name
        ("Suivi Alzheimer en cours pour sa mère.", {"sante"}),
        ("Rédige l'ordre du jour de la réunion.", set()),
    ],
)
def test_detect_sensitivity(text: str, expected: set[str]) -> None:
    assert set(detect_sensitivity(text)) >= expected
    if not expected:
        assert detect_sensitivity(text) == frozenset()


def test_redaction_settings(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    assert redaction_settings(load_policy_file(write_policy(tmp_path / "a.yaml", default_raw))) \
        == RedactionSettings(labels=ALL_LABELS, allow_list=(), reidentify=True)
    loaded = _policy(tmp_path, default_raw, redaction={
        "labels": ["PERSON", "PHONE"], "allow_list": ["CCAS de Lille"], "reidentify": False})
    assert redaction_settings(loaded, scope="conv") == RedactionSettings(
        labels=frozenset({"PERSON", "PHONE"}), allow_list=("CCAS de Lille",),
        reidentify=False, scope="conv")


def test_an_empty_label_list_means_every_label_for_traffic_and_explain(
    tmp_path: Path, default_raw: dict[str, Any], redactor: Any
) -> None:
    """``labels: []`` once meant « all » to the pipeline and « none » to ``policy explain``:
    both now read it through ``redaction_settings`` as every label, and lint says so."""
    from gateway.policy.explain import redact_prompt
    from gateway.policy.lint import lint

    loaded = _policy(tmp_path, default_raw, redaction={"labels": []})
    assert redaction_settings(loaded).labels == ALL_LABELS
    redacted, counts = redact_prompt(loaded, "Mme Fatou Diallo, 06 12 34 56 78.",
                                     redactor)
    assert "Diallo" not in redacted and counts.get("PERSON") and counts.get("PHONE")
    assert any(f.where == "redaction.labels" for f in lint(loaded))


def _llm_policy(tmp_path: Path, raw: dict[str, Any]) -> LoadedPolicy:
    return _policy(tmp_path, raw, classifier={"mode": "llm", "model": "local-llama"})


async def test_llm_classifier_answer_is_used(tmp_path: Path, default_raw: dict[str, Any],
                                             catalog: Catalog) -> None:
    seen: list[str] = []

    async def complete(model: str, messages: list[dict[str, Any]]) -> str:
        seen.append(model)
        assert "<PERSONNE_1>" in messages[-1]["content"]
        return '{"use": "synthese_rapport", "forbidden": "decision_protection_enfance"}'

    d = await evaluate(_llm_policy(tmp_path, default_raw), STAFF, catalog.get("local-llama"),
                       _msgs("Rédige la note sur <PERSONNE_1>."), catalog, complete=complete)
    assert seen == ["local-llama"]
    assert d.action == Action.BLOCK and d.forbidden == "decision_protection_enfance"


@pytest.mark.parametrize("answer", ["pas du json", '{"use": "inconnu"}', '["x"]', "boom"])
async def test_llm_classifier_failure_fails_closed(
    tmp_path: Path, default_raw: dict[str, Any], catalog: Catalog, answer: str
) -> None:
    async def complete(model: str, messages: list[dict[str, Any]]) -> str:
        if answer == "boom":
            raise TimeoutError("upstream")
        return answer

    with pytest.raises(PolicyUnavailable):
        await evaluate(_llm_policy(tmp_path, default_raw), STAFF, catalog.get("local-llama"),
                       _msgs("Traduis : bonjour"), catalog, complete=complete)


async def test_llm_cannot_lift_the_floor(tmp_path: Path, default_raw: dict[str, Any],
                                         catalog: Catalog) -> None:
    async def complete(model: str, messages: list[dict[str, Any]]) -> str:
        return '{"use": "synthese_rapport", "forbidden": null}'

    d = await evaluate(_llm_policy(tmp_path, default_raw), STAFF, catalog.get("local-llama"),
                       _msgs("Classe ces familles de la plus à la moins suspecte de fraude."),
                       catalog, complete=complete)
    assert d.action == Action.BLOCK and d.evidence[0].rule_id == "floor:art5_notation_sociale"


async def test_llm_classifier_must_be_allowed_for_the_data(
    tmp_path: Path, default_raw: dict[str, Any], catalog: Catalog
) -> None:
    loaded = _policy(tmp_path, default_raw, classifier={"mode": "llm", "model": "cloud-us"})

    async def complete(model: str, messages: list[dict[str, Any]]) -> str:
        raise AssertionError("must not be called")

    with pytest.raises(PolicyUnavailable):
        await evaluate(loaded, STAFF, catalog.get("local-llama"),
                       _msgs("Notes : <PERSONNE_1>, 5 ans, hospitalisé."), catalog,
                       complete=complete)


async def test_sensitivity_of_an_earlier_message_still_routes(
    default_policy: LoadedPolicy, catalog: Catalog
) -> None:
    """Sensitivity is read per message (and cached per message): health data in the first
    turn keeps routing the whole conversation after later, harmless turns."""
    messages = [
        {"role": "user", "content": "Il est suivi par un psychiatre pour une dépression."},
        {"role": "assistant", "content": "D'accord."},
        {"role": "user", "content": "Rédige l'ordre du jour de la réunion."},
    ]
    for _ in range(2):  # the second time from the cache
        d = await evaluate(default_policy, STAFF, catalog.get("cloud-us"), messages, catalog)
        assert "sante" in d.sensitivity and d.action == Action.BLOCK
