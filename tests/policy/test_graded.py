"""Graded answers and client tasks at the decision stage: each forbidden decision's check
(block / remind / log), the reminder inside the answer, `policy explain` bands, and chat
front-ends' background tasks (recognised, never refused, counted apart, no notice)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.catalog import Catalog
from gateway.policy import LoadedPolicy, evaluate, load_policy_file
from gateway.policy.client_task import TASK_USE, header_task, recognise
from gateway.policy.explain import explain
from gateway.policy.schema import Check
from gateway.types import Action, Principal, Role
from tests.policy.conftest import write_policy

STAFF = Principal("acme", "equipe-a", Role.STAFF, "k1")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "client_tasks"
BLOCKED = "D'après mes notes, faut-il placer <PERSONNE_1> ? Réponds oui ou non."
# a question about a real case that names the decision without handing it over
MIDDLE = "Pour <PERSONNE_1>, le placement, on en parle quand ?"


def _msgs(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _with_check(tmp_path: Path, raw: dict[str, Any], decision: str,
                **check: Any) -> LoadedPolicy:
    out = copy.deepcopy(raw)
    for entry in out["forbidden"]:
        if entry["id"] == decision:
            entry["check"] = {**entry.get("check", {}), **check}
    return load_policy_file(write_policy(tmp_path / "p.yaml", out))


def test_check_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValidationError):
        Check(block_at=0.4, remind_at=0.6)


async def test_block_band(default_policy: LoadedPolicy, catalog: Catalog) -> None:
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"), _msgs(BLOCKED),
                       catalog)
    assert d.action == Action.BLOCK and d.forbidden == "decision_protection_enfance"


async def test_middle_band_answers_with_the_reminder(default_policy: LoadedPolicy,
                                                     catalog: Catalog) -> None:
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"), _msgs(MIDDLE),
                       catalog)
    assert d.action == Action.REMIND and d.message is None
    entry = default_policy.policy.forbidden_decision("decision_protection_enfance")
    assert d.notice is not None and d.notice.startswith(entry.check.reminder)
    assert d.forbidden == "decision_protection_enfance"  # recorded as its own action


async def test_action_remind_never_refuses(tmp_path: Path, default_raw: dict[str, Any],
                                           catalog: Catalog) -> None:
    loaded = _with_check(tmp_path, default_raw, "decision_protection_enfance",
                         action="remind", reminder="Rappel maison : le juge décide.")
    d = await evaluate(loaded, STAFF, catalog.get("local-llama"), _msgs(BLOCKED), catalog)
    assert d.action == Action.REMIND and d.notice and d.notice.startswith("Rappel maison")


async def test_action_log_records_without_reminder(tmp_path: Path, default_raw: dict[str, Any],
                                                   catalog: Catalog) -> None:
    loaded = _with_check(tmp_path, default_raw, "decision_protection_enfance", action="log")
    d = await evaluate(loaded, STAFF, catalog.get("local-llama"), _msgs(BLOCKED), catalog)
    assert d.action == Action.LOG and d.forbidden == "decision_protection_enfance"
    assert d.notice == loaded.policy.transparency.notice


async def test_floor_ignores_a_softer_check(tmp_path: Path, default_raw: dict[str, Any],
                                            catalog: Catalog) -> None:
    loaded = _with_check(tmp_path, default_raw, "notation_risque", action="log")
    d = await evaluate(loaded, STAFF, catalog.get("local-llama"),
                       _msgs("Classe ces familles de la plus à la moins fraudeuse."), catalog)
    assert d.action == Action.BLOCK


async def test_explain_shows_band_and_why(default_policy: LoadedPolicy,
                                          catalog: Catalog) -> None:
    report = await explain(default_policy, BLOCKED, catalog)
    band = report["classification"]["band"]
    assert band["band"] == "block" and band["decision"] == "decision_protection_enfance"
    assert band["check"]["action"] == "block" and "score" in band["why"]
    report = await explain(default_policy, "Traduis en anglais : bonjour.", catalog)
    assert report["classification"]["band"]["band"] == "allow"


@pytest.mark.parametrize("value", ["title_generation", " Tags_Generation ",
                                   "context_compaction"])
def test_task_header_closed_set(value: str) -> None:
    assert header_task(value) == value.strip().lower()


@pytest.mark.parametrize("value", [None, "", "None", "{{TASK}}", "Mme Dupont", "placement"])
def test_task_header_ignores_anything_else(value: str | None) -> None:
    assert header_task(value) is None


def _fixture(name: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": (FIXTURES / name).read_text(encoding="utf-8")}]


TASK_FIXTURES = {
    "openwebui_title.txt": "title_generation",
    "openwebui_tags.txt": "tags_generation",
    "openwebui_follow_up.txt": "follow_up_generation",
    "openwebui_queries.txt": "query_generation",
    "openwebui_autocomplete.txt": "autocomplete_generation",
    "openwebui_compaction.txt": "context_compaction",
    "librechat_title.txt": "title_generation",
}


@pytest.mark.parametrize(("name", "task"), list(TASK_FIXTURES.items()))
async def test_client_tasks_are_recognised_and_never_refused(
        default_policy: LoadedPolicy, catalog: Catalog, name: str, task: str) -> None:
    """Each fixture quotes a conversation holding a forbidden question: the task is
    answered, under its own use, with no notice appended to its JSON."""
    messages = _fixture(name)
    found = recognise(messages)
    assert found is not None and found.name == task and found.source == "shape"
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"), messages, catalog)
    assert d.action == Action.ALLOW and d.use == TASK_USE and d.notice is None


async def test_header_marks_a_task_but_its_own_instruction_is_judged(
        default_policy: LoadedPolicy, catalog: Catalog) -> None:
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"),
                       _msgs("Propose un titre pour cette conversation."), catalog,
                       client_task="title_generation")
    assert d.action == Action.ALLOW and d.use == TASK_USE
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"), _msgs(BLOCKED),
                       catalog, client_task="title_generation")
    assert d.action == Action.BLOCK  # a header is no way around the policy


async def test_staff_request_is_not_a_task(default_policy: LoadedPolicy,
                                           catalog: Catalog) -> None:
    messages = _msgs("Propose un titre pour mon rapport d'activité.")
    assert recognise(messages) is None
    d = await evaluate(default_policy, STAFF, catalog.get("local-llama"), messages, catalog)
    assert d.use != TASK_USE
