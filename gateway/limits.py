"""Quotas per organisation, team and key: requests per minute, tokens per day, monthly budget
in euros. Declared in the policy (``limits:``), enforced atomically — in Redis (one Lua script)
when several replicas share it, in memory for the embedded default.

When Redis is unreachable the limiter falls back to this process's memory counters (quotas are
cost controls, not data protection: staff keep working, each replica enforces what it sees) and
``/readyz`` reports the degradation. Redaction never depends on this module.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from gateway.errors import LimitExceeded
from gateway.types import Principal

if TYPE_CHECKING:
    from gateway.policy.schema import Limit, Limits
    from gateway.redis_client import CircuitBreaker

log = logging.getLogger("gardefou.limits")
_MICRO = 1_000_000
_KINDS = ("rpm", "tokens", "budget")


@dataclass(frozen=True, slots=True)
class Scope:
    """One counter owner: ``org``, ``team`` or ``key``, with its French name for messages."""

    kind: str
    ident: str
    label: str
    requests_per_minute: int | None
    tokens_per_day: int | None
    budget_micro_eur: int | None


def scopes_for(principal: Principal, limits: Limits) -> list[Scope]:
    """The scopes that apply to a caller under a policy's ``limits`` section."""
    def scope(kind: str, ident: str, label: str, limit: Limit | None) -> Scope | None:
        if limit is None:
            return None
        budget = limit.monthly_budget_eur
        rpm, tpd = limit.requests_per_minute, limit.tokens_per_day
        if rpm is None and tpd is None and budget is None:
            return None
        micro = None if budget is None else int(round(budget * _MICRO))
        return Scope(kind, ident, label, rpm, tpd, micro)

    found = [
        scope("org", principal.org, "l'organisation", limits.org),
        scope("team", f"{principal.org}/{principal.team}", f"l'équipe « {principal.team} »",
              limits.per_team.get(principal.team)),
        # Behind a front-end key, the per-key quota is each user's own: the shared key is
        # not one person (``user`` is a digest, never the identifier).
        scope("key", f"{principal.key_id}/{principal.user}", "votre compte", limits.per_key)
        if principal.user else scope("key", principal.key_id, "votre clé", limits.per_key),
    ]
    return [s for s in found if s is not None]


@dataclass(frozen=True, slots=True)
class Windows:
    """Counter keys and reset times for the current minute, day and month (org time zone)."""

    minute: str
    day: str
    month: str
    minute_reset_s: int
    day_reset_s: int
    month_reset_s: int

    @classmethod
    def now(cls, tz: ZoneInfo, at: float | None = None) -> Windows:
        moment = datetime.fromtimestamp(at if at is not None else time.time(), tz)
        next_day = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        next_month = (first + timedelta(days=32)).replace(day=1)
        return cls(
            minute=moment.strftime("%Y%m%d%H%M"),
            day=moment.strftime("%Y%m%d"),
            month=moment.strftime("%Y%m"),
            minute_reset_s=60 - moment.second,
            day_reset_s=int((next_day - moment).total_seconds()) + 1,
            month_reset_s=int((next_month - moment).total_seconds()) + 1,
        )


def exceeded(scope: Scope, kind: str, windows: Windows) -> LimitExceeded:
    """The French 429 error naming the limit and when it resets."""
    if kind == "rpm":
        what = f"{scope.requests_per_minute} requêtes par minute"
        wait = windows.minute_reset_s
        when = f"dans {wait} s"
    elif kind == "tokens":
        what = f"{scope.tokens_per_day} jetons par jour"
        wait = windows.day_reset_s
        when = "à minuit"
    else:
        what = f"le budget mensuel de {scope.budget_micro_eur / _MICRO:.2f} €"  # type: ignore[operator]
        wait = windows.month_reset_s
        when = "le 1er du mois prochain"
    return LimitExceeded(
        f"Limite atteinte pour {scope.label} : {what}. Le compteur repart {when}.",
        limit=f"{scope.kind}:{kind}",
        retry_after=wait,
    )


def _keys(scope: Scope, windows: Windows, prefix: str) -> tuple[str, str, str]:
    base = f"{prefix}{scope.kind}:{scope.ident}"
    return f"{base}:rpm:{windows.minute}", f"{base}:tok:{windows.day}", f"{base}:eur:{windows.month}"


class Limiter(Protocol):
    async def check(self, principal: Principal, limits: Limits) -> None: ...
    async def commit(self, principal: Principal, limits: Limits, tokens: int, cost_eur: float) -> None: ...
    def healthy(self) -> bool: ...


