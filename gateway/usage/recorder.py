"""The usage recorder: one per process; turns events into store writes and OTel samples.

Redis (or the disk) may be unreachable: a request must still succeed, and its usage must
not be lost silently. A failed write goes into a bounded in-memory buffer, drained in order
by a retry task with exponential backoff; the store applies each event idempotently (its
random ``event_id``), so a write retried after a lost reply is counted once. If the buffer
overflows, the oldest events are dropped, counted in ``gardefou_usage_dropped_total`` and
logged (counts only). ``healthy()`` is false while events wait, for ``/readyz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import deque
from collections.abc import Callable

from gateway.types import Principal
from gateway.usage import metrics
from gateway.usage.events import UsageEvent
from gateway.usage.impact import DEFAULT_ZONE, Impact, estimate
from gateway.usage.pseudonym import pseudonym
from gateway.usage.store import UsageStore

log = logging.getLogger(__name__)

ImpactFn = Callable[[UsageEvent], Impact | None]


class UsageRecorder:
    """Writes usage events to a store, buffering and retrying while the store is down."""

    def __init__(
        self,
        store: UsageStore,
        salt: bytes,
        *,
        impact: ImpactFn | None = None,
        buffer_max: int = 50_000,
        retry_min_s: float = 0.2,
        retry_max_s: float = 5.0,
    ) -> None:
        self.store = store
        self._salt = salt
        self._impact = impact
        self._buffer: deque[tuple[UsageEvent, str]] = deque()
        self._buffer_max = buffer_max
        self._retry_min_s, self._retry_max_s = retry_min_s, retry_max_s
        self._retry: asyncio.Task[None] | None = None
        self.dropped = 0
        self.written = 0

    async def record(self, event: UsageEvent, principal: Principal) -> None:
        """Store one event under the worker's rotating pseudonym; never raises."""
        try:
            event = self._with_impact(event)
        except Exception as exc:  # noqa: BLE001 - an estimate is optional: keep the event without it
            log.warning("impact estimate failed: %s", type(exc).__name__)
        try:
            mark = pseudonym(self._salt, principal.worker, event.hour)
        except Exception as exc:  # noqa: BLE001 - telemetry never fails a request
            log.error("usage event could not be prepared: %s", type(exc).__name__)
            return
        metrics._safe(lambda: metrics.observe(event))
        if self._buffer:  # keep order: queue behind the waiting events
            self._enqueue(event, mark)
            return
        try:
            await self.store.add(event, mark)
            self.written += 1
        except Exception as exc:  # noqa: BLE001 - any store failure: buffer, retry
            log.warning("usage store unreachable (%s): buffering", type(exc).__name__)
            self._enqueue(event, mark)

    def _with_impact(self, event: UsageEvent) -> UsageEvent:
        if self._impact is None or event.energy_kwh is not None:
            return event
        impact = self._impact(event)
        if impact is None:
            return event
        return dataclasses.replace(
            event, energy_kwh=impact.energy_kwh, gwp_kgco2eq=impact.gwp_kgco2eq
        )

    def _enqueue(self, event: UsageEvent, mark: str) -> None:
        if len(self._buffer) >= self._buffer_max:
            self._buffer.popleft()
            self.dropped += 1
            metrics._safe(lambda: metrics.emit("gardefou_usage_dropped", 1))
            metrics._safe(lambda: metrics.emit("gardefou_usage_buffered", -1))
            log.error("usage buffer full (%d): %d events dropped so far",
                      self._buffer_max, self.dropped)
        self._buffer.append((event, mark))
        metrics._safe(lambda: metrics.emit("gardefou_usage_buffered", 1))
        if self._retry is None or self._retry.done():
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
        """Write waiting events in order; False at the first failure."""
        while self._buffer:
            event, mark = self._buffer[0]
            try:
                await self.store.add(event, mark)
            except Exception as exc:  # noqa: BLE001 - any store failure: keep waiting
                log.warning("usage store still unreachable (%s): %d events waiting",
                            type(exc).__name__, len(self._buffer))
                return False
            self._buffer.popleft()
            self.written += 1
            metrics._safe(lambda: metrics.emit("gardefou_usage_buffered", -1))
        return True

    @property
    def pending(self) -> int:
        """Events waiting for the store."""
        return len(self._buffer)

    def healthy(self) -> bool:
        """False while events wait for an unreachable store (``/readyz``)."""
        return not self._buffer

    async def flush(self) -> bool:
        """Try once to write every waiting event (tests, shutdown)."""
        return await self._drain()

    async def aclose(self) -> None:
        """Stop retrying, make a last attempt, report what could not be written."""
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
        if not await self._drain():
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
