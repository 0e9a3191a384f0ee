"""From a classified request to a :class:`~gateway.types.Decision`.

Order of checks (the first refusal wins): the role's model allow-list, the forbidden
decisions (floor first, then the file's rules), data routing for detected sensitive data.
Every decision gets a fresh id and cites the policy revision; a block carries a French
message saying which rule, why, and what the person may ask instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from gateway.catalog import Catalog, Hosting, ModelSpec, Retention
from gateway.errors import PolicyUnavailable
from gateway.policy.classify import Classification, classify
from gateway.policy.client_task import TASK_USE, recognise
from gateway.policy.request import message_text
from gateway.policy.floor import FLOOR
from gateway.policy.llm import classify_with_model
from gateway.policy.schema import Check, Policy, RoutingRequirement, RoutingRule
from gateway.policy.sensitivity import detect_sensitivity
from gateway.policy.store import LoadedPolicy
from gateway.types import Action, Decision, Evidence, Principal, Role

if TYPE_CHECKING:
    from gateway.redaction.settings import RedactionSettings

Complete = Callable[[str, list[dict[str, Any]]], Awaitable[str]]
# Runs the offline classifier somewhere (a worker process: gateway.workers); default: a thread.
Classifier = Callable[[Policy, list[dict[str, Any]], "dict[str, Any] | None"],
                      Awaitable[Classification]]


async def classify_in_thread(policy: Policy, messages: list[dict[str, Any]],
                             params: dict[str, Any] | None = None) -> Classification:
    """The offline classifier off the event loop (CPU-bound: ~10 ms for a long note), so
    streams being relayed for other staff keep flowing meanwhile."""
    return await asyncio.to_thread(classify, policy, messages, params)



def allowed_models(policy: LoadedPolicy, role: Role, catalog: Catalog) -> tuple[str, ...]:
    """Catalog models ``role`` may call under ``policy`` (``"*"`` = all), in catalog order."""
    entry = policy.policy.roles.get(role)
    if entry is None:
        return ()
    if "*" in entry.models:
        return catalog.names
    wanted = set(entry.models)
    return tuple(name for name in catalog.names if name in wanted)


def redaction_settings(policy: LoadedPolicy, scope: str = "") -> RedactionSettings:
    """What the policy asks of the redactor, for a request of conversation ``scope``.

    ``labels: null`` and ``labels: []`` both mean every label: the policy file can narrow
    redaction to some labels, never turn it off (an empty list is far likelier a half-edited
    file than a wish to send beneficiary data as is). The pipeline and ``policy explain``
    both read it here."""
    # imported here: the redaction package loads Presidio, which policy tools do not need
    from gateway.redaction.settings import ALL_LABELS, RedactionSettings

    r = policy.policy.redaction
    return RedactionSettings(
        labels=frozenset(r.labels) if r.labels else ALL_LABELS,
        allow_list=tuple(r.allow_list),
        reidentify=r.reidentify,
        scope=scope,
    )


def eligible_models(
    policy: LoadedPolicy, catalog: Catalog, principal: Principal,
    sensitivity: frozenset[str] | None = None,
) -> tuple[ModelSpec, ...]:
    """The one answer to « which models may serve this request »: catalog models the
    principal's org sees, that its role may call, and — once the request's ``sensitivity``
    is known — that satisfy the routing rules for it. In catalog order."""
    return tuple(
        spec for name in allowed_models(policy, principal.role, catalog)
        if (spec := catalog.get(name)) is not None
        and spec.visible_to(principal.org)
        and (sensitivity is None or routing_violation(policy.policy, spec, sensitivity) is None)
    )


def satisfies(model: ModelSpec, requirement: RoutingRequirement) -> bool:
    """Whether ``model``'s hosting facts meet every fact ``requirement`` lists."""
    if requirement.self_hosted is not None and (
        (model.hosting == Hosting.SELF_HOSTED) != requirement.self_hosted
    ):
        return False
    if any(c.lower() not in model.certifications for c in requirement.certifications):
        return False
    if requirement.hosting and model.hosting.value not in requirement.hosting:
        return False
    return not (
        requirement.zero_retention is not None
        and (model.retention == Retention.ZERO) != requirement.zero_retention
    )


def routing_violation(
    policy: Policy, model: ModelSpec, sensitivity: frozenset[str]
) -> RoutingRule | None:
    """The first routing rule that applies to ``sensitivity`` and that ``model`` fails."""
    for rule in policy.routing:
        if sensitivity & set(rule.when_sensitivity) and not any(
            satisfies(model, req) for req in rule.require_any
        ):
            return rule
    return None


