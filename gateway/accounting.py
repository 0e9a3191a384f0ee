"""Stage 7, written once: every model call a request makes — the answer, a refusal, the
policy's own classifier call — is recorded by :func:`recording`, however it ends (success,
provider error, refusal, client gone): quota counters for the tokens and their cost, and
one content-free usage event for the model that actually answered."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.catalog import ModelSpec
from gateway.types import Decision, Principal
from gateway.usage import build_event, stage

if TYPE_CHECKING:
    from gateway.limits import Limiter
    from gateway.policy.schema import Limits
    from gateway.staffstore import StaffStore
    from gateway.usage import UsageRecorder

# (model, prompt tokens, completion tokens) → euros
Pricing = Callable[[ModelSpec, int, int], float]


@dataclass(frozen=True, slots=True)
class Accounting:
    """What recording uses: quota counters, the usage recorder, the research opt-out set
    and the price of a call. Each may be absent (tests, tools)."""

    price: Pricing
    limits: Limiter | None = None
    usage: UsageRecorder | None = None
    staff: StaffStore | None = None


@dataclass(slots=True)
class Outcome:
    """What the call came to (no content). Starts as an error: a call that never says
    otherwise — an exception, a cancellation — is recorded as one."""

    action: str = "error"
    served: ModelSpec | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float | None = None
    started: float = field(default_factory=time.perf_counter)

    def answered(self, action: str, served: ModelSpec, usage: Mapping[str, Any] | None) -> None:
        """A whole answer from ``served`` with the provider's token counts."""
        self.action, self.served = action, served
        self.prompt_tokens = int((usage or {}).get("prompt_tokens") or 0)
        self.completion_tokens = int((usage or {}).get("completion_tokens") or 0)


@asynccontextmanager
async def recording(
    accounting: Accounting,
    principal: Principal,
    limits: Limits,
    decision: Decision,
    requested: ModelSpec,
    redaction_counts: Mapping[str, int],
    started: float | None = None,
) -> AsyncIterator[Outcome]:
    """Yield an :class:`Outcome` to fill; record it on the way out, whatever happens.

    Shielded: a client that hangs up cancels the request, and its usage must still be
    written."""
    outcome = Outcome() if started is None else Outcome(started=started)
    try:
        yield outcome
    finally:
        await asyncio.shield(asyncio.ensure_future(
            _record(accounting, principal, limits, decision, requested, redaction_counts,
                    outcome)))


async def _record(
    accounting: Accounting, principal: Principal, limits: Limits, decision: Decision,
    requested: ModelSpec, redaction_counts: Mapping[str, int], outcome: Outcome,
) -> None:
    """Quota counters and a content-free usage event. Never fails the request."""
    with stage("usage"):
        model = outcome.served or requested
        tokens = outcome.prompt_tokens + outcome.completion_tokens
        if accounting.limits is not None and tokens:
            cost = accounting.price(model, outcome.prompt_tokens, outcome.completion_tokens)
            await accounting.limits.commit(principal, limits, tokens, cost)
        if accounting.usage is None:
            return
        event = build_event(
            principal=principal,
            decision=decision,
            model=model,
            redaction_counts=redaction_counts,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
            latency_s=time.perf_counter() - outcome.started,
            ttft_s=outcome.ttft_s,
            action=outcome.action,
        )
        if await _research_opt_out(principal, accounting.staff):
            event = dataclasses.replace(event, research_opt_out=True)
        accounting.usage.submit(event, principal)


async def _research_opt_out(principal: Principal, staff: StaffStore | None) -> bool:
    """Whether the worker objected to the research export. If the opt-out set cannot be
    read, the event is kept out of research (an objection must never be missed)."""
    if staff is None:
        return False
    try:
        return await staff.opted_out(principal)
    except Exception:  # noqa: BLE001 - never fails the request; err towards exclusion
        return True
