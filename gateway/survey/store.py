"""Where questionnaire answers go: counters, and a guard of one answer per worker per month.

Stored per organisation and month:

- **counters** ``(question, option) → respondents`` and the number of respondents — nothing
  else of an answer: no time, no key, no IP, no cookie, no link between the options one
  person chose;
- a **guard**: ``HMAC-SHA256(month secret, org | worker)`` of who already answered this
  month, so that one person answers once. The month secret is random, kept only while the
  month is open, and destroyed at the month's closing together with the guard
  (:func:`gateway.usage.periods.closes_at`): after that nobody, not even with the key list,
  can tell who answered. While the month is open, whoever holds the store, the secret
  *and* the key list can test whether a given worker answered — never what they answered.

SQLite (embedded, ``<state_dir>/enquete.sqlite3``) or Redis (replicas; keys expire on their
own: the secret and the guard at closing, counters a year after the month).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from gateway.usage.periods import closes_at, is_closed, month_end

COUNTER_DAYS = 366  # Redis expiry of the counters after the month's end
_RESPONDENTS = "_repondants"


class SurveyStore(Protocol):
    async def answer(self, org: str, month: str, worker: str,
                     pairs: list[tuple[str, str]]) -> bool:
        """Record one answer unless ``worker`` already answered ``month``: True if counted."""
        ...
    async def counts(self, org: str, month: str) -> tuple[int, dict[tuple[str, str], int]]:
        """``(respondents, {(question, option): respondents})`` of ``org`` in ``month``."""
        ...
    async def aclose(self) -> None: ...


def guard_digest(secret: bytes, org: str, worker: str) -> str:
    return hmac.new(secret, f"{org}|{worker}".encode(), hashlib.sha256).hexdigest()[:32]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS enquete_compte (
  org TEXT NOT NULL, month TEXT NOT NULL, question TEXT NOT NULL, option TEXT NOT NULL,
  n INTEGER NOT NULL, PRIMARY KEY (org, month, question, option));
CREATE TABLE IF NOT EXISTS enquete_garde (
  org TEXT NOT NULL, month TEXT NOT NULL, digest TEXT NOT NULL,
  PRIMARY KEY (org, month, digest));
CREATE TABLE IF NOT EXISTS enquete_secret (month TEXT PRIMARY KEY, secret BLOB NOT NULL);
"""


