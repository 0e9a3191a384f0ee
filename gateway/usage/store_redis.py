"""The shared usage store: Redis, for several gateway replicas.

Layout under ``prefix`` (default ``gardefou:usage``)::

    {p}:orgs                 SET   org names
    {p}:hours:{org}          ZSET  hour buckets (score = epoch seconds)
    {p}:c:{org}:{hour}       HASH  "dim|dim|…|metric" → value
    {p}:days:{org}           ZSET  days (score = epoch seconds)
    {p}:u:{org}:{day}        SET   "dim|dim|…|facet|pseudonym"
    {p}:seen:{event_id}      STRING, expires: makes a retried write idempotent
    {p}:dp:{org}             HASH  month → ε spent on DP releases (:mod:`gateway.usage.dp`)
    {p}:secret:{month}       STRING the month's pseudonym secret, expires when the month
                             closes (:class:`gateway.usage.pseudonym.RedisSecrets`)

Counter and user-mark keys expire on their own ``retention(org)`` days (default 365) after
their hour/day; :meth:`RedisUsageStore.purge` also removes them and their index entries
when a policy shortens the retention.

One event is applied by one Lua script, so it is atomic across replicas and a write
retried after a lost reply is not counted twice. Dimension values never contain ``|``
(see :func:`gateway.usage.events.dimension`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.usage.events import DIMENSIONS, UsageEvent
from gateway.usage.periods import month_end
from gateway.usage.store import (
    CounterRow,
    UserRow,
    day_key,
    facets,
    hour_key,
    increments,
    retention_days,
)

SEP = "|"
DEDUPE_TTL_S = 7 * 24 * 3600
_N = len(DIMENSIONS)

# KEYS: seen, orgs, hours, counters, days, users
# ARGV: org, hour, hour_score, day, day_score, ttl, expire_counters, expire_users, n_fields,
#       field1, inc1, …, member1, …
_APPLY = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[6])) == false then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[2])
redis.call('ZADD', KEYS[5], tonumber(ARGV[5]), ARGV[4])
local n = tonumber(ARGV[9])
for i = 0, n - 1 do
  redis.call('HINCRBYFLOAT', KEYS[4], ARGV[10 + 2 * i], ARGV[11 + 2 * i])
end
for i = 10 + 2 * n, #ARGV do
  redis.call('SADD', KEYS[6], ARGV[i])
end
redis.call('EXPIREAT', KEYS[4], tonumber(ARGV[7]))
redis.call('EXPIREAT', KEYS[6], tonumber(ARGV[8]))
return 1
"""


# KEYS: ledger; ARGV: epsilon, budget, month1, … (check every month, then charge all)
_CHARGE = """
local eps, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 3, #ARGV do
  if tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0') + eps > budget + 1e-9 then
    return 0
  end
end
for i = 3, #ARGV do
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[1])
end
return 1
"""