async def evaluate(
    policy: LoadedPolicy,
    principal: Principal,
    model: ModelSpec,
    messages: list[dict[str, Any]],
    catalog: Catalog,
    *,
    complete: Complete | None = None,
    params: dict[str, Any] | None = None,
    client_task: str | None = None,
    classifier: Classifier = classify_in_thread,
) -> Decision:
    """Decide on one redacted request (``params``: the other request fields, whose tool
    and ``response_format`` descriptions are instructions too). Raises
    ``PolicyUnavailable`` when the policy's LLM classifier was asked for and failed (fail
    closed). ``client_task`` is the task the header named (validated); a front-end's
    background task is answered without notice and recorded under its own use.
    ``classifier`` runs the offline classifier (a thread by default)."""
    pol = policy.policy
    # Every role counts: the client controls the whole history, so health data placed in an
    # assistant, tool or developer message must route exactly as in a user message.
    sensitivity = frozenset().union(*(detect_sensitivity(_all_text(m)) for m in messages))
    task = recognise(messages, client_task)
    if task is not None:
        # the conversation a task quotes was judged when it was asked: only the task's own
        # instruction is read (the real templates ask for no decision, so they pass)
        classification = await classifier(
            pol, [{"role": "user", "content": task.instruction}], None)
        if classification.band != "block":
            classification = Classification(
                TASK_USE, None, (Evidence(f"client_task:{task.name}", (task.source,)),))
    elif pol.classifier.mode == "llm" and complete is not None:
        judge = catalog.get(pol.classifier.model or "")
        if judge is None or routing_violation(pol, judge, sensitivity) is not None:
            # the classifying model must be allowed to read this request, or we refuse it
            raise PolicyUnavailable(
                "le modèle classifieur de la politique n'est pas disponible pour ces données ; "
                "la demande n'a pas été envoyée",
                code="policy_classifier_unavailable",
            )
        classification = await classify_with_model(pol, messages, complete, params)
    else:
        classification = await classifier(pol, messages, params)

    def decide(action: Action, evidence: tuple[Evidence, ...], message: str | None = None,
               notice: str | None = None, forbidden: str | None = None) -> Decision:
        return Decision(
            id=str(uuid.uuid4()),
            action=action,
            use=classification.use,
            forbidden=forbidden,
            evidence=evidence,
            policy_revision=policy.revision,
            sensitivity=sensitivity,
            message=message,
            notice=notice,
        )

    permitted = allowed_models(policy, principal.role, catalog)
    if model.name not in permitted:
        others = ", ".join(permitted) or "aucun"
        return decide(Action.BLOCK, (Evidence(f"role:{principal.role.value}", (model.name,)),),
                      message=(
                          f"Demande refusée (règle « modèles autorisés » de la politique "
                          f"{pol.organisation.id}) : le rôle « {principal.role.value} » ne "
                          f"peut pas utiliser le modèle « {model.name} ». Modèles autorisés "
                          f"pour ce rôle : {others}."))

    if classification.forbidden is not None:
        return decide(Action.BLOCK, classification.evidence,
                      message=block_message(pol, classification.forbidden),
                      forbidden=classification.forbidden)

    rule = routing_violation(pol, model, sensitivity)
    if rule is not None:
        fits = [spec.name for spec in eligible_models(policy, catalog, principal, sensitivity)]
        why = rule.message or (
            "cette demande contient des données sensibles ("
            + ", ".join(sorted(sensitivity & set(rule.when_sensitivity)))
            + ") que ce modèle ne peut pas recevoir."
        )
        return decide(Action.BLOCK,
                      (*classification.evidence,
                       Evidence(f"routing:{rule.id}", tuple(sorted(sensitivity)))),
                      message=(f"Demande refusée (règle « {rule.id} ») : {why} Modèles "
                               f"possibles : {', '.join(fits) or 'aucun pour votre rôle'}."))

    if task is not None:
        # a title or tags parsed by the front-end: no notice appended to them
        return decide(Action.ALLOW, classification.evidence)
    base = pol.transparency.notice
    if classification.band == "remind":
        # the middle band: answered, with a reminder to the worker inside the answer
        return decide(Action.REMIND, classification.evidence,
                      notice=_join(reminder(pol, classification.concern), base),
                      forbidden=classification.concern)
    use = pol.use(classification.use)
    if use is not None and use.action == "warn":
        return decide(Action.WARN, classification.evidence, notice=_join(use.notice, base))
    if classification.band == "log":
        return decide(Action.LOG, classification.evidence, notice=base,
                      forbidden=classification.concern)
    return decide(Action.ALLOW, classification.evidence, notice=base)


def reminder(policy: Policy, decision_id: str | None) -> str:
    """The French reminder of the decision's check (the default one for a floor id)."""
    entry = policy.forbidden_decision(decision_id)
    return (entry.check if entry is not None else Check()).reminder


def _all_text(message: dict[str, Any]) -> str:
    """Content and tool-call arguments of one message."""
    calls = message.get("tool_calls") or []
    arguments = [str((c.get("function") or {}).get("arguments") or "") for c in calls]
    return "\n".join([message_text(message), *arguments])


def block_message(policy: Policy, forbidden_id: str) -> str:
    """The French refusal: which rule, why, what the person may ask instead."""
    entry = policy.forbidden_decision(forbidden_id)
    if entry is not None:
        label, why, instead = entry.label, entry.refusal.why, entry.refusal.instead
    else:
        floor = next((r for r in FLOOR if r.id == forbidden_id), None)
        if floor is None:  # a classifier answer naming no known rule: still refuse
            label, why, instead = forbidden_id, "cette décision doit rester humaine.", ()
        else:
            label, why, instead = floor.label, floor.why, floor.instead
    text = (f"Demande refusée : elle demande à l'IA de prendre une décision qui doit rester "
            f"humaine (règle « {label} », {forbidden_id}). Pourquoi : {why.rstrip('.')}.")
    if instead:
        text += " Vous pouvez demander à la place : " + " ; ".join(instead) + "."
    return text


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " ".join(kept) if kept else None


__all__ = ["Classification", "allowed_models", "block_message", "eligible_models", "evaluate",
           "redaction_settings", "reminder", "routing_violation", "satisfies"]
