"""Usage-store fixtures: the same tests run on SQLite and on a real Redis (DB 14, a unique
key prefix per test, removed afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.usage.store_sqlite import SQLiteUsageStore

REDIS_URL = os.environ.get("GARDEFOU_TEST_USAGE_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means no Redis to test against
        return False


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "sqlite":
        s = SQLiteUsageStore(tmp_path / "usage.sqlite3")
        yield s
        await s.aclose()
        return
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    from gateway.usage.store_redis import RedisUsageStore

    prefix = f"gftest:{uuid.uuid4().hex[:10]}"
    s = RedisUsageStore(REDIS_URL, prefix=prefix)
    yield s
    keys = [k async for k in s._redis.scan_iter(match=prefix + ":*")]
    if keys:
        await s._redis.delete(*keys)
    await s.aclose()
