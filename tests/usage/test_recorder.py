"""The recorder never fails a request and never loses counts silently."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.types import Principal, Role
from gateway.usage.pseudonym import FileSecrets
from gateway.usage.recorder import UsageRecorder
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.usage.helpers import MARCH, event, worker


class FlakyStore(SQLiteUsageStore):
    """A real store that can be switched off, like Redis going away."""

    down = False
    batches = 0

    async def add(self, event, pseudonym) -> None:
        if self.down:
            raise ConnectionError("store down")
        await super().add(event, pseudonym)

    async def add_many(self, items) -> None:
        if self.down:
            raise ConnectionError("store down")
        self.batches += 1
        await super().add_many(items)


async def until(condition: Callable[[], bool], tries: int = 300) -> None:
    """Wait in 10 ms steps until ``condition()`` holds, or give up (the caller asserts)."""
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0.01)


async def total_requests(store: SQLiteUsageStore) -> float:
    rows = await store.counters("asso", MARCH - timedelta(days=1), MARCH + timedelta(days=1))
    return sum(r.value for r in rows if r.metric == "requests")


async def test_store_outage_buffers_then_drains(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, b"s", retry_min_s=0.01, retry_max_s=0.05,
                             housekeeping_s=None)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)
    store.down = True
    for _ in range(5):
        await recorder.record(event(w), w)  # never raises
    assert recorder.pending == 5 and not recorder.healthy()
    store.down = False
    await until(recorder.healthy)
    assert recorder.healthy() and recorder.dropped == 0
    assert await total_requests(store) == 6
    await recorder.aclose()


async def test_buffer_is_bounded_and_drops_are_counted(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    store.down = True
    recorder = UsageRecorder(store, b"s", buffer_max=3, retry_min_s=10, housekeeping_s=None)
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

    recorder = UsageRecorder(store, b"s", impact=broken, housekeeping_s=None)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)
    assert recorder.pending == 0
    assert await total_requests(store) == 1
    await recorder.aclose()


async def distinct_workers(store: SQLiteUsageStore, moment: datetime) -> int:
    rows = await store.users("asso", moment.replace(hour=0), moment + timedelta(days=1))
    return len({r.pseudonym for r in rows if r.facet == ""})


async def test_a_rotated_key_is_still_one_worker(tmp_path: Path) -> None:
    """``gardefou keys rotate`` keeps the subject: one person, one distinct worker."""
    store = SQLiteUsageStore(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, b"s", housekeeping_s=None)
    old = Principal(org="asso", team="t", role=Role.STAFF, key_id="aaaaaaaaaaaa",
                    subject="aaaaaaaaaaaa")
    rotated = Principal(org="asso", team="t", role=Role.STAFF, key_id="bbbbbbbbbbbb",
                        subject="aaaaaaaaaaaa")
    new_holder = Principal(org="asso", team="t", role=Role.STAFF, key_id="cccccccccccc",
                           subject="cccccccccccc")
    for p in (old, rotated):
        await recorder.record(event(p), p)
    assert await distinct_workers(store, MARCH) == 1
    await recorder.record(event(new_holder), new_holder)
    assert await distinct_workers(store, MARCH) == 2
    await recorder.aclose()


async def test_events_of_a_closed_month_are_dropped_and_counted(tmp_path: Path) -> None:
    """Their month's secret is gone: writing them under a new secret would count their
    workers twice and let a small group pass k."""
    store = SQLiteUsageStore(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, FileSecrets(tmp_path / "secrets"), housekeeping_s=None)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)  # March 2025 closed long ago
    assert recorder.dropped == 1 and recorder.pending == 0
    assert await total_requests(store) == 0
    await recorder.record(event(w, moment=datetime.now(UTC)), w)
    assert recorder.written == 1
    await recorder.aclose()


@pytest.mark.parametrize(("retention", "kept_days"), [(None, 365), ({"asso": 30}.get, 30)])
async def test_housekeeping_purges_beyond_the_org_retention(
    tmp_path: Path, retention, kept_days: int
) -> None:
    store = SQLiteUsageStore(tmp_path / "u.sqlite3")
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    recorder = UsageRecorder(store, b"s", retention=retention, housekeeping_s=None)
    w = worker("equipe", 1)
    ages = (10, 29, 31, 200, 364, 366)
    for days in ages:
        await recorder.record(event(w, moment=now - timedelta(days=days)), w)
    await recorder.housekeep(now)
    rows = await store.counters("asso", now - timedelta(days=400), now)
    kept = sorted({(now - datetime.strptime(r.hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)).days
                   for r in rows})
    assert kept == [d for d in ages if d < kept_days]
    await recorder.aclose()


async def test_recording_starts_housekeeping_at_most_once_per_period(tmp_path: Path) -> None:
    class Counting(SQLiteUsageStore):
        purges = 0

        async def purge(self, org, before) -> None:
            type(self).purges += 1
            await super().purge(org, before)

    store = Counting(tmp_path / "u.sqlite3")
    w = worker("equipe", 1)
    await store.add(event(w, moment=datetime.now(UTC)), "p")  # the org exists
    recorder = UsageRecorder(store, b"s", housekeeping_s=3600)
    await recorder.record(event(w, moment=datetime.now(UTC)), w)
    for _ in range(50):
        if Counting.purges:
            break
        await asyncio.sleep(0.01)
    for _ in range(3):
        await recorder.record(event(w, moment=datetime.now(UTC)), w)
    await asyncio.sleep(0.05)
    assert Counting.purges == 1
    await recorder.aclose()


async def test_submitted_events_are_written_behind_in_one_batch(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, b"s", housekeeping_s=None, batch_s=0.05)
    workers = [worker("equipe", i) for i in range(12)]
    for w in workers:
        recorder.submit(event(w), w)  # returns at once: nothing written yet
    assert recorder.pending == 12 and recorder.healthy() and store.batches == 0
    await until(lambda: not recorder.pending)
    assert store.batches == 1 and recorder.written == 12
    assert await total_requests(store) == 12
    assert await distinct_workers(store, MARCH) == 12
    await recorder.aclose()


async def test_a_failed_batch_waits_in_the_buffer_and_is_written_once(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    store.down = True
    recorder = UsageRecorder(store, b"s", retry_min_s=0.01, retry_max_s=0.05,
                             housekeeping_s=None, batch_s=0.01)
    w = worker("equipe", 1)
    for _ in range(4):
        recorder.submit(event(w), w)
    await until(lambda: not recorder.healthy())
    assert not recorder.healthy() and recorder.pending == 4
    recorder.submit(event(w), w)  # queued behind the waiting events
    store.down = False
    await until(lambda: recorder.healthy() and not recorder.pending)
    assert recorder.healthy() and recorder.dropped == 0
    assert await total_requests(store) == 5
    await recorder.aclose()


async def test_closing_writes_what_was_submitted(tmp_path: Path) -> None:
    """A shutdown loses nothing: ``aclose`` writes the events still waiting for their
    batch, and ``flush`` writes them at once."""
    store = SQLiteUsageStore(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, b"s", housekeeping_s=None, batch_s=60)
    w = worker("equipe", 1)
    recorder.submit(event(w), w)
    assert await recorder.flush() and await total_requests(store) == 1
    for _ in range(3):
        recorder.submit(event(w), w)
    await recorder.aclose()
    reopened = SQLiteUsageStore(tmp_path / "u.sqlite3")
    assert await total_requests(reopened) == 4
    await reopened.aclose()


async def test_a_closed_month_in_a_failed_batch_is_dropped_once(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "u.sqlite3")
    store.down = True
    recorder = UsageRecorder(store, FileSecrets(tmp_path / "secrets"), retry_min_s=10,
                             housekeeping_s=None, batch_s=0.01)
    w = worker("equipe", 1)
    recorder.submit(event(w), w)  # March 2025: closed long ago
    recorder.submit(event(w, moment=datetime.now(UTC)), w)
    assert not await recorder.flush()  # the batch fails, its events wait
    assert recorder.dropped + recorder.pending == 2
    store.down = False
    assert await recorder.flush()
    assert recorder.dropped == 1 and recorder.written == 1 and not recorder.pending
    assert await total_requests(store) == 0  # March is not written; today's event is
    await recorder.aclose()


async def test_a_reader_gone_mid_write_loses_no_event(tmp_path: Path) -> None:
    """A dashboard request cancelled while its flush writes: the batch is written later,
    each event once."""

    class Slow(SQLiteUsageStore):
        gate = asyncio.Event()

        async def add_many(self, items) -> None:
            await self.gate.wait()
            await super().add_many(items)

    store = Slow(tmp_path / "u.sqlite3")
    recorder = UsageRecorder(store, b"s", housekeeping_s=None, batch_s=60)
    w = worker("equipe", 1)
    for _ in range(3):
        recorder.submit(event(w), w)
    reader = asyncio.create_task(recorder.flush())
    await asyncio.sleep(0.05)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert recorder.pending == 3
    Slow.gate.set()
    assert await recorder.flush()
    assert await total_requests(store) == 3 and recorder.written == 3
    await recorder.aclose()


async def buffered_then_back(tmp_path: Path, n: int) -> tuple[FlakyStore, UsageRecorder]:
    """``n`` events waiting in the retry buffer of a store that has just come back (its
    retry task drains every millisecond)."""
    store = FlakyStore(tmp_path / "u.sqlite3")
    store.down = True
    recorder = UsageRecorder(store, b"s", retry_min_s=0.001, retry_max_s=0.002,
                             housekeeping_s=None)
    w = worker("equipe", 1)
    for _ in range(n):
        await recorder.record(event(w), w)
    assert recorder.pending == n
    store.down = False
    return store, recorder


async def test_drains_side_by_side_write_each_event_once(tmp_path: Path) -> None:
    """The retry task, a flush and a shutdown may drain the buffer at the same time: each
    event is still written once, none is lost, nothing raises."""
    store, recorder = await buffered_then_back(tmp_path, 6)
    results = await asyncio.gather(recorder.flush(), recorder.flush(), recorder.flush())
    assert all(results) and not recorder.pending
    assert recorder.written == 6 and recorder.dropped == 0
    assert await total_requests(store) == 6
    await recorder.aclose()


async def test_shutdown_during_a_drain_writes_every_event(tmp_path: Path) -> None:
    _, recorder = await buffered_then_back(tmp_path, 20)
    await asyncio.sleep(0.003)  # the retry task is draining
    await recorder.aclose()
    reopened = SQLiteUsageStore(tmp_path / "u.sqlite3")
    assert await total_requests(reopened) == 20 and recorder.written == 20
    await reopened.aclose()
    w = worker("equipe", 1)
    recorder.submit(event(w), w)  # after shutdown: counted as dropped, no task started
    assert recorder.dropped == 1 and recorder.pending == 0
