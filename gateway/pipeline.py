"""The one place where the order of the request stages is written.

    1 auth (done by the router) → 2 redaction → 3 policy → 4 limits → 5 upstream
    → 6 re-identification → 7 usage

Every stage is a function of typed values. Redaction and policy fail closed: any error there
refuses the request and nothing is sent upstream.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from gateway.catalog import ModelSpec
from gateway.errors import (
    AnalysisBusy,
    GatewayError,
    NotFoundError,
    PolicyBlocked,
    PolicyUnavailable,
    RedactionFailed,
)
from gateway.literacy import explanation, first_redaction
from gateway.notice import notice_suffix, takes_notice
from gateway.policy import LoadedPolicy, allowed_models, evaluate, redaction_settings
from gateway.policy.client_task import task_name
from gateway.policy.evaluate import routing_violation
from gateway.redaction import RedactionSettings, reidentify_message
from gateway.request_fields import redact_call
from gateway.services import Services
from gateway.streaming import ChunkRewriter, StreamOutcome, sse_stream
from gateway.types import Action, ChatCall, Decision, Principal, Redaction
from gateway.usage import build_event, stage


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request that passed redaction and policy, ready to go upstream."""

    spec: ModelSpec
    policy: LoadedPolicy
    redaction: Redaction
    decision: Decision
    reidentify: bool
    started: float


def resolve_model(call: ChatCall, principal: Principal, services: Services) -> ModelSpec:
    """The declared model the call names, if this org may see it (404 otherwise)."""
    spec = services.catalog.get(call.model)
    if spec is None or not spec.visible_to(principal.org):
        # never quotes the name sent: a client may put any text there
        raise NotFoundError("Ce modèle n'existe pas ou ne vous est pas ouvert.")
    return spec


async def redact(call: ChatCall, settings: RedactionSettings, services: Services) -> Redaction:
    """Stage 2, off the event loop (CPU-bound): the whole outgoing request, messages and
    parameters (:mod:`gateway.request_fields`). Any failure refuses the request."""
    try:
        if services.analysis is not None:  # in the worker processes (gateway.workers)
            return await services.analysis.redact(call.messages, call.params, settings)
        return await asyncio.to_thread(
            redact_call, call.messages, call.params, services.redactor, settings
        )
    except (RedactionFailed, AnalysisBusy):
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed, whatever went wrong
        raise RedactionFailed(
            "La pseudonymisation a échoué : la requête n'a pas été envoyée au modèle.",
            error_class=type(exc).__name__,
        ) from None


async def decide(
    prepared_policy: LoadedPolicy,
    principal: Principal,
    spec: ModelSpec,
    redaction: Redaction,
    services: Services,
    params: dict[str, Any] | None = None,
    client_task: str | None = None,
) -> Decision:
    """Stage 3: classify the redacted request and apply the org's policy (tool and schema
    descriptions in ``params`` are instructions too). Fails closed."""
    try:
        return await evaluate(
            prepared_policy, principal, spec, redaction.messages, services.catalog,
            complete=_classifier_call(services, principal.org), params=params,
            client_task=client_task,
            **({"classifier": services.analysis.classify} if services.analysis else {}),
        )
    except GatewayError:
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed
        raise PolicyUnavailable(
            "L'évaluation de la politique d'usage a échoué : la requête n'a pas été envoyée.",
            error_class=type(exc).__name__,
        ) from None


def _classifier_call(services: Services, org: str) -> Any:
    """The policy's optional model-based classifier calls models through the same upstream
    (its input is already redacted)."""

    async def complete(model_name: str, messages: list[dict[str, Any]]) -> str:
        spec = services.catalog.get(model_name)
        if spec is None or not spec.visible_to(org):
            raise PolicyUnavailable(f"Le modèle de classification « {model_name} » n'existe pas.")
        _, body = await services.upstream.complete([spec], messages, {"temperature": 0})
        return str(body["choices"][0]["message"].get("content") or "")

    return complete


