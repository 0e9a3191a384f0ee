"""What the policy engine makes of one prompt, for admins: redactions, sensitivity,
classification with evidence, decision and model choice. Used by ``gardefou policy explain``
and ``POST /admin/policies/{org}/explain``; also the policy self-tests (``tests:``).

The prompt an admin types may hold real data: it is redacted first (as in the pipeline) and
only the redacted text and label counts are returned — never the placeholder values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.catalog import Catalog
from gateway.policy.classify import Classification, classify
from gateway.policy.evaluate import allowed_models, evaluate, redaction_settings
from gateway.policy.schema import PolicyTest
from gateway.policy.sensitivity import detect_sensitivity
from gateway.policy.store import LoadedPolicy
from gateway.types import Action, Decision, Evidence, Principal, Role

if TYPE_CHECKING:
    from gateway.redaction import Redactor


def redact_prompt(loaded: LoadedPolicy, prompt: str,
                  redactor: Redactor | None) -> tuple[str, dict[str, int]]:
    """Redact ``prompt`` with the org's settings (as the pipeline reads them);
    ``redactor=None`` leaves it as is."""
    if redactor is None:
        return prompt, {}
    from gateway.redaction import redact_conversation

    result = redact_conversation([{"role": "user", "content": prompt}], redactor,
                                 redaction_settings(loaded))
    return str(result.messages[0]["content"]), dict(result.counts)


async def explain(
    loaded: LoadedPolicy,
    prompt: str,
    catalog: Catalog,
    *,
    redactor: Redactor | None = None,
    role: Role = Role.STAFF,
    model: str | None = None,
) -> dict[str, Any]:
    """A JSON-ready explanation of how ``prompt`` would be handled for ``role``."""
    # Redaction is CPU-bound: keep it off the event loop (the admin API awaits this).
    redacted, counts = await asyncio.to_thread(redact_prompt, loaded, prompt, redactor)
    messages = [{"role": "user", "content": redacted}]
    candidates = allowed_models(loaded, role, catalog)
    name = model or (candidates[0] if candidates else catalog.names[0])
    spec = catalog.get(name)
    principal = Principal(loaded.org, "explain", role, "explain")
    decision: Decision | None = None
    if spec is not None:
        decision = await evaluate(loaded, principal, spec, messages, catalog)
    classification = classify(loaded.policy, messages)
    return {
        "org": loaded.org,
        "policy_file": loaded.path.name,
        "policy_revision": loaded.revision,
        "redacted_prompt": redacted,
        "redactions": counts,
        "sensitivity": sorted(detect_sensitivity(redacted)),
        "classification": {
            "use": classification.use,
            "forbidden": classification.forbidden,
            "ambiguous": classification.ambiguous,
            "band": band_report(loaded, classification),
            "evidence": _evidence(classification.evidence),
        },
        "model": name,
        "models_allowed_for_role": list(candidates),
        "decision": None if decision is None else {
            "id": decision.id,
            "action": decision.action.value,
            "message": decision.message,
            "notice": decision.notice,
            # What the decision adds to the classification's evidence (a role or routing
            # rule): each piece of evidence is listed once in the report.
            "evidence": _evidence(e for e in decision.evidence
                                  if e not in classification.evidence),
        },
    }


def _evidence(evidence: Iterable[Evidence]) -> list[dict[str, Any]]:
    """Evidence as JSON, each matched term once (in order of first match)."""
    return [{"rule": e.rule_id, "matched": list(dict.fromkeys(e.matched))} for e in evidence]


def band_report(loaded: LoadedPolicy, c: Classification) -> dict[str, Any]:
    """Which band the request fell in and why: the score against the decision's check."""
    decision = c.forbidden or c.concern
    entry = loaded.policy.forbidden_decision(decision)
    check = entry.check if entry is not None else None
    if c.floor:
        why = "règle plancher (AI Act art. 5) : toujours bloquée"
    elif decision is None:
        why = "aucune décision interdite n'est confiée à l'IA"
    elif check is None:
        why = "décision hors politique"
    elif c.band == "remind" and c.score < check.remind_at:
        why = "question sur un cas réel qui nomme la décision sans la confier : rappel"
    else:
        why = (f"score {c.score:.2f} ; blocage (action « {check.action} ») à partir de "
               f"{check.block_at:.2f}, rappel à partir de {check.remind_at:.2f}")
    return {"band": c.band, "decision": decision, "score": round(c.score, 3), "why": why,
            "check": None if check is None else check.model_dump()}


def offline_action(loaded: LoadedPolicy, c: Classification) -> Action:
    """The action the classification alone leads to (no role or routing check)."""
    if c.forbidden is not None:
        return Action.BLOCK
    if c.band == "remind":
        return Action.REMIND
    use = loaded.policy.use(c.use)
    if use is not None and use.action == "warn":
        return Action.WARN
    if c.band == "log":
        return Action.LOG
    return Action.ALLOW


@dataclass(frozen=True, slots=True)
class TestOutcome:
    index: int
    ok: bool
    expected: str
    got: str


def run_policy_tests(loaded: LoadedPolicy) -> list[TestOutcome]:
    """Run the file's ``tests:`` (offline classifier) and compare action, use, forbidden."""
    return [_run_one(loaded, i, t) for i, t in enumerate(loaded.policy.tests)]


def _run_one(loaded: LoadedPolicy, index: int, test: PolicyTest) -> TestOutcome:
    c = classify(loaded.policy, [{"role": "user", "content": test.prompt}])
    action = offline_action(loaded, c)
    exp = test.expect
    ok = action.value == exp.action
    if exp.use is not None:
        ok = ok and c.use == exp.use
    # a remind or log band names its decision as the concern
    decision = c.forbidden or c.concern
    if exp.forbidden is not None or exp.action == "block":
        ok = ok and (exp.forbidden is None or decision == exp.forbidden)
    expected = f"{exp.action} use={exp.use} forbidden={exp.forbidden}"
    got = f"{action.value} use={c.use} forbidden={decision}"
    return TestOutcome(index, ok, expected, got)