class MemoryLimiter:
    """Counters in this process (embedded default, and the fallback when Redis is down)."""

    def __init__(self, tz: ZoneInfo, prefix: str = "") -> None:
        self.tz = tz
        self.prefix = prefix
        self._counts: dict[str, int] = {}
        self._lock = asyncio.Lock()

    async def check(self, principal: Principal, limits: Limits) -> None:
        windows = Windows.now(self.tz)
        scopes = scopes_for(principal, limits)
        async with self._lock:
            for scope in scopes:
                rpm, tok, eur = _keys(scope, windows, self.prefix)
                caps = (scope.requests_per_minute, scope.tokens_per_day, scope.budget_micro_eur)
                values = (self._counts.get(rpm, 0) + 1, self._counts.get(tok, 0) + 1,
                          self._counts.get(eur, 0) + 1)
                for kind, cap, value in zip(_KINDS, caps, values, strict=True):
                    if cap is not None and value > cap:
                        raise exceeded(scope, kind, windows)
            for scope in scopes:
                rpm = _keys(scope, windows, self.prefix)[0]
                self._counts[rpm] = self._counts.get(rpm, 0) + 1
            self._forget_old(windows)

    async def commit(self, principal: Principal, limits: Limits, tokens: int, cost_eur: float) -> None:
        windows = Windows.now(self.tz)
        async with self._lock:
            for scope in scopes_for(principal, limits):
                _, tok, eur = _keys(scope, windows, self.prefix)
                self._counts[tok] = self._counts.get(tok, 0) + tokens
                self._counts[eur] = self._counts.get(eur, 0) + int(round(cost_eur * _MICRO))

    def _forget_old(self, windows: Windows) -> None:
        if len(self._counts) > 10_000:
            current = (windows.minute, windows.day, windows.month)
            self._counts = {k: v for k, v in self._counts.items() if k.rsplit(":", 1)[-1] in current}

    def healthy(self) -> bool:
        return True


# Checks every scope first, then counts the request in every scope: all or nothing, atomic.
_CHECK_LUA = """
local n = #KEYS / 3
for i = 0, n - 1 do
  for j = 1, 3 do
    local cap = tonumber(ARGV[i * 3 + j])
    if cap >= 0 then
      local value = tonumber(redis.call('GET', KEYS[i * 3 + j]) or '0') + 1
      if value > cap then return {i, j} end
    end
  end
end
for i = 0, n - 1 do
  redis.call('INCR', KEYS[i * 3 + 1])
  redis.call('EXPIRE', KEYS[i * 3 + 1], 120)
end
return {-1, 0}
"""


class RedisLimiter:
    """Counters shared by every replica, updated by one Lua script per request."""

    def __init__(self, url: str, tz: ZoneInfo, prefix: str = "gardefou:limit:",
                 breaker: CircuitBreaker | None = None) -> None:
        from gateway.redis_client import CircuitBreaker, async_client

        self.tz = tz
        self.prefix = prefix
        self._redis = async_client(url, breaker or CircuitBreaker())
        self._script = self._redis.register_script(_CHECK_LUA)
        self._fallback = MemoryLimiter(tz, prefix)
        self._degraded = False

    async def check(self, principal: Principal, limits: Limits) -> None:
        scopes = scopes_for(principal, limits)
        if not scopes:
            return
        windows = Windows.now(self.tz)
        keys: list[str] = []
        caps: list[int] = []
        for scope in scopes:
            keys.extend(_keys(scope, windows, self.prefix))
            caps.extend(-1 if c is None else c for c in
                        (scope.requests_per_minute, scope.tokens_per_day, scope.budget_micro_eur))
        try:
            index, kind = await self._script(keys=keys, args=caps)
        except Exception as exc:  # noqa: BLE001 - Redis down: degrade to local counters
            self._degrade(exc)
            await self._fallback.check(principal, limits)
            return
        self._degraded = False
        if int(index) >= 0:
            raise exceeded(scopes[int(index)], _KINDS[int(kind) - 1], windows)

    async def commit(self, principal: Principal, limits: Limits, tokens: int, cost_eur: float) -> None:
        scopes = scopes_for(principal, limits)
        if not scopes:
            return
        windows = Windows.now(self.tz)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for scope in scopes:
                    _, tok, eur = _keys(scope, windows, self.prefix)
                    pipe.incrby(tok, tokens).expire(tok, 2 * 86400)
                    pipe.incrby(eur, int(round(cost_eur * _MICRO))).expire(eur, 32 * 86400)
                await pipe.execute()
        except Exception as exc:  # noqa: BLE001
            self._degrade(exc)
            await self._fallback.commit(principal, limits, tokens, cost_eur)

    def _degrade(self, exc: Exception) -> None:
        if not self._degraded:
            log.warning("limits: Redis unreachable (%s), using local counters", type(exc).__name__)
        self._degraded = True

    def healthy(self) -> bool:
        return not self._degraded


def build_limiter(redis_url: str | None, timezone: str,
                  breaker: CircuitBreaker | None = None) -> Limiter:
    """Redis-backed when a URL is configured, in memory otherwise. ``breaker``: the
    process's Redis circuit breaker (:mod:`gateway.redis_client`)."""
    tz = ZoneInfo(timezone)
    return RedisLimiter(redis_url, tz, breaker=breaker) if redis_url else MemoryLimiter(tz)
