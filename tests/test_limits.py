"""Quotas, on the in-memory and the Redis limiter alike (real Redis server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from gateway.errors import LimitExceeded
from gateway.limits import MemoryLimiter, RedisLimiter, Windows
from gateway.policy.schema import Limit, Limits
from gateway.types import Principal, Role
from tests.conftest import REDIS_URL

TZ = ZoneInfo("Europe/Paris")
ALICE = Principal("ase-93", "aemo", Role.STAFF, "aaaaaaaaaaaa")
BOB = Principal("ase-93", "aemo", Role.STAFF, "bbbbbbbbbbbb")
CAROL = Principal("ase-93", "mecs", Role.STAFF, "cccccccccccc")


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[MemoryLimiter | RedisLimiter]:
    prefix = f"gardefou:test:{uuid.uuid4().hex}:"
    if request.param == "memory":
        yield MemoryLimiter(TZ, prefix)
        return
    redis_limiter = RedisLimiter(REDIS_URL, TZ, prefix)
    yield redis_limiter
    async for key in redis_limiter._redis.scan_iter(match=prefix + "*"):
        await redis_limiter._redis.delete(key)
    await redis_limiter._redis.aclose()


async def test_requests_per_minute_per_key(limiter) -> None:
    limits = Limits(per_key=Limit(requests_per_minute=3))
    for _ in range(3):
        await limiter.check(ALICE, limits)
    with pytest.raises(LimitExceeded) as info:
        await limiter.check(ALICE, limits)
    assert "3 requêtes par minute" in info.value.message and "votre clé" in info.value.message
    assert 0 < info.value.extra["retry_after"] <= 60
    await limiter.check(BOB, limits)  # another key has its own counter


async def test_team_limit_is_shared_by_its_members_only(limiter) -> None:
    limits = Limits(per_team={"aemo": Limit(requests_per_minute=2)})
    await limiter.check(ALICE, limits)
    await limiter.check(BOB, limits)
    with pytest.raises(LimitExceeded) as info:
        await limiter.check(ALICE, limits)
    assert "l'équipe « aemo »" in info.value.message
    await limiter.check(CAROL, limits)


async def test_tokens_per_day_counts_what_was_used(limiter) -> None:
    limits = Limits(org=Limit(tokens_per_day=1000))
    await limiter.check(ALICE, limits)
    await limiter.commit(ALICE, limits, tokens=999, cost_eur=0)
    await limiter.check(BOB, limits)
    await limiter.commit(BOB, limits, tokens=5, cost_eur=0)
    with pytest.raises(LimitExceeded) as info:
        await limiter.check(CAROL, limits)
    assert "1000 jetons par jour" in info.value.message and "minuit" in info.value.message


async def test_monthly_budget(limiter) -> None:
    limits = Limits(org=Limit(monthly_budget_eur=1.5))
    await limiter.check(ALICE, limits)
    await limiter.commit(ALICE, limits, tokens=10, cost_eur=1.6)
    with pytest.raises(LimitExceeded) as info:
        await limiter.check(ALICE, limits)
    assert "1.50 €" in info.value.message


async def test_rejected_request_is_not_counted(limiter) -> None:
    limits = Limits(org=Limit(requests_per_minute=5), per_key=Limit(requests_per_minute=1))
    await limiter.check(ALICE, limits)
    for _ in range(3):
        with pytest.raises(LimitExceeded):
            await limiter.check(ALICE, limits)
    for _ in range(4):  # the org still has 4 requests: refusals above did not consume them
        await limiter.check(Principal("ase-93", "aemo", Role.STAFF, uuid.uuid4().hex[:12]), limits)


async def test_concurrent_checks_admit_exactly_the_quota(limiter) -> None:
    limits = Limits(org=Limit(requests_per_minute=10))

    async def one(i: int) -> bool:
        try:
            await limiter.check(Principal("ase-93", "t", Role.STAFF, f"{i:012d}"), limits)
            return True
        except LimitExceeded:
            return False

    results = await asyncio.gather(*(one(i) for i in range(50)))
    assert sum(results) == 10


async def test_no_limits_declared_means_no_counting(limiter) -> None:
    for _ in range(100):
        await limiter.check(ALICE, Limits())


async def test_redis_down_degrades_to_local_counters() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0", TZ)
    limits = Limits(per_key=Limit(requests_per_minute=2))
    await limiter.check(ALICE, limits)
    assert not limiter.healthy()
    await limiter.check(ALICE, limits)
    with pytest.raises(LimitExceeded):
        await limiter.check(ALICE, limits)


def test_windows_reset_times() -> None:
    at = 1_767_221_970.0  # 2025-12-31 23:59:30 Europe/Paris
    windows = Windows.now(TZ, at)
    assert windows.minute_reset_s == 30
    assert windows.day_reset_s == 31
    assert windows.month_reset_s == 31
    assert windows.month == "202512"
