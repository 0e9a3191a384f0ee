"""The embedded usage store: one SQLite file, no service to run.

Calls run in a worker thread (``asyncio.to_thread``) on one connection guarded by a lock,
so the event loop never blocks on disk; several worker processes can share the file (WAL
mode, busy timeout). Events that arrive while a write is under way are committed together
in the next transaction (group commit, :meth:`SQLiteUsageStore.add`).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.usage.events import DIMENSIONS, UsageEvent
from gateway.usage.periods import month_end
from gateway.usage.store import CounterRow, UserRow, day_key, facets, hour_key, increments

_DIMS = ", ".join(DIMENSIONS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS counters (
  hour TEXT NOT NULL, org TEXT NOT NULL, {", ".join(f"{d} TEXT NOT NULL" for d in DIMENSIONS)},
  metric TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (hour, org, {_DIMS}, metric)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS user_marks (
  day TEXT NOT NULL, org TEXT NOT NULL, {", ".join(f"{d} TEXT NOT NULL" for d in DIMENSIONS)},
  facet TEXT NOT NULL, pseudonym TEXT NOT NULL,
  PRIMARY KEY (day, org, {_DIMS}, facet, pseudonym)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, day TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS seen_day ON seen (day);
CREATE TABLE IF NOT EXISTS dp_ledger (
  org TEXT NOT NULL, month TEXT NOT NULL, spent REAL NOT NULL, PRIMARY KEY (org, month)
) WITHOUT ROWID;
"""
_PLACE = ", ".join("?" for _ in DIMENSIONS)


