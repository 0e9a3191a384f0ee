"""When a month is *closed*: the one clock shared by pseudonym secrets and publication.

A month closes :data:`GRACE` after its last instant. Until then, late events (a request at
23:59 on the 31st, events buffered while the store was down) may still be written, with the
month's worker-pseudonym secret. At closing time the secret is destroyed (closed months
become irreversible) and the month's figures become publishable: they no longer move, so a
manager polling the dashboard cannot watch single events arrive (a counter going 12 → 13).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

GRACE = timedelta(days=3)


def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of a moment (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    """The first instant of ``month`` (``YYYY-MM``), UTC."""
    return datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)


def month_end(month: str) -> datetime:
    """The first instant after ``month``."""
    y, m = int(month[:4]), int(month[5:7]) + 1
    if m == 13:
        y, m = y + 1, 1
    return datetime(y, m, 1, tzinfo=UTC)


def closes_at(month: str) -> datetime:
    """When ``month``'s secret is destroyed and its figures may be published."""
    return month_end(month) + GRACE


def is_closed(month: str, now: datetime | None = None) -> bool:
    """True once ``month`` is over and its grace period has passed."""
    return (now or datetime.now(UTC)) >= closes_at(month)


def previous(month: str) -> str:
    """The month before ``month``."""
    y, m = int(month[:4]), int(month[5:7]) - 1
    if m == 0:
        y, m = y - 1, 12
    return f"{y:04d}-{m:02d}"


def last_closed_month(now: datetime | None = None) -> str:
    """The latest closed month at ``now``."""
    month = previous(month_of(now or datetime.now(UTC)))
    while not is_closed(month, now):
        month = previous(month)
    return month


def open_months(now: datetime | None = None) -> list[str]:
    """The months whose secret still exists at ``now`` (current one, and the previous one
    during its grace period)."""
    current = month_of(now or datetime.now(UTC))
    return [m for m in (previous(current), current) if not is_closed(m, now)]
