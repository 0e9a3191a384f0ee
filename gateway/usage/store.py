"""The usage store protocol, and how an event becomes store increments.

A store keeps two kinds of aggregate, keyed by ``org`` and the event's dimensions
(:data:`gateway.usage.events.DIMENSIONS`):

- **counters** per UTC hour: ``metric → value`` (``requests``, ``prompt_tokens``,
  ``redaction:NIR``, ``energy_kwh_min``…);
- **user marks** per UTC day: the set of worker pseudonyms seen for a dimension tuple and a
  *facet* (``""`` for any request, ``redaction:NIR`` for requests where a NIR was redacted,
  ``sensitivity:health``…). They exist only so that read paths can count distinct users
  and suppress small cells; they are never returned by any HTTP route, export or CLI;
- a **DP ledger**: the ε already spent on releases of each organisation-month
  (:mod:`gateway.usage.dp`).

Both implementations (SQLite, Redis) apply one event atomically and are tested by the same
parametrized tests, so the read paths (:mod:`gateway.usage.report`, :mod:`.export`) never
need to know which one they use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gateway.usage.events import UsageEvent

HOUR_FMT = "%Y-%m-%dT%H"
DAY_FMT = "%Y-%m-%d"
# Usage retention when no policy answers (policies: ``retention.usage_days``).
DEFAULT_RETENTION_DAYS = 365


@dataclass(frozen=True, slots=True)
class CounterRow:
    """One counter of one hour: ``dims`` in :data:`DIMENSIONS` order."""

    hour: str
    org: str
    dims: tuple[str, ...]
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class UserRow:
    """One worker pseudonym seen on ``day`` for ``dims`` and ``facet``."""

    day: str
    org: str
    dims: tuple[str, ...]
    facet: str
    pseudonym: str


class UsageStore(Protocol):
    """Where aggregates live. ``start``/``end`` bound a half-open UTC interval."""

    async def add(self, event: UsageEvent, pseudonym: str) -> None: ...
    async def add_many(self, items: Sequence[tuple[UsageEvent, str]]) -> None:
        """Apply several ``(event, pseudonym)`` at once (the recorder's write-behind
        batches). Each event is idempotent, as with :meth:`add`."""
        ...
    async def counters(self, org: str, start: datetime, end: datetime) -> list[CounterRow]: ...
    async def users(self, org: str, start: datetime, end: datetime) -> list[UserRow]: ...
    async def orgs(self) -> list[str]: ...
    async def purge(self, org: str, before: datetime) -> None:
        """Delete ``org``'s counters of hours and user marks of days that end by ``before``
        (retention), and its DP ledger entries of months that end by ``before``."""
        ...
    async def charge_epsilon(
        self, org: str, months: Sequence[str], epsilon: float, budget: float
    ) -> bool:
        """Atomically add ``epsilon`` to ``org``'s DP ledger for every month in ``months``,
        unless one of them would exceed ``budget``: then charge nothing and return False."""
        ...
    async def epsilon_spent(self, org: str, month: str) -> float: ...
    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...


def increments(event: UsageEvent) -> dict[str, float]:
    """The counter increments one event contributes (metric → amount)."""
    out: dict[str, float] = {
        "requests": 1,
        "prompt_tokens": event.prompt_tokens,
        "completion_tokens": event.completion_tokens,
        "latency_ms": round(event.latency_s * 1000, 3),
    }
    if event.ttft_s is not None:
        out["ttft_ms"] = round(event.ttft_s * 1000, 3)
        out["ttft_n"] = 1
    if event.energy_kwh is not None and event.gwp_kgco2eq is not None:
        out["energy_kwh_min"], out["energy_kwh_max"] = event.energy_kwh
        out["gwp_kgco2eq_min"], out["gwp_kgco2eq_max"] = event.gwp_kgco2eq
        out["impact_n"] = 1
    for label, n in event.redactions:
        out[f"redaction:{label}"] = out.get(f"redaction:{label}", 0) + n
    for cls in event.sensitivity:
        out[f"sensitivity:{cls}"] = 1
    return out


def facets(event: UsageEvent) -> list[str]:
    """The user-mark facets of one event."""
    return (
        [""]
        + [f"redaction:{label}" for label, _ in event.redactions]
        + [f"sensitivity:{cls}" for cls in event.sensitivity]
    )


def hour_key(moment: datetime) -> str:
    return moment.strftime(HOUR_FMT)


def day_key(moment: datetime) -> str:
    return moment.strftime(DAY_FMT)


def retention_days(retention: Callable[[str], int | None] | None, org: str) -> int:
    """``org``'s usage retention in days: the callable's answer, else the default."""
    if retention is not None:
        try:
            days = retention(org)
        except Exception:  # noqa: BLE001 - no policy for this org: the default applies
            days = None
        if days:
            return int(days)
    return DEFAULT_RETENTION_DAYS
