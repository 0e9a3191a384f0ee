"""The recorder never fails a request and never loses counts silently."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from gateway.usage.recorder import UsageRecorder
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.usage.helpers import MARCH, event, worker


class FlakyStore(SQLiteUsageStore):
    """A real store that can be switched off, like Redis going away."""

    down = False

    async def add(self, event, pseudonym) -> None:
        if self.down:
            raise ConnectionError("store down")
        await super().add(event, pseudonym)


async def total_requests(store: SQLiteUsageStore) -> float:
    rows = await store.counters("asso", MARCH - timedelta(days=1), MARCH + timedelta(days=1))
    return sum(r.value for r in rows if r.metric == "requests")


async def test_store_outage_buffers_then_drains(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, b"s", retry_min_s=0.01, retry_max_s=0.05)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)
    store.down = True
    for _ in range(5):
        await recorder.record(event(w), w)  # never raises
    assert recorder.pending == 5 and not recorder.healthy()
    store.down = False
    for _ in range(200):
        if recorder.healthy():
            break
        await asyncio.sleep(0.01)
    assert recorder.healthy() and recorder.dropped == 0
    assert await total_requests(store) == 6
    await recorder.aclose()


async def test_buffer_is_bounded_and_drops_are_counted(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    store.down = True
    recorder = UsageRecorder(store, b"s", buffer_max=3, retry_min_s=10)
    w = worker("equipe", 1)
    for _ in range(5):
        await recorder.record(event(w), w)
    assert recorder.pending == 3 and recorder.dropped == 2
    store.down = False
    assert await recorder.flush()
    assert await total_requests(store) == 3
    await recorder.aclose()


async def test_unreachable_redis_does_not_raise(tmp_path: Path) -> None:
    from gateway.usage.store_redis import RedisUsageStore

    recorder = UsageRecorder(RedisUsageStore("redis://127.0.0.1:1/0"), b"s", retry_min_s=10)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)
    assert recorder.pending == 1 and not recorder.healthy()
    await recorder.aclose()


async def test_failing_impact_estimate_does_not_lose_the_event(tmp_path: Path) -> None:
    store = SQLiteUsageStore(tmp_path / "u.sqlite3")

    def broken(_):
        raise ValueError("boom")

    recorder = UsageRecorder(store, b"s", impact=broken)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)
    assert recorder.pending == 0
    assert await total_requests(store) == 1
    await recorder.aclose()
