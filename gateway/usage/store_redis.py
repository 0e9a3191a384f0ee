"""The shared usage store: Redis, for several gateway replicas.

Layout under ``prefix`` (default ``gardefou:usage``)::

    {p}:orgs                 SET   org names
    {p}:hours:{org}          ZSET  hour buckets (score = epoch seconds)
    {p}:c:{org}:{hour}       HASH  "dim|dim|…|metric" → value
    {p}:days:{org}           ZSET  days (score = epoch seconds)
    {p}:u:{org}:{day}        SET   "dim|dim|…|facet|pseudonym"
    {p}:seen:{event_id}      STRING, expires: makes a retried write idempotent

One event is applied by one Lua script, so it is atomic across replicas and a write
retried after a lost reply is not counted twice. Dimension values never contain ``|``
(see :func:`gateway.usage.events.dimension`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.usage.events import DIMENSIONS, UsageEvent
from gateway.usage.store import CounterRow, UserRow, day_key, facets, hour_key, increments

SEP = "|"
DEDUPE_TTL_S = 7 * 24 * 3600
_N = len(DIMENSIONS)

# KEYS: seen, orgs, hours, counters, days, users
# ARGV: org, hour, hour_score, day, day_score, ttl, n_fields, field1, inc1, …, member1, …
_APPLY = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[6])) == false then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[2])
redis.call('ZADD', KEYS[5], tonumber(ARGV[5]), ARGV[4])
local n = tonumber(ARGV[7])
for i = 0, n - 1 do
  redis.call('HINCRBYFLOAT', KEYS[4], ARGV[8 + 2 * i], ARGV[9 + 2 * i])
end
for i = 8 + 2 * n, #ARGV do
  redis.call('SADD', KEYS[6], ARGV[i])
end
return 1
"""


class RedisUsageStore:
    """Aggregates in Redis (``settings.redis_url``), shared by replicas."""

    def __init__(self, url: str, prefix: str = "gardefou:usage") -> None:
        import redis.asyncio as aioredis

        self.prefix = prefix
        self._redis: Any = aioredis.Redis.from_url(
            url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
        self._apply = self._redis.register_script(_APPLY)

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def add(self, event: UsageEvent, pseudonym: str) -> None:
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
            DEDUPE_TTL_S, len(fields) // 2, *fields, *members,
        ]
        await self._apply(keys=keys, args=args)

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

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:  # noqa: BLE001 - any connection error means "not reachable"
            return False

    async def aclose(self) -> None:
        await self._redis.aclose()


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