class RedisUsageStore:
    """Aggregates in Redis (``settings.redis_url``), shared by replicas."""

    def __init__(
        self, url: str, prefix: str = "gardefou:usage",
        retention: Callable[[str], int | None] | None = None,
        breaker: Any = None,
    ) -> None:
        from gateway.redis_client import CircuitBreaker, async_client

        self.prefix = prefix
        self._retention = retention
        # short timeouts, no retries; while Redis is down the recorder buffers events
        self._redis: Any = async_client(url, breaker or CircuitBreaker(), timeout_s=1.0,
                                        decode_responses=True)
        self._apply = self._redis.register_script(_APPLY)
        self._charge = self._redis.register_script(_CHARGE)

    @property
    def client(self) -> Any:
        """The Redis client (shared with :class:`gateway.usage.pseudonym.RedisSecrets`)."""
        return self._redis

    def _expiry(self, org: str, bucket: datetime, length_s: int) -> int:
        """When a bucket's key expires: its end plus the org's retention and a day's slack.
        Never in the past: data written late (a simulation of an old month) is left to
        :meth:`purge`, which the recorder runs hourly."""
        keep = retention_days(self._retention, org) * 86400 + 86400
        return max(_ts(bucket) + length_s + keep, int(time.time()) + 86400)

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def add(self, event: UsageEvent, pseudonym: str) -> None:
        await self._apply(**self._script_call(event, pseudonym))

    async def add_many(self, items: Sequence[tuple[UsageEvent, str]]) -> None:
        """Apply the events in one pipelined request (each atomic and idempotent on its
        own, so a batch retried after a partial failure counts every event once)."""
        if not items:
            return
        if len(items) == 1:  # a pipeline checks its scripts first: a second round trip
            await self.add(*items[0])
            return
        pipe = self._redis.pipeline(transaction=False)
        for event, pseudonym in items:
            await self._apply(**self._script_call(event, pseudonym), client=pipe)  # queued
        await pipe.execute()

    def _script_call(self, event: UsageEvent, pseudonym: str) -> dict[str, list[Any]]:
        """The keys and arguments of the :data:`_APPLY` script for one event."""
        dims = SEP.join(event.dims())
        hour, day = hour_key(event.hour), day_key(event.hour)
        day_start = event.hour.replace(hour=0)
        fields: list[str | float] = []
        for metric, value in increments(event).items():
            fields += [f"{dims}{SEP}{metric}", repr(float(value))]
        members = [f"{dims}{SEP}{facet}{SEP}{pseudonym}" for facet in facets(event)]
        keys = [
            self._k("seen", event.event_id),
            self._k("orgs"),
            self._k("hours", event.org),
            self._k("c", event.org, hour),
            self._k("days", event.org),
            self._k("u", event.org, day),
        ]
        args = [
            event.org, hour, int(event.hour.timestamp()), day, int(day_start.timestamp()),
            DEDUPE_TTL_S, self._expiry(event.org, event.hour, 3600),
            self._expiry(event.org, day_start, 86400),
            len(fields) // 2, *fields, *members,
        ]
        return {"keys": keys, "args": args}

    async def counters(self, org: str, start: datetime, end: datetime) -> list[CounterRow]:
        hours = await self._redis.zrangebyscore(
            self._k("hours", org), _ts(start), f"({_ts(end)}"
        )
        pipe = self._redis.pipeline(transaction=False)
        for hour in hours:
            pipe.hgetall(self._k("c", org, hour))
        rows: list[CounterRow] = []
        for hour, fields in zip(hours, await pipe.execute(), strict=True):
            for field, value in fields.items():
                parts = field.split(SEP)
                rows.append(CounterRow(hour, org, tuple(parts[:_N]), parts[_N], float(value)))
        return rows

    async def users(self, org: str, start: datetime, end: datetime) -> list[UserRow]:
        day_start = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        days = await self._redis.zrangebyscore(
            self._k("days", org), _ts(day_start), f"({_ts(end)}"
        )
        days = [d for d in days if day_key(start) <= d < day_key(end)]
        pipe = self._redis.pipeline(transaction=False)
        for day in days:
            pipe.smembers(self._k("u", org, day))
        rows: list[UserRow] = []
        for day, members in zip(days, await pipe.execute(), strict=True):
            for member in members:
                parts = member.split(SEP)
                rows.append(UserRow(day, org, tuple(parts[:_N]), parts[_N], parts[_N + 1]))
        return rows

    async def orgs(self) -> list[str]:
        return sorted(await self._redis.smembers(self._k("orgs")))

    async def purge(self, org: str, before: datetime) -> None:
        # An hour/day is purged when it ends by `before` (same rule as SQLite).
        hours = await self._redis.zrangebyscore(
            self._k("hours", org), "-inf", _ts(before) - 3600
        )
        day_cut = before.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        days = await self._redis.zrangebyscore(self._k("days", org), "-inf", f"({_ts(day_cut)}")
        pipe = self._redis.pipeline(transaction=True)
        for hour in hours:
            pipe.delete(self._k("c", org, hour))
        for day in days:
            pipe.delete(self._k("u", org, day))
        if hours:
            pipe.zrem(self._k("hours", org), *hours)
        if days:
            pipe.zrem(self._k("days", org), *days)
        months = await self._redis.hkeys(self._k("dp", org))
        old = [m for m in months if month_end(m) <= before]
        if old:
            pipe.hdel(self._k("dp", org), *old)
        await pipe.execute()

    async def charge_epsilon(
        self, org: str, months: Sequence[str], epsilon: float, budget: float
    ) -> bool:
        if not months:
            return True
        done = await self._charge(keys=[self._k("dp", org)],
                                  args=[repr(float(epsilon)), repr(float(budget)), *months])
        return bool(done)

    async def epsilon_spent(self, org: str, month: str) -> float:
        value = await self._redis.hget(self._k("dp", org), month)
        return float(value) if value is not None else 0.0

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:  # noqa: BLE001 - any connection error means "not reachable"
            return False

    async def aclose(self) -> None:
        await self._redis.aclose()


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


