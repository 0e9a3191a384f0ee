"""Worker pseudonyms for distinct-user counting, and the per-month secrets behind them.

A pseudonym is ``HMAC-SHA256(month_secret, month | worker)`` truncated to 64 bits, where
``worker`` is :attr:`gateway.types.Principal.worker` (stable across key rotations) and
``month_secret`` is a **random secret of that calendar month** (UTC), derived from nothing
kept long-term. The secret exists only while the month is open (plus
:data:`gateway.usage.periods.GRACE` for late events), then it is destroyed: nobody, not even
whoever holds the store and the key list, can then recompute which pseudonym was whose.
The same worker gets unrelated pseudonyms in January and February, so usage data cannot
follow a person across months (distinct counts over several months use the largest monthly
count, see :mod:`gateway.usage.cells`).

Where the current month's secret lives (:class:`MonthSecrets` implementations). It never
touches the state directory: whoever holds that directory and the keys file must not be able
to recompute this month's pseudonyms either (see ``docs/usage-privacy.md``, threat model):

- :class:`MemorySecrets` (embedded): ``HMAC(seed, month)`` where the seed lives in process
  memory only (``gardefou serve`` hands one to its worker processes through their
  environment). A restart draws a new seed: the open month's worker marks written under the
  old secret are then discarded (only its distinct-worker counts are lost, never a worker
  counted twice), detected through a one-way fingerprint kept in
  ``<state_dir>/usage-epochs/YYYY-MM``;
- :class:`RedisSecrets` (replicas): ``gardefou:usage:secret:YYYY-MM``, created with
  ``SET NX`` and an expiry at closing time, so replicas share it and Redis destroys it;
- :class:`FileSecrets`: the former embedded store, on disk; kept for reading old state
  only (``build_usage`` no longer uses it and deletes its files);
- :class:`DerivedSecrets`: ``HMAC(GARDEFOU_WORKER_SALT, month)`` when an operator sets that
  salt. Closed months then stay reversible for whoever holds the salt: it buys stable counts
  across restarts without Redis, and the salt must never be stored with the usage data;
- :class:`EphemeralSecrets`: random, in memory only (simulations, tests).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from gateway.usage.periods import closes_at, is_closed, month_of, open_months

log = logging.getLogger(__name__)
LEGACY_REDIS_SALT = "gardefou:usage:salt"


def window_of(day: str) -> str:
    """The rotation window (``YYYY-MM``) of a ``YYYY-MM-DD`` day."""
    return day[:7]


def pseudonym(secret: bytes, worker: str, moment: datetime) -> str:
    """The worker's pseudonym in the month of ``moment``, under that month's ``secret``."""
    digest = hmac.new(secret, f"{month_of(moment)}|{worker}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


class MonthSecrets(Protocol):
    """The per-month pseudonym secrets. ``get`` returns None for a closed month (its secret
    is gone: events of that month can no longer be counted among distinct workers)."""

    async def get(self, month: str, now: datetime | None = None) -> bytes | None: ...
    async def forget_closed(self, now: datetime | None = None) -> None: ...


class DerivedSecrets:
    """``HMAC(salt, month)``: stable across restarts, reversible by whoever has the salt."""

    def __init__(self, salt: bytes) -> None:
        self._salt = salt

    async def get(self, month: str, now: datetime | None = None) -> bytes | None:
        return hmac.new(self._salt, f"month|{month}".encode(), hashlib.sha256).digest()

    async def forget_closed(self, now: datetime | None = None) -> None:
        return None


class EphemeralSecrets:
    """Random secrets kept in this process only (simulations and tests): every month is
    accepted, nothing survives the process."""

    def __init__(self) -> None:
        self._by_month: dict[str, bytes] = {}

    async def get(self, month: str, now: datetime | None = None) -> bytes | None:
        return self._by_month.setdefault(month, secrets.token_bytes(32))

    async def forget_closed(self, now: datetime | None = None) -> None:
        return None


class FileSecrets:
    """One random secret per open month in ``directory`` (embedded mode), deleted when the
    month closes. Processes sharing the state directory share the files (created O_EXCL).

    ``legacy`` is the pre-rotation salt file (``<state_dir>/worker_salt``): it is adopted as
    the secret of the months still open, so their counts do not split, then deleted.
    """

    def __init__(self, directory: Path, legacy: Path | None = None) -> None:
        self.directory = directory
        self._cache: dict[str, bytes] = {}
        if legacy is not None and legacy.exists():
            self._adopt(legacy)

    def _adopt(self, legacy: Path) -> None:
        value = legacy.read_bytes()
        for month in open_months():
            self._create(month, value)
        legacy.unlink(missing_ok=True)
        log.warning("legacy worker salt adopted for the open months and deleted: "
                    "earlier months become irreversible when these months close")

    def _create(self, month: str, value: bytes) -> bytes:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / month
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_bytes()
        with os.fdopen(fd, "wb") as fh:
            fh.write(value)
        return value

    async def get(self, month: str, now: datetime | None = None) -> bytes | None:
        if is_closed(month, now):
            await self.forget_closed(now)
            return None
        cached = self._cache.get(month)
        if cached is None:
            path = self.directory / month
            cached = path.read_bytes() if path.exists() else self._create(
                month, secrets.token_hex(32).encode()
            )
            self._cache[month] = cached
        return cached

    async def forget_closed(self, now: datetime | None = None) -> None:
        for month in [m for m in self._cache if is_closed(m, now)]:
            del self._cache[month]
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if _is_month(path.name) and is_closed(path.name, now):
                path.unlink(missing_ok=True)


class RedisSecrets:
    """One random secret per open month in Redis, shared by replicas: created once with
    ``SET NX`` and an absolute expiry at the month's closing time (Redis destroys it)."""

    def __init__(self, client: Any, prefix: str = "gardefou:usage",
                 legacy_key: str | None = LEGACY_REDIS_SALT) -> None:
        self._redis = client
        self._prefix = prefix
        self._legacy_key = legacy_key
        self._cache: dict[str, bytes] = {}

    def key(self, month: str) -> str:
        return f"{self._prefix}:secret:{month}"

    async def get(self, month: str, now: datetime | None = None) -> bytes | None:
        if is_closed(month, now):
            await self.forget_closed(now)
            return None
        cached = self._cache.get(month)
        if cached is not None:
            return cached
        expires = int(closes_at(month).timestamp())
        fresh = await self._legacy_value() or secrets.token_hex(32)
        await self._redis.set(self.key(month), fresh, nx=True, exat=expires)
        value = await self._redis.get(self.key(month))
        if value is None:  # expired between the two calls: the month just closed
            return None
        secret = value.encode() if isinstance(value, str) else bytes(value)
        self._cache[month] = secret
        return secret

    async def _legacy_value(self) -> str | None:
        """The pre-rotation shared salt, adopted once for the open month and deleted."""
        if self._legacy_key is None:
            return None
        value = await self._redis.getdel(self._legacy_key)
        self._legacy_key = None
        if value is None:
            return None
        log.warning("legacy shared worker salt adopted for the open month and deleted")
        return value if isinstance(value, str) else bytes(value).decode()

    async def forget_closed(self, now: datetime | None = None) -> None:
        for month in [m for m in self._cache if is_closed(m, now)]:
            del self._cache[month]


