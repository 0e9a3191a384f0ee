"""The usage recorder: one per process; turns events into store writes and OTel samples.

Requests hand their event to :meth:`UsageRecorder.submit`, which does not wait: events are
written behind, in batches of at most ``batch_s`` (50 ms) of traffic, one store call per
batch. On a busy gateway that is one thread hand-off (SQLite) or one pipelined request
(Redis) for several requests instead of one each, and the answer no longer waits for the
write. An event may sit in memory up to ``batch_s`` before it is written (longer while a
write is slow or the store is down, as below): :meth:`UsageRecorder.aclose` (the server's
shutdown) writes what waits, and read paths call :meth:`UsageRecorder.write_pending` first,
so a dashboard shows its own process's traffic up to the request before.
:meth:`UsageRecorder.record` writes one event at once (tools, simulations).

Redis (or the disk) may be unreachable: a request must still succeed, and its usage must
not be lost silently. A failed write goes into a bounded in-memory buffer, drained in order
by a retry task with exponential backoff; the store applies each event idempotently (its
random ``event_id``), so a write retried after a lost reply is counted once. If the buffer
overflows, the oldest events are dropped, counted in ``gardefou_usage_dropped_total`` and
logged (counts only); so are the oldest submitted events if as many pile up behind a slow
write. One drain of the buffer runs at a time. ``healthy()`` is false while events wait
after a failed write, for ``/readyz``.

The worker pseudonym is computed at write time with the month's secret
(:mod:`gateway.usage.pseudonym`); a waiting event keeps the worker reference in memory
only. An event whose month has closed (its secret destroyed) before it could be written is
dropped and counted: it can no longer be counted among distinct workers.

Housekeeping runs at most once an hour, started by :meth:`UsageRecorder.submit` or
:meth:`UsageRecorder.record`: closed
months' secrets are forgotten, and every organisation's usage older than its retention
(``retention(org)`` days, e.g. the policy's ``retention.usage_days``; default 365) is purged.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from gateway.types import Principal
from gateway.usage import metrics
from gateway.usage.events import UsageEvent
from gateway.usage.impact import DEFAULT_ZONE, Impact, estimate
from gateway.usage.periods import month_of
from gateway.usage.pseudonym import DerivedSecrets, MonthSecrets, pseudonym
from gateway.usage.store import UsageStore, retention_days

log = logging.getLogger(__name__)

ImpactFn = Callable[[UsageEvent], Impact | None]
RetentionFn = Callable[[str], int | None]
HOUSEKEEPING_S = 3600.0
# How long a submitted event may wait to share its write with the next ones.
BATCH_S = 0.05


class UsageRecorder:
    """Writes usage events to a store, buffering and retrying while the store is down."""

    def __init__(
        self,
        store: UsageStore,
        secrets: MonthSecrets | bytes,
        *,
        impact: ImpactFn | None = None,
        retention: RetentionFn | None = None,
        buffer_max: int = 50_000,
        retry_min_s: float = 0.2,
        retry_max_s: float = 5.0,
        housekeeping_s: float | None = HOUSEKEEPING_S,
        batch_s: float = BATCH_S,
    ) -> None:
        """``secrets``: the month secrets, or a fixed salt (``DerivedSecrets``).
        ``housekeeping_s=None`` disables housekeeping (simulations of past months)."""
        self.store = store
        self.secrets: MonthSecrets = (
            DerivedSecrets(secrets) if isinstance(secrets, bytes) else secrets
        )
        self._impact = impact
        self._retention = retention
        self._housekeeping_s = housekeeping_s
        self._next_housekeeping = 0.0
        self._housekeeper: asyncio.Task[None] | None = None
        self._buffer: deque[tuple[UsageEvent, str]] = deque()
        self._buffer_max = buffer_max
        self._retry_min_s, self._retry_max_s = retry_min_s, retry_max_s
        self._retry: asyncio.Task[None] | None = None
        # write-behind: submitted events not yet tried; a failed batch joins _buffer
        self._batch: list[tuple[UsageEvent, str]] = []
        self._batch_s = batch_s
        self._writer: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()  # one batch write at a time: a flush waits for it
        self._in_flight = 0  # events of the batch being written
        self._draining = asyncio.Lock()  # one drain of the retry buffer at a time
        self._closed = False
        self.dropped = 0
        self.written = 0

    def submit(self, event: UsageEvent, principal: Principal) -> None:
        """Queue one event for the next batch write (the request path: returns at once).
        Never raises."""
        if self._closed:
            self._drop("usage event after shutdown dropped: %d so far")
            return
        if len(self._batch) >= self._buffer_max:  # a write that hangs: bounded like the buffer
            self._batch.pop(0)
            self._drop(f"usage queue full ({self._buffer_max}): %d events dropped so far")
        self._batch.append((self._observed(event), principal.worker))
        self._ensure_writer()

    def _ensure_writer(self) -> None:
        if not self._closed and (self._writer is None or self._writer.done()):
            self._writer = asyncio.create_task(self._write_behind())

    async def record(self, event: UsageEvent, principal: Principal) -> None:
        """Store one event now under the worker's rotating pseudonym; never raises."""
        event = self._observed(event)
        if self._buffer:  # keep order: queue behind the waiting events
            self._enqueue(event, principal.worker)
            return
        try:
            await self._write(event, principal.worker)
        except Exception as exc:  # noqa: BLE001 - any store failure: buffer, retry
            log.warning("usage store unreachable (%s): buffering", type(exc).__name__)
            self._enqueue(event, principal.worker)

    def _observed(self, event: UsageEvent) -> UsageEvent:
        """The event with its impact estimate, counted in the OTel metrics; starts
        housekeeping when due."""
        try:
            event = self._with_impact(event)
        except Exception as exc:  # noqa: BLE001 - an estimate is optional: keep the event without it
            log.warning("impact estimate failed: %s", type(exc).__name__)
        self._maybe_housekeep()
        metrics._safe(lambda: metrics.observe(event))
        return event

    async def _write_behind(self) -> None:
        """Write the submitted events, a batch every ``batch_s``, until none is left."""
        while self._batch:
            await asyncio.sleep(self._batch_s)
            async with self._writing:
                batch, self._batch = self._batch, []
                await self._write_batch(batch)

    async def _write_batch(self, batch: list[tuple[UsageEvent, str]]) -> None:
        """One store call for ``batch``; on failure its events wait in the retry buffer.
        Drops (closed months) are counted only once the batch is written, so an event
        retried from the buffer is never counted twice."""
        if self._buffer:  # keep order: behind the waiting events
            for event, worker in batch:
                self._enqueue(event, worker)
            return
        self._in_flight = len(batch)
        try:
            items, closed = [], 0
            for event, worker in batch:
                secret = await self.secrets.get(month_of(event.hour))
                if secret is None:
                    closed += 1
                else:
                    items.append((event, pseudonym(secret, worker, event.hour)))
            await self.store.add_many(items)
        except Exception as exc:  # noqa: BLE001 - any store failure: buffer, retry
            log.warning("usage store unreachable (%s): buffering", type(exc).__name__)
            for event, worker in batch:
                self._enqueue(event, worker)
            return
        except BaseException:
            # Cancelled mid-write (a dashboard reader gone, the loop stopping): the events
            # wait for the next batch; if the write did land, the store counts them once.
            self._batch[:0] = batch
            with contextlib.suppress(RuntimeError):  # no loop left: aclose writes them
                self._ensure_writer()
            raise
        finally:
            self._in_flight = 0
        self.written += len(items)
        for _ in range(closed):
            self._drop("usage event of a closed month dropped: %d so far")

    async def _write(self, event: UsageEvent, worker: str) -> None:
        """Pseudonymise with the month's secret and store; drop if the month has closed."""
        secret = await self.secrets.get(month_of(event.hour))
        if secret is None:
            self._drop("usage event of a closed month dropped: %d so far")
            return
        await self.store.add(event, pseudonym(secret, worker, event.hour))
        self.written += 1

    def _drop(self, message: str) -> None:
        self.dropped += 1
        metrics._safe(lambda: metrics.emit("gardefou_usage_dropped", 1))
        log.error(message, self.dropped)

    def _with_impact(self, event: UsageEvent) -> UsageEvent:
        if self._impact is None or event.energy_kwh is not None:
            return event
        impact = self._impact(event)
        if impact is None:
            return event
        return dataclasses.replace(
            event, energy_kwh=impact.energy_kwh, gwp_kgco2eq=impact.gwp_kgco2eq
        )

    def _enqueue(self, event: UsageEvent, worker: str) -> None:
        if len(self._buffer) >= self._buffer_max:
            self._buffer.popleft()
            metrics._safe(lambda: metrics.emit("gardefou_usage_buffered", -1))
            self._drop(f"usage buffer full ({self._buffer_max}): %d events dropped so far")
        self._buffer.append((event, worker))
        metrics._safe(lambda: metrics.emit("gardefou_usage_buffered", 1))
        if not self._closed and (self._retry is None or self._retry.done()):
            self._retry = asyncio.create_task(self._drain_loop())

    async def _drain_loop(self) -> None:
        delay = self._retry_min_s
        while self._buffer:
            await asyncio.sleep(delay)
            if await self._drain():
                delay = self._retry_min_s
            else:
                delay = min(delay * 2, self._retry_max_s)
        log.info("usage store reachable again: buffer drained")

    async def _drain(self) -> bool:
        """Write waiting events in order; False at the first failure. One drain at a time:
        two would write the same head event and each remove one."""
        async with self._draining:
            return await self._drain_locked()

    async def _drain_locked(self) -> bool:
        while self._buffer:
            event, worker = self._buffer[0]
            try:
                await self._write(event, worker)
            except Exception as exc:  # noqa: BLE001 - any store failure: keep waiting
                log.warning("usage store still unreachable (%s): %d events waiting",
                            type(exc).__name__, len(self._buffer))
                return False
            self._buffer.popleft()
            metrics._safe(lambda: metrics.emit("gardefou_usage_buffered", -1))
        return True

    @property
    def pending(self) -> int:
        """Events waiting for the store (submitted or buffered after a failure)."""
        return len(self._batch) + self._in_flight + len(self._buffer)

    def healthy(self) -> bool:
        """False while events wait after a failed write (``/readyz``); events waiting for
        their batch write do not count."""
        return not self._buffer

    async def write_pending(self) -> None:
        """Write the submitted events now, in one batch (read paths: a dashboard shows this
        process's traffic up to the request before). Buffered events are left to the
        retry task."""
        async with self._writing:
            batch, self._batch = self._batch, []
            if batch:
                await self._write_batch(batch)

    async def flush(self) -> bool:
        """Write the submitted events now, then try once to write every buffered event
        (tests, shutdown). True when nothing waits."""
        await self.write_pending()
        return await self._drain()

    def _maybe_housekeep(self) -> None:
        """Start :meth:`housekeep` in the background if an hour has passed since the last."""
        if self._housekeeping_s is None or time.monotonic() < self._next_housekeeping:
            return
        if self._housekeeper is not None and not self._housekeeper.done():
            return
        self._next_housekeeping = time.monotonic() + self._housekeeping_s
        self._housekeeper = asyncio.create_task(self.housekeep())

    async def housekeep(self, now: datetime | None = None) -> None:
        """Forget closed months' secrets and purge usage older than each org's retention.
        Never raises (a failure is logged and retried at the next run)."""
        now = now or datetime.now(UTC)
        try:
            await self.secrets.forget_closed(now)
            for org in await self.store.orgs():
                before = now - timedelta(days=retention_days(self._retention, org))
                await self.store.purge(org, before)
        except Exception as exc:  # noqa: BLE001 - housekeeping never fails a request
            log.warning("usage housekeeping failed (%s): retried next hour", type(exc).__name__)

    async def aclose(self) -> None:
        """Write what was submitted, stop retrying, make a last attempt, report what could
        not be written."""
        self._closed = True
        for task in (self._retry, self._housekeeper):  # first: no drain runs beside ours
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._writer is not None:
            if not self._writing.locked():
                self._writer.cancel()  # asleep: its batch is still waiting, written below
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer  # writing: a batch taken is written or buffered
        if not await self.flush():
            log.error("usage store unreachable at shutdown: %d events not written",
                      len(self._buffer))
        await self.store.aclose()


def impact_for(catalog_lookup: Callable[[str], object | None], zone: str = DEFAULT_ZONE) -> ImpactFn:
    """An impact function that finds the model's spec by catalog name."""
    from gateway.catalog import ModelSpec

    def fn(event: UsageEvent) -> Impact | None:
        spec = catalog_lookup(event.model) if event.model else None
        if not isinstance(spec, ModelSpec):
            return None
        return estimate(spec, event.completion_tokens, event.latency_s, zone)

    return fn
