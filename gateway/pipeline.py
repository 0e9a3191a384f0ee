"""The one place where the order of the request stages is written.

    1 auth (done by the router) → resolve the model → 2 limits → 3 redaction → 4 policy
    → 5 upstream → 6 re-identification (+ notice) → 7 usage

Quotas come first: they need no analysis, so a throttled client costs almost nothing.
Every stage is a function of typed values and receives only what it uses; the long-lived
parts are held by one :class:`Pipeline`, built at start-up. Redaction and policy fail
closed: any error there refuses the request and nothing is sent upstream. Both answer paths
(whole and streamed) share the upstream chain, the notice rule (:mod:`gateway.notice`), the
spans and one usage record per model call (:func:`gateway.accounting.recording`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.accounting import Accounting, Outcome, recording
from gateway.catalog import Catalog, ModelSpec
from gateway.errors import (
    AnalysisBusy,
    GatewayError,
    NotFoundError,
    PolicyBlocked,
    PolicyUnavailable,
    RedactionFailed,
)
from gateway.literacy import explanation, first_redaction
from gateway.policy import LoadedPolicy, eligible_models, evaluate, redaction_settings
from gateway.policy.client_task import task_name
from gateway.policy.llm import Complete
from gateway.request_fields import redact_call
from gateway.streaming import ChunkRewriter, StreamOutcome, rewrite_completion, sse_stream
from gateway.types import Action, ChatCall, Decision, Principal, Redaction
from gateway.usage import stage

if TYPE_CHECKING:
    from gateway.limits import Limiter
    from gateway.policy import PolicyStore
    from gateway.redaction import RedactionSettings, Redactor
    from gateway.upstream import Upstream
    from gateway.workers.offload import Analysis

# The use under which the policy's model-based classifier calls are counted (usage, quotas).
CLASSIFIER_USE = "classifieur_politique"


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The long-lived parts the stages use, built once at start-up
    (:func:`gateway.app.build_services`)."""

    catalog: Catalog
    policies: PolicyStore
    redactor: Redactor
    upstream: Upstream
    accounting: Accounting
    limits: Limiter | None = None
    # the analysis processes, once the lifespan has started them (None: threads)
    analysis: Analysis | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request that passed limits, redaction and policy, ready to go upstream."""

    spec: ModelSpec
    policy: LoadedPolicy
    redaction: Redaction
    decision: Decision
    reidentify: bool
    started: float

    @property
    def mapping(self) -> dict[str, str] | None:
        """Placeholders → values for the answer, or ``None`` when the policy keeps them."""
        return self.redaction.mapping if self.reidentify else None


def resolve_model(call: ChatCall, principal: Principal, catalog: Catalog) -> ModelSpec:
    """The declared model the call names, if this org may see it (404 otherwise)."""
    spec = catalog.get(call.model)
    if spec is None or not spec.visible_to(principal.org):
        # never quotes the name sent: a client may put any text there
        raise NotFoundError("Ce modèle n'existe pas ou ne vous est pas ouvert.")
    return spec


async def redact(
    call: ChatCall, settings: RedactionSettings, redactor: Redactor,
    analysis: Analysis | None = None,
) -> Redaction:
    """Stage 3, off the event loop (CPU-bound): the whole outgoing request, messages and
    parameters (:mod:`gateway.request_fields`). Any failure refuses the request."""
    try:
        if analysis is not None:  # in the worker processes (gateway.workers)
            return await analysis.redact(call.messages, call.params, settings)
        return await asyncio.to_thread(redact_call, call.messages, call.params, redactor,
                                       settings)
    except (RedactionFailed, AnalysisBusy):
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed, whatever went wrong
        raise RedactionFailed(
            "La pseudonymisation a échoué : la requête n'a pas été envoyée au modèle.",
            error_class=type(exc).__name__,
        ) from None


async def decide(
    policy: LoadedPolicy,
    principal: Principal,
    spec: ModelSpec,
    redaction: Redaction,
    catalog: Catalog,
    complete: Complete | None,
    client_task: str | None = None,
    analysis: Analysis | None = None,
) -> Decision:
    """Stage 4: classify the redacted request and apply the org's policy (tool and schema
    descriptions in the redacted parameters are instructions too). Fails closed."""
    try:
        return await evaluate(
            policy, principal, spec, redaction.messages, catalog, complete=complete,
            params=redaction.params, client_task=client_task,
            **({"classifier": analysis.classify} if analysis is not None else {}),
        )
    except GatewayError:
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed
        raise PolicyUnavailable(
            "L'évaluation de la politique d'usage a échoué : la requête n'a pas été envoyée.",
            error_class=type(exc).__name__,
        ) from None


def classifier_call(pipeline: Pipeline, principal: Principal, policy: LoadedPolicy) -> Complete:
    """The policy's optional model-based classifier reaches models like any call: through
    the upstream chain, its tokens and cost counted in the quotas and recorded as usage
    (use ``classifieur_politique``). Its input is already redacted; the request itself was
    counted by the limits stage, so no second request is counted here."""

    async def complete(model_name: str, messages: list[dict[str, Any]]) -> str:
        spec = pipeline.catalog.get(model_name)
        if spec is None or not spec.visible_to(principal.org):
            raise PolicyUnavailable(f"Le modèle de classification « {model_name} » n'existe pas.")
        decision = Decision(id="classifier", action=Action.ALLOW, use=CLASSIFIER_USE,
                            forbidden=None, evidence=(), policy_revision=policy.revision)
        async with recording(pipeline.accounting, principal, policy.policy.limits, decision,
                             spec, {}) as outcome:
            with stage("upstream"):
                served, body = await pipeline.upstream.complete([spec], messages,
                                                                {"temperature": 0})
            outcome.answered(Action.ALLOW.value, served, body.get("usage"))
        return str(body["choices"][0]["message"].get("content") or "")

    return complete


async def prepare(call: ChatCall, principal: Principal, pipeline: Pipeline) -> Prepared:
    """Stages up to the policy. Raises PolicyBlocked (403) after recording the blocked
    attempt."""
    started = time.perf_counter()
    spec = resolve_model(call, principal, pipeline.catalog)
    policy = pipeline.policies.get(principal.org)
    settings = redaction_settings(policy, scope=principal.conversation)
    pending = policy.policy.compliance.activation.pending()
    if pending:
        # The organisation asked to stay closed until staff were informed and their
        # representatives consulted (policy compliance.activation): nothing is analysed.
        raise PolicyBlocked(
            "La passerelle n'est pas encore activée pour votre organisation : il manque "
            + " et ".join(pending) + ". Votre administrateur l'activera une fois ces étapes "
            "faites.", code="activation_pending", policy_revision=policy.revision)
    if pipeline.limits is not None:
        # Before the costly stages, so a throttled client costs almost nothing.
        with stage("limits"):
            await pipeline.limits.check(principal, policy.policy.limits)
    with stage("redaction"):
        redaction = await redact(call, settings, pipeline.redactor, pipeline.analysis)
    with stage("policy"):
        # the template's shape is read on the request as sent (a closed-set name only)
        task = task_name(call.messages, call.client_task)
        decision = await decide(policy, principal, spec, redaction, pipeline.catalog,
                                classifier_call(pipeline, principal, policy), task,
                                pipeline.analysis)
    training = policy.policy.compliance.training_url
    if decision.action is not Action.BLOCK and first_redaction(call.messages, redaction.counts):
        decision = dataclasses.replace(decision, notice=_join_notice(
            decision.notice, explanation("redaction", training, principal.org)))
    prepared = Prepared(spec, policy, redaction, decision, settings.reidentify, started)
    if decision.action is Action.BLOCK:
        async with _recording(pipeline, prepared, principal) as outcome:
            outcome.action = Action.BLOCK.value
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


def serving_chain(prepared: Prepared, principal: Principal, catalog: Catalog) -> list[ModelSpec]:
    """The requested model, then its declared fallbacks that may also serve this request
    (:func:`gateway.policy.eligible_models` for its sensitivity), in declared order."""
    eligible = {s.name for s in eligible_models(prepared.policy, catalog, principal,
                                                prepared.decision.sensitivity)}
    fallbacks = (catalog.get(name) for name in prepared.spec.fallbacks if name in eligible)
    return [prepared.spec, *(s for s in fallbacks if s is not None)]


def _recording(pipeline: Pipeline, prepared: Prepared, principal: Principal
               ) -> AbstractAsyncContextManager[Outcome]:
    return recording(pipeline.accounting, principal, prepared.policy.policy.limits,
                     prepared.decision, prepared.spec, prepared.redaction.counts,
                     prepared.started)


async def complete(
    call: ChatCall, principal: Principal, pipeline: Pipeline
) -> tuple[dict[str, Any], Prepared]:
    """A non-streaming call through every stage."""
    prepared = await prepare(call, principal, pipeline)
    async with _recording(pipeline, prepared, principal) as outcome:
        with stage("upstream"):
            served, body = await pipeline.upstream.complete(
                serving_chain(prepared, principal, pipeline.catalog),
                prepared.redaction.messages, prepared.redaction.params)
        with stage("reidentify"):
            rewrite_completion(body, prepared.mapping, prepared.decision.notice)
        outcome.answered(prepared.decision.action.value, served, body.get("usage"))
    return body, prepared


async def stream(
    call: ChatCall, principal: Principal, pipeline: Pipeline
) -> tuple[AsyncIterator[bytes], Prepared]:
    """A streaming call. Errors up to the provider's first chunk surface here, before the
    first byte (a proper HTTP status); the returned iterator records usage when it ends,
    however it ends."""
    prepared = await prepare(call, principal, pipeline)
    events = _events(call, principal, pipeline, prepared)
    await events.__anext__()  # opens the upstream stream (raises its errors)
    return events, prepared


async def _events(call: ChatCall, principal: Principal, pipeline: Pipeline,
                  prepared: Prepared) -> AsyncGenerator[bytes, None]:
    """Yields once when the provider's first chunk is in, then the SSE events."""
    async with _recording(pipeline, prepared, principal) as outcome:
        with stage("upstream"):
            served, chunks = await pipeline.upstream.open_stream(
                serving_chain(prepared, principal, pipeline.catalog),
                prepared.redaction.messages, prepared.redaction.params, include_usage=True)
        outcome.served = served
        streamed = StreamOutcome(started=prepared.started)
        rewriter = ChunkRewriter(prepared.mapping, prepared.decision.notice)
        try:
            yield b""
            # re-identification chunk by chunk, as they are relayed
            with stage("reidentify"):
                async for event in sse_stream(chunks, rewriter, streamed, call.include_usage):
                    yield event
        finally:
            await chunks.aclose()  # closes the provider connection if the client left
            _stream_outcome(outcome, prepared, streamed)


def _stream_outcome(outcome: Outcome, prepared: Prepared, streamed: StreamOutcome) -> None:
    """What a stream came to, counted even when the provider sent no usage."""
    if streamed.completed:
        outcome.action = prepared.decision.action.value
    prompt_chars = sum(len(json.dumps(m, ensure_ascii=False))
                       for m in prepared.redaction.messages)
    outcome.prompt_tokens, outcome.completion_tokens = streamed.tokens_or_estimate(prompt_chars)
    outcome.ttft_s = streamed.ttft_s


def _join_notice(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " ".join(kept) if kept else None
