"""Two small, content-free records about staff as a group, kept apart from usage data:

- **guide views**: how many times the staff guide (``/guide``) was opened, per organisation
  and month — the organisation's AI-literacy evidence (AI Act art. 4), never per person;
- **research opt-outs**: the set of workers who object to the research export, each kept
  only as ``HMAC-SHA256(opt-out key, org | worker)``; the identity is never stored in clear.
  The key is random, created once and kept next to the set (SQLite: a 0600 file in the
  state directory; Redis: one key); it must stay stable for opt-outs to be honoured in
  every later export, which is why it is not the monthly usage secret.

Embedded: one SQLite file (``<state_dir>/staff.sqlite3``). Replicas: Redis.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

from gateway.types import Principal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS guide_views (
  org TEXT NOT NULL, month TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (org, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS research_opt_outs (digest TEXT PRIMARY KEY) WITHOUT ROWID;
"""


def opt_out_digest(key: bytes, principal: Principal) -> str:
    """The keyed hash that stands for a worker in the opt-out set."""
    message = f"{principal.org}|{principal.worker}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class StaffStore(Protocol):
    async def count_guide_view(self, org: str, month: str) -> None: ...
    async def guide_views(self, org: str) -> dict[str, int]: ...
    async def opt_out(self, principal: Principal) -> None: ...
    async def opted_out(self, principal: Principal) -> bool: ...


class SQLiteStaffStore:
    """The embedded store; calls that may wait on the disk or on another process run in a
    thread, so the event loop never does."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(state_dir / "staff.sqlite3", timeout=10,
                                   isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._key = _file_key(state_dir / "opt-out-key")

    def _run(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    async def count_guide_view(self, org: str, month: str) -> None:
        await asyncio.to_thread(
            self._run, "INSERT INTO guide_views (org, month, n) VALUES (?, ?, 1) "
            "ON CONFLICT (org, month) DO UPDATE SET n = n + 1", (org, month))

    async def guide_views(self, org: str) -> dict[str, int]:
        rows = await asyncio.to_thread(
            self._run, "SELECT month, n FROM guide_views WHERE org = ? ORDER BY month", (org,))
        return {month: int(n) for month, n in rows}

    async def opt_out(self, principal: Principal) -> None:
        await asyncio.to_thread(
            self._run, "INSERT OR IGNORE INTO research_opt_outs (digest) VALUES (?)",
            (opt_out_digest(self._key, principal),))

    async def opted_out(self, principal: Principal) -> bool:
        query = ("SELECT 1 FROM research_opt_outs WHERE digest = ?",
                 (opt_out_digest(self._key, principal),))
        # It runs on every request: read on the event loop when the connection is free (one
        # indexed row, microseconds; a reader outside a write transaction does not wait for
        # other processes' writers in WAL mode), where the thread hand-off cost more than the
        # read (``bench/README.md``). While this process writes (a guide view, an opt-out),
        # which may wait on the disk or another process, the read waits in a thread.
        if self._lock.acquire(blocking=False):
            try:
                return bool(self._db.execute(*query).fetchall())
            finally:
                self._lock.release()
        return bool(await asyncio.to_thread(self._run, *query))


def _file_key(path: Path) -> bytes:
    """A random key created once (0600), shared by the processes on this state directory."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class RedisStaffStore:
    """The shared store for replicas: keys under ``prefix`` (tests use their own)."""

    def __init__(self, url: str, prefix: str = "gardefou:staff") -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._prefix = prefix
        self._key: bytes | None = None

    async def _opt_out_key(self) -> bytes:
        if self._key is None:
            name = f"{self._prefix}:opt-out-key"
            await self._redis.set(name, secrets.token_bytes(32), nx=True)
            stored = await self._redis.get(name)
            self._key = stored if isinstance(stored, bytes) else str(stored).encode()
        return self._key

    async def count_guide_view(self, org: str, month: str) -> None:
        await self._redis.hincrby(f"{self._prefix}:guide-views:{org}", month, 1)

    async def guide_views(self, org: str) -> dict[str, int]:
        raw = await self._redis.hgetall(f"{self._prefix}:guide-views:{org}")
        return {(k.decode() if isinstance(k, bytes) else k): int(v)
                for k, v in sorted(raw.items())}

    async def opt_out(self, principal: Principal) -> None:
        digest = opt_out_digest(await self._opt_out_key(), principal)
        await self._redis.sadd(f"{self._prefix}:research-opt-outs", digest)

    async def opted_out(self, principal: Principal) -> bool:
        digest = opt_out_digest(await self._opt_out_key(), principal)
        return bool(await self._redis.sismember(f"{self._prefix}:research-opt-outs", digest))

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_staff_store(state_dir: Path, redis_url: str | None) -> StaffStore:
    """Redis when configured (replicas share it), else SQLite in the state directory."""
    return RedisStaffStore(redis_url) if redis_url else SQLiteStaffStore(state_dir)
