"""The embedded usage store: one SQLite file, no service to run.

Calls run in a worker thread (``asyncio.to_thread``) on one connection guarded by a lock,
so the event loop never blocks on disk; several worker processes can share the file (WAL
mode, busy timeout). One batch of events (:meth:`SQLiteUsageStore.add_many`, the recorder's
write-behind) is one transaction and one thread hand-off.
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

    async def forget_marks(self, month: str) -> None:
        """Delete the worker marks of ``month`` (``YYYY-MM``): they were written under a
        pseudonym secret that is gone (see :class:`gateway.usage.pseudonym.MemorySecrets`)."""

        def run() -> None:
            with self._lock:
                self._db.execute("DELETE FROM user_marks WHERE substr(day, 1, 7) = ?", (month,))

        await asyncio.to_thread(run)

    async def add(self, event: UsageEvent, pseudonym: str) -> None:
        await self.add_many([(event, pseudonym)])

    async def add_many(self, items: Sequence[tuple[UsageEvent, str]]) -> None:
        """Apply the events in one transaction: all or none."""
        if items:
            await asyncio.to_thread(self._add_many, items)

    def _add_many(self, items: Sequence[tuple[UsageEvent, str]]) -> None:
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                # Idempotent like the Redis store: an event retried after an error counts once.
                db.execute("DELETE FROM seen WHERE day < date(?, '-7 days')",
                           (max(day_key(event.hour) for event, _ in items),))
                for event, pseudonym in items:
                    self._apply(event, pseudonym)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _apply(self, event: UsageEvent, pseudonym: str) -> None:
        """One event's increments and marks, inside the caller's transaction."""
        db = self._db
        dims = event.dims()
        hour, day = hour_key(event.hour), day_key(event.hour)
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
        with self._lock:
            self._db.close()
