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

ACTIONS: frozenset[str] = frozenset({"allow", "warn", "remind", "log", "block", "error"})
OTHER = "autre"
# Marks the role of an event whose worker objected to the research export (see dims()).
OPT_OUT_SUFFIX = "+hors-recherche"
# Each dimension admits only the shape its legitimate values have, so that a value carrying
# text or an identifier (a name, a NIR, an e-mail, an IP address) becomes "autre":
# policy ids and classes are lowercase slugs (as the policy schema requires), redaction
# labels are upper-case entity names, model/org/team names follow the catalog and key rules.
_SHAPES: dict[str, re.Pattern[str]] = {
    "slug": re.compile(r"^[a-z][a-z0-9_-]{0,63}$"),
    "label": re.compile(r"^[A-Z][A-Z0-9_]{0,39}$"),
    "name": re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"),
}
# Five digits in a row look like an identifier (NIR, phone, IBAN, postcode…), not a category.
_DIGITS = re.compile(r"\d{5,}")


def dimension(value: str | None, shape: str = "name") -> str:
    """A safe dimension value: ``""`` for none, ``"autre"`` for anything not of ``shape``."""
    if value is None or value == "":
        return ""
    if not _SHAPES[shape].match(value) or _DIGITS.search(value):
        return OTHER
    return value


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
    research_opt_out: bool = False
    event_id: str = field(default_factory=lambda: secrets.token_hex(12))

    def dims(self) -> tuple[str, ...]:
        """The dimension values that key aggregates, in :data:`DIMENSIONS` order. An event
        of a worker who objected to the research export keeps that content-free flag in its
        role value (``staff`` + :data:`OPT_OUT_SUFFIX`), so the stores need no new column and
        the research export can leave it out; no read path groups by role."""
        role = self.role + OPT_OUT_SUFFIX if self.research_opt_out else self.role
        return (
            self.team, role, self.use, self.forbidden,
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
    """A content-free event for one request. ``action`` is allow/warn/remind/log/block/
    error (``remind``: answered with the reminder that the decision stays human).

    The energy and emission ranges are left empty here and filled by the recorder, which
    knows the electricity-mix zone (see :mod:`gateway.usage.impact`).
    """
    action = action if action in ACTIONS else "error"
    redactions = tuple(
        sorted(
            (dimension(label, "label"), int(n))
            for label, n in redaction_counts.items()
            if int(n) > 0
        )
    )
    sensitivity = tuple(sorted({dimension(s, "slug") for s in decision.sensitivity})) if decision else ()
    return UsageEvent(
        hour=hour_bucket(moment),
        org=dimension(principal.org),
        team=dimension(principal.team),
        role=dimension(str(principal.role), "slug"),
        use=dimension(decision.use, "slug") if decision else "",
        forbidden=dimension(decision.forbidden, "slug") if decision else "",
        action=action,
        model=dimension(model.name) if model else "",
        hosting=dimension(str(model.hosting), "slug") if model else "",
        prompt_tokens=max(0, int(prompt_tokens or 0)),
        completion_tokens=max(0, int(completion_tokens or 0)),
        redactions=redactions,
        sensitivity=sensitivity,
        latency_s=max(0.0, float(latency_s)),
        ttft_s=None if ttft_s is None else max(0.0, float(ttft_s)),
    )