class SQLiteSurveyStore:
    """Answers in a SQLite file next to the usage store."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def _forget_closed(self, now: datetime | None) -> None:
        """Destroy the secrets and guards of closed months (irreversible from then on)."""
        for (month,) in self._db.execute("SELECT month FROM enquete_secret").fetchall():
            if is_closed(month, now):
                self._db.execute("DELETE FROM enquete_secret WHERE month = ?", (month,))
                self._db.execute("DELETE FROM enquete_garde WHERE month = ?", (month,))

    def _answer(self, org: str, month: str, worker: str, pairs: list[tuple[str, str]],
                now: datetime | None) -> bool:
        db = self._db
        with self._lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                self._forget_closed(now)
                if is_closed(month, now):
                    db.execute("ROLLBACK")
                    return False
                db.execute("INSERT OR IGNORE INTO enquete_secret VALUES (?, ?)",
                           (month, secrets.token_bytes(32)))
                (secret,) = db.execute("SELECT secret FROM enquete_secret WHERE month = ?",
                                       (month,)).fetchone()
                fresh = db.execute("INSERT OR IGNORE INTO enquete_garde VALUES (?, ?, ?)",
                                   (org, month, guard_digest(secret, org, worker))).rowcount
                if fresh:
                    for question, option in [("", _RESPONDENTS), *pairs]:
                        db.execute(
                            "INSERT INTO enquete_compte VALUES (?, ?, ?, ?, 1) ON CONFLICT "
                            "(org, month, question, option) DO UPDATE SET n = n + 1",
                            (org, month, question, option))
                db.execute("COMMIT")
                return bool(fresh)
            except BaseException:
                db.execute("ROLLBACK")
                raise

    async def answer(self, org: str, month: str, worker: str, pairs: list[tuple[str, str]],
                     now: datetime | None = None) -> bool:
        return await asyncio.to_thread(self._answer, org, month, worker, pairs, now)

    def _counts(self, org: str, month: str) -> tuple[int, dict[tuple[str, str], int]]:
        with self._lock:
            rows = self._db.execute("SELECT question, option, n FROM enquete_compte "
                                    "WHERE org = ? AND month = ?", (org, month)).fetchall()
        respondents = next((n for q, o, n in rows if q == "" and o == _RESPONDENTS), 0)
        return respondents, {(q, o): n for q, o, n in rows if q}

    async def counts(self, org: str, month: str) -> tuple[int, dict[tuple[str, str], int]]:
        return await asyncio.to_thread(self._counts, org, month)

    def guard_size(self, month: str, now: datetime | None = None) -> int:
        """Guard entries still held for ``month`` at ``now`` (0 once the month closed)."""
        with self._lock:
            self._forget_closed(now)
            return int(self._db.execute("SELECT count(*) FROM enquete_garde WHERE month = ?",
                                        (month,)).fetchone()[0])

    async def aclose(self) -> None:
        self._db.close()


# The month secret: created once (SET NX) with an absolute expiry at the month's closing.
_ANSWER = """
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2])
local secret = redis.call('GET', KEYS[1])
return secret
"""
# KEYS: guard, counters. ARGV: digest, guard expiry, counters expiry, fields "question|option".
_COUNT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIREAT', KEYS[1], ARGV[2])
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
redis.call('EXPIREAT', KEYS[2], ARGV[3])
return 1
"""


class RedisSurveyStore:
    """Answers in Redis (shared by replicas); expiries destroy secrets and guards at closing."""

    def __init__(self, url: str, prefix: str = "gardefou:") -> None:
        import redis.asyncio as aioredis

        self.client: Any = aioredis.from_url(url)
        self.prefix = prefix

    async def answer(self, org: str, month: str, worker: str, pairs: list[tuple[str, str]],
                     now: datetime | None = None) -> bool:
        if is_closed(month, now):
            return False
        closing = int(closes_at(month).timestamp())
        counters_until = int((month_end(month) + timedelta(days=COUNTER_DAYS)).timestamp())
        key = f"{self.prefix}enquete:secret:{month}"
        secret = await self.client.eval(_ANSWER, 1, key, secrets.token_hex(32), closing)
        if secret is None:  # closed by Redis's clock: the secret expired at once
            return False
        digest = guard_digest(bytes(secret), org, worker)
        fields = [f"|{_RESPONDENTS}"] + [f"{q}|{o}" for q, o in pairs]
        done = await self.client.eval(
            _COUNT, 2, f"{self.prefix}enquete:garde:{org}:{month}",
            f"{self.prefix}enquete:compte:{org}:{month}", digest, closing, counters_until,
            *fields)
        return bool(done)

    async def counts(self, org: str, month: str) -> tuple[int, dict[tuple[str, str], int]]:
        raw = await self.client.hgetall(f"{self.prefix}enquete:compte:{org}:{month}")
        out: dict[tuple[str, str], int] = {}
        respondents = 0
        for field, n in raw.items():
            question, option = field.decode().split("|", 1)
            if question == "":
                respondents = int(n)
            else:
                out[(question, option)] = int(n)
        return respondents, out

    async def aclose(self) -> None:
        await self.client.aclose()


def build_survey_store(settings: Any) -> SurveyStore:
    """Redis when the gateway uses it (replicas share answers), else SQLite in the state dir."""
    if settings.redis_url:
        return RedisSurveyStore(settings.redis_url)
    return SQLiteSurveyStore(settings.state_dir / "enquete.sqlite3")