async def prepare(call: ChatCall, principal: Principal, services: Services) -> Prepared:
    """Stages 2–4 (quotas first: they need no analysis). Raises PolicyBlocked (403) after
    recording the blocked attempt."""
    started = time.perf_counter()
    spec = resolve_model(call, principal, services)
    policy = services.policies.get(principal.org)
    options = redaction_settings(policy)
    settings = RedactionSettings(
        **({"labels": frozenset(options["labels"])} if options.get("labels") else {}),
        allow_list=tuple(options.get("allow_list") or ()),
        reidentify=bool(options.get("reidentify", True)),
        scope=principal.conversation,
    )
    pending = policy.policy.compliance.activation.pending()
    if pending:
        # The organisation asked to stay closed until staff were informed and their
        # representatives consulted (policy compliance.activation): nothing is analysed.
        raise PolicyBlocked(
            "La passerelle n'est pas encore activée pour votre organisation : il manque "
            + " et ".join(pending) + ". Votre administrateur l'activera une fois ces étapes "
            "faites.", code="activation_pending", policy_revision=policy.revision)
    if services.limits is not None:
        # Before the costly stages, so a throttled client costs almost nothing.
        with stage("limits"):
            await services.limits.check(principal, policy.policy.limits)
    with stage("redaction"):
        redaction = await redact(call, settings, services)
    with stage("policy"):
        # the template's shape is read on the request as sent (a closed-set name only)
        task = task_name(call.messages, call.client_task)
        # parameters as they will leave (redacted): the optional model-based classifier
        # may send them to a model
        decision = await decide(policy, principal, spec, redaction, services,
                                redaction.params, task)
    training = policy.policy.compliance.training_url
    if decision.action is not Action.BLOCK and first_redaction(call.messages, redaction.counts):
        decision = dataclasses.replace(decision, notice=_join_notice(
            decision.notice, explanation("redaction", training, principal.org)))
    prepared = Prepared(spec, policy, redaction, decision, settings.reidentify, started)
    if decision.action is Action.BLOCK:
        await record(prepared, principal, services, action="block")
        rule = decision.forbidden or next((e.rule_id for e in decision.evidence
                                           if e.rule_id.startswith(("routing:", "role:"))), None)
        raise PolicyBlocked(
            (decision.message or "Cette demande n'est pas autorisée par la politique d'usage.")
            + "\n\n" + explanation(rule, training, principal.org),
            decision_id=decision.id,
            rule=decision.forbidden,
            policy_revision=decision.policy_revision,
        )
    return prepared


def serving_chain(prepared: Prepared, principal: Principal, services: Services) -> list[ModelSpec]:
    """The requested model, then its declared fallbacks that this request may also use: seen
    by the org, allowed for the role, and satisfying the routing rules for its sensitivity."""
    permitted = set(allowed_models(prepared.policy, principal.role, services.catalog))
    chain = [prepared.spec]
    for name in prepared.spec.fallbacks:
        candidate = services.catalog.get(name)
        if (
            candidate is not None
            and candidate.visible_to(principal.org)
            and candidate.name in permitted
            and routing_violation(
                prepared.policy.policy, candidate, prepared.decision.sensitivity
            ) is None
        ):
            chain.append(candidate)
    return chain


