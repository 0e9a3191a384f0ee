"""The usage event: what one request leaves behind in usage data, and nothing more.

A :class:`UsageEvent` is built from typed values only (principal's org/team/role, the policy
decision's ids, the model's catalog facts, counts). It never holds text: not the prompt, not
the answer, not placeholder values, not the key id, not a user id or an IP address. Every
string dimension goes through :func:`dimension`, which admits only short identifier-like
values, so that a policy id or a label can never smuggle free text into the store or metrics.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gateway.catalog import ModelSpec
from gateway.types import Decision, Principal

ACTIONS: frozenset[str] = frozenset({"allow", "warn", "block", "error"})
# Identifier-like values only: a policy id, a label, a model name. No spaces, so no sentence.
_DIMENSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
OTHER = "autre"


def dimension(value: str | None) -> str:
    """A safe dimension value: ``""`` for none, ``"autre"`` for anything not identifier-like."""
    if value is None or value == "":
        return ""
    return value if _DIMENSION_RE.match(value) else OTHER


def hour_bucket(moment: datetime | None = None) -> datetime:
    """The UTC hour a request belongs to (the finest time grain kept in usage data)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One request, as usage data sees it. Ranges are ``(min, max)``; ``None`` = not estimated.

    ``event_id`` is a random nonce used only to make a retried write idempotent; it is linked
    to nothing and expires with the deduplication window.
    """

    hour: datetime
    org: str
    team: str
    role: str
    use: str
    forbidden: str
    action: str
    model: str
    hosting: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    redactions: tuple[tuple[str, int], ...] = ()
    sensitivity: tuple[str, ...] = ()
    latency_s: float = 0.0
    ttft_s: float | None = None
    energy_kwh: tuple[float, float] | None = None
    gwp_kgco2eq: tuple[float, float] | None = None
    event_id: str = field(default_factory=lambda: secrets.token_hex(12))

    def dims(self) -> tuple[str, ...]:
        """The dimension values that key aggregates, in :data:`DIMENSIONS` order."""
        return (
            self.team, self.role, self.use, self.forbidden,
            self.action, self.model, self.hosting,
        )


# Order of :meth:`UsageEvent.dims`; the org keys the store separately.
DIMENSIONS: tuple[str, ...] = ("team", "role", "use", "forbidden", "action", "model", "hosting")


def build_event(
    *,
    principal: Principal,
    decision: Decision | None,
    model: ModelSpec | None,
    redaction_counts: Mapping[str, int],
    prompt_tokens: int,
    completion_tokens: int,
    latency_s: float,
    ttft_s: float | None,
    action: str,
    moment: datetime | None = None,
) -> UsageEvent:
    """A content-free event for one request. ``action`` is allow/warn/block/error.

    The energy and emission ranges are left empty here and filled by the recorder, which
    knows the electricity-mix zone (see :mod:`gateway.usage.impact`).
    """
    action = action if action in ACTIONS else "error"
    redactions = tuple(
        sorted(
            (dimension(label), int(n))
            for label, n in redaction_counts.items()
            if int(n) > 0
        )
    )
    sensitivity = tuple(sorted({dimension(s) for s in decision.sensitivity})) if decision else ()
    return UsageEvent(
        hour=hour_bucket(moment),
        org=dimension(principal.org),
        team=dimension(principal.team),
        role=dimension(str(principal.role)),
        use=dimension(decision.use) if decision else "",
        forbidden=dimension(decision.forbidden) if decision else "",
        action=action,
        model=dimension(model.name) if model else "",
        hosting=dimension(str(model.hosting)) if model else "",
        prompt_tokens=max(0, int(prompt_tokens or 0)),
        completion_tokens=max(0, int(completion_tokens or 0)),
        redactions=redactions,
        sensitivity=sensitivity,
        latency_s=max(0.0, float(latency_s)),
        ttft_s=None if ttft_s is None else max(0.0, float(ttft_s)),
    )
