"""Guide-view counts and research opt-outs, on SQLite and on a real Redis (DB 14, under a
throwaway prefix)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.staffstore import RedisStaffStore, SQLiteStaffStore, StaffStore
from gateway.types import Principal, Role
from tests.usage.conftest import REDIS_URL, redis_available


def _worker(i: int) -> Principal:
    return Principal(org="asso", team="equipe", role=Role.STAFF, key_id=f"key{i:06d}",
                     subject=f"subject-{i:06d}")


@pytest.fixture(params=["sqlite", "redis"])
async def staff(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StaffStore]:
    if request.param == "sqlite":
        yield SQLiteStaffStore(tmp_path)
        return
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"gftest:staff:{uuid.uuid4().hex[:10]}"
    store = RedisStaffStore(REDIS_URL, prefix=prefix)
    yield store
    keys = [k async for k in store._redis.scan_iter(match=prefix + ":*")]
    if keys:
        await store._redis.delete(*keys)
    await store.aclose()


async def test_guide_views_per_org_and_month(staff: StaffStore) -> None:
    for org, month in [("asso", "2025-03"), ("asso", "2025-03"), ("asso", "2025-04"),
                       ("autre", "2025-03")]:
        await staff.count_guide_view(org, month)
    assert await staff.guide_views("asso") == {"2025-03": 2, "2025-04": 1}
    assert await staff.guide_views("personne") == {}


async def test_opt_out_is_remembered_for_that_worker_only(staff: StaffStore) -> None:
    assert not await staff.opted_out(_worker(1))
    await staff.opt_out(_worker(1))
    await staff.opt_out(_worker(1))
    assert await staff.opted_out(_worker(1))
    assert not await staff.opted_out(_worker(2))


async def test_only_keyed_hashes_are_stored(tmp_path: Path) -> None:
    staff = SQLiteStaffStore(tmp_path)
    await staff.opt_out(_worker(7))
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("staff.sqlite3*"))
    assert b"subject-000007" not in raw and b"key000007" not in raw
    assert not await SQLiteStaffStore(tmp_path / "other").opted_out(_worker(7))  # keyed


async def test_sqlite_opt_out_read_waits_in_a_thread_while_the_process_writes(
        tmp_path: Path) -> None:
    """The read runs on the event loop when the connection is free; while a write of this
    process holds it (which may wait on the disk), the read waits in a thread and the event
    loop keeps running."""
    import asyncio

    store = SQLiteStaffStore(tmp_path)
    await store.opt_out(_worker(1))
    assert await store.opted_out(_worker(1)) and not await store.opted_out(_worker(2))
    store._lock.acquire()  # a write under way
    try:
        read = asyncio.create_task(store.opted_out(_worker(1)))
        for _ in range(5):
            await asyncio.sleep(0.01)  # the loop is not blocked
        assert not read.done()
    finally:
        store._lock.release()
    assert await read