async def complete(
    call: ChatCall, principal: Principal, services: Services
) -> tuple[dict[str, Any], Prepared]:
    """A non-streaming call through every stage."""
    prepared = await prepare(call, principal, services)
    try:
        with stage("upstream"):
            served, body = await services.upstream.complete(
                serving_chain(prepared, principal, services), prepared.redaction.messages,
                prepared.redaction.params,
            )
    except (GatewayError, asyncio.CancelledError):
        await record(prepared, principal, services, action="error")
        raise
    with stage("reidentify"):
        for choice in body.get("choices", []):
            message = choice.get("message") or {}
            if prepared.reidentify:
                message = reidentify_message(message, prepared.redaction.mapping)
            notice = prepared.decision.notice
            if (notice and isinstance(message.get("content"), str)
                    and takes_notice(choice.get("finish_reason"))):
                message["content"] += notice_suffix(notice)
            choice["message"] = message
    usage = body.get("usage") or {}
    await record(
        prepared, principal, services, action=prepared.decision.action.value,
        prompt_tokens=usage.get("prompt_tokens", 0),
        completion_tokens=usage.get("completion_tokens", 0), served=served,
    )
    return body, prepared


async def stream(
    call: ChatCall, principal: Principal, services: Services
) -> tuple[AsyncIterator[bytes], Prepared]:
    """A streaming call. Policy errors surface before the first byte (proper HTTP status);
    the returned iterator records usage when it ends, however it ends."""
    prepared = await prepare(call, principal, services)
    mapping = prepared.redaction.mapping
    rewriter = ChunkRewriter(mapping if prepared.reidentify else None, prepared.decision.notice)
    outcome = StreamOutcome(started=prepared.started)
    try:
        # Waits for the first chunk, so connection errors and timeouts get a real status.
        served, chunks = await services.upstream.open_stream(
            serving_chain(prepared, principal, services), prepared.redaction.messages,
            prepared.redaction.params, include_usage=True,
        )
    except (GatewayError, asyncio.CancelledError):
        await record(prepared, principal, services, action="error")
        raise

    async def events() -> AsyncIterator[bytes]:
        try:
            async for event in sse_stream(chunks, rewriter, outcome, call.include_usage):
                yield event
        finally:
            # Shielded: a client that hangs up on an error event cancels this generator,
            # and the usage event must still be written.
            await asyncio.shield(asyncio.ensure_future(finish()))

    async def finish() -> None:
        await chunks.aclose()  # type: ignore[attr-defined]
        action = prepared.decision.action.value if outcome.completed else "error"
        prompt_chars = sum(len(json.dumps(m, ensure_ascii=False)) for m in prepared.redaction.messages)
        prompt_tokens, completion_tokens = outcome.tokens_or_estimate(prompt_chars)
        await record(
            prepared, principal, services, action=action,
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            ttft_s=outcome.ttft_s, served=served,
        )

    return events(), prepared


async def record(
    prepared: Prepared,
    principal: Principal,
    services: Services,
    *,
    action: str,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    ttft_s: float | None = None,
    served: ModelSpec | None = None,
) -> None:
    """Stage 7: quota counters and a content-free usage event, for the model that actually
    answered (a fallback may have). Never fails the request."""
    model = served or prepared.spec
    if services.limits is not None and (prompt_tokens or completion_tokens):
        cost = services.upstream.cost_eur(
            model, prompt_tokens, completion_tokens, services.settings.usd_to_eur
        )
        await services.limits.commit(
            principal, prepared.policy.policy.limits, prompt_tokens + completion_tokens, cost
        )
    if services.usage is None:
        return
    event = build_event(
        principal=principal,
        decision=prepared.decision,
        model=model,
        redaction_counts=prepared.redaction.counts,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_s=time.perf_counter() - prepared.started,
        ttft_s=ttft_s,
        action=action,
    )
    if await _research_opt_out(principal, services):
        event = dataclasses.replace(event, research_opt_out=True)
    await services.usage.record(event, principal)


async def _research_opt_out(principal: Principal, services: Services) -> bool:
    """Whether the worker objected to the research export. If the opt-out set cannot be
    read, the event is kept out of research (an objection must never be missed)."""
    if services.staff is None:
        return False
    try:
        return await services.staff.opted_out(principal)
    except Exception:  # noqa: BLE001 - never fails the request; err towards exclusion
        return True


def _join_notice(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " ".join(kept) if kept else None