class SQLiteUsageStore:
    """Aggregates in a SQLite file (``settings.usage_path``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if str(path) != ":memory:":  # SQLite's in-memory database (the dashboard's demo month)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            for existing in (path, path.with_name(path.name + "-wal"),
                             path.with_name(path.name + "-shm")):
                if existing.exists():
                    os.chmod(existing, 0o600)  # created world-readable by an older version
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # events waiting for the next group commit, and the task writing them (see add)
        self._pending: list[tuple[UsageEvent, str, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def forget_marks(self, month: str) -> None:
        """Delete the worker marks of ``month`` (``YYYY-MM``): they were written under a
        pseudonym secret that is gone (see :class:`gateway.usage.pseudonym.MemorySecrets`)."""

        def run() -> None:
            with self._lock:
                self._db.execute("DELETE FROM user_marks WHERE substr(day, 1, 7) = ?", (month,))

        await asyncio.to_thread(run)

    async def add(self, event: UsageEvent, pseudonym: str) -> None:
        """Store one event; returns once it is committed.

        Group commit: events that arrive while a write is under way wait for it, then go
        together in the next transaction, one thread hand-off and one commit for all of them
        instead of one each (on a busy server the hand-offs cost more than the writes)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((event, pseudonym, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await done

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                failures = await asyncio.to_thread(self._add_all, [(e, p) for e, p, _ in batch])
            except asyncio.CancelledError as exc:  # shutting down: no caller waits forever
                batch, self._pending = batch + self._pending, []
                failures = [exc] * len(batch)
                _settle(batch, failures)
                raise
            except Exception as exc:  # noqa: BLE001 - the thread could not run: every caller hears it
                failures = [exc] * len(batch)
            _settle(batch, failures)

    def _add_all(self, batch: list[tuple[UsageEvent, str]]) -> list[BaseException | None]:
        """Write ``batch`` in one transaction; if that fails, each event alone, so that one
        event that cannot be written does not fail the others. Returns each one's error."""
        with self._lock:
            try:
                self._transaction(batch)
                return [None] * len(batch)
            except Exception:  # noqa: BLE001 - retried one by one just below
                if len(batch) == 1:
                    raise
            failures: list[BaseException | None] = []
            for one in batch:
                try:
                    self._transaction([one])
                    failures.append(None)
                except Exception as exc:  # noqa: BLE001 - reported to that event's caller
                    failures.append(exc)
            return failures

    def _transaction(self, batch: list[tuple[UsageEvent, str]]) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            for event, pseudonym in batch:
                self._insert(event, pseudonym)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _insert(self, event: UsageEvent, pseudonym: str) -> None:
        db = self._db
        dims = event.dims()
        hour, day = hour_key(event.hour), day_key(event.hour)
        # Idempotent like the Redis store: an event retried after an error counts once.
        db.execute("DELETE FROM seen WHERE day < date(?, '-7 days')", (day,))
        fresh = db.execute(
            "INSERT OR IGNORE INTO seen (event_id, day) VALUES (?, ?)", (event.event_id, day)
        ).rowcount
        if not fresh:
            return
        db.executemany(
            f"INSERT INTO counters (hour, org, {_DIMS}, metric, value) "
            f"VALUES (?, ?, {_PLACE}, ?, ?) "
            f"ON CONFLICT DO UPDATE SET value = value + excluded.value",
            [(hour, event.org, *dims, m, v) for m, v in increments(event).items()],
        )
        db.executemany(
            f"INSERT OR IGNORE INTO user_marks (day, org, {_DIMS}, facet, pseudonym) "
            f"VALUES (?, ?, {_PLACE}, ?, ?)",
            [(day, event.org, *dims, f, pseudonym) for f in facets(event)],
        )

    async def counters(self, org: str, start: datetime, end: datetime) -> list[CounterRow]:
        rows = await asyncio.to_thread(
            self._select,
            f"SELECT hour, org, {_DIMS}, metric, value FROM counters "
            "WHERE org = ? AND hour >= ? AND hour < ?",
            (org, hour_key(start), hour_key(end)),
        )
        n = len(DIMENSIONS)
        return [CounterRow(r[0], r[1], tuple(r[2 : 2 + n]), r[2 + n], r[3 + n]) for r in rows]

    async def users(self, org: str, start: datetime, end: datetime) -> list[UserRow]:
        # A day is in range when it starts before `end`; callers pass day-aligned bounds.
        rows = await asyncio.to_thread(
            self._select,
            f"SELECT day, org, {_DIMS}, facet, pseudonym FROM user_marks "
            "WHERE org = ? AND day >= ? AND day < ?",
            (org, day_key(start), day_key(end)),
        )
        n = len(DIMENSIONS)
        return [UserRow(r[0], r[1], tuple(r[2 : 2 + n]), r[2 + n], r[3 + n]) for r in rows]

    async def orgs(self) -> list[str]:
        rows = await asyncio.to_thread(self._select, "SELECT DISTINCT org FROM counters", ())
        return sorted(r[0] for r in rows)

    async def purge(self, org: str, before: datetime) -> None:
        await asyncio.to_thread(self._purge, org, before)

    def _purge(self, org: str, before: datetime) -> None:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM counters WHERE org = ? AND hour < ?",
                           (org, hour_key(before)))
                db.execute("DELETE FROM user_marks WHERE org = ? AND day < ?",
                           (org, day_key(before)))
                months = [r[0] for r in db.execute(
                    "SELECT month FROM dp_ledger WHERE org = ?", (org,))]
                db.executemany("DELETE FROM dp_ledger WHERE org = ? AND month = ?",
                               [(org, m) for m in months if month_end(m) <= before])
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    async def charge_epsilon(
        self, org: str, months: Sequence[str], epsilon: float, budget: float
    ) -> bool:
        return await asyncio.to_thread(self._charge, org, list(months), epsilon, budget)

    def _charge(self, org: str, months: list[str], epsilon: float, budget: float) -> bool:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")  # one writer: check and charge cannot interleave
            try:
                for month in months:
                    row = db.execute("SELECT spent FROM dp_ledger WHERE org = ? AND month = ?",
                                     (org, month)).fetchone()
                    if (row[0] if row else 0.0) + epsilon > budget + 1e-9:
                        db.execute("ROLLBACK")
                        return False
                db.executemany(
                    "INSERT INTO dp_ledger (org, month, spent) VALUES (?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET spent = spent + excluded.spent",
                    [(org, m, epsilon) for m in months],
                )
                db.execute("COMMIT")
                return True
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    async def epsilon_spent(self, org: str, month: str) -> float:
        rows = await asyncio.to_thread(
            self._select, "SELECT spent FROM dp_ledger WHERE org = ? AND month = ?", (org, month)
        )
        return float(rows[0][0]) if rows else 0.0

    def _select(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params))

    async def ping(self) -> bool:
        try:
            await asyncio.to_thread(self._select, "SELECT 1", ())
            return True
        except sqlite3.Error:
            return False

    async def aclose(self) -> None:
        if self._writer is not None:  # the events already handed over are written first
            await asyncio.shield(self._writer)
        with self._lock:
            self._db.close()


def _settle(batch: list[tuple[UsageEvent, str, asyncio.Future[None]]],
            failures: list[BaseException | None]) -> None:
    """Tell each waiting caller of ``batch`` whether its event was written."""
    for (_, _, done), failure in zip(batch, failures, strict=True):
        if done.done():  # its caller was cancelled (the event may still be written)
            continue
        if failure is None:
            done.set_result(None)
        elif isinstance(failure, asyncio.CancelledError):
            done.cancel()
        else:
            done.set_exception(failure)