class MemorySecrets:
    """Embedded mode: month secrets derived from a seed held in memory only.

    ``forget_marks(month)`` discards the open month's worker marks; it is called before the
    first use of a month whose stored fingerprint is absent or differs from this seed's (a
    restart, or the upgrade from :class:`FileSecrets`), so marks under two secrets are never
    mixed: mixing would count a worker twice and make small cells look big enough to show.
    """

    def __init__(self, seed: bytes, epochs: Path,
                 forget_marks: Callable[[str], Awaitable[None]] | None = None) -> None:
        self._seed = seed
        self.epochs = epochs
        self._forget_marks = forget_marks
        self._checked: set[str] = set()

    def _secret(self, month: str) -> bytes:
        return hmac.new(self._seed, f"month|{month}".encode(), hashlib.sha256).digest()

    @staticmethod
    def fingerprint(secret: bytes) -> str:
        """A one-way public tag of a secret (no pseudonym can be computed from it)."""
        return hashlib.sha256(b"gardefou-epoch|" + secret).hexdigest()[:32]

    async def get(self, month: str, now: datetime | None = None) -> bytes | None:
        if is_closed(month, now):
            await self.forget_closed(now)
            return None
        secret = self._secret(month)
        if month not in self._checked:
            await self._adopt(month, self.fingerprint(secret))
            self._checked.add(month)
        return secret

    async def _adopt(self, month: str, tag: str) -> None:
        path = self.epochs / month
        stored = path.read_text(encoding="ascii").strip() if path.exists() else None
        if stored == tag:
            return
        if self._forget_marks is not None:
            await self._forget_marks(month)
        if stored is not None:
            log.warning("usage: new pseudonym secret for %s, its earlier worker marks "
                        "discarded (distinct-worker counts restart)", month)
        _write_private(path, tag)

    async def forget_closed(self, now: datetime | None = None) -> None:
        self._checked = {m for m in self._checked if not is_closed(m, now)}
        if not self.epochs.is_dir():
            return
        for path in self.epochs.iterdir():
            if _is_month(path.name) and is_closed(path.name, now):
                path.unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a 0600 file holding ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
    os.replace(tmp, path)


def delete_disk_secrets(state_dir: Path) -> None:
    """Delete what earlier versions kept on disk and linked pseudonyms to keys: the
    per-month secret files and the single long-term salt."""
    directory = state_dir / "usage-secrets"
    if directory.is_dir():
        for path in directory.iterdir():
            path.unlink(missing_ok=True)
        directory.rmdir()
    (state_dir / "worker_salt").unlink(missing_ok=True)


def _is_month(name: str) -> bool:
    try:
        datetime.strptime(name, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        return False
    return len(name) == 7
