"""API keys: minting, hashed storage and ``Authorization: Bearer`` → :class:`Principal`.

A key looks like ``gf_<key_id>_<secret>``. Only ``sha256(key)`` is stored: keys are 256-bit
random strings, so a fast hash is enough (no password-stretching needed) and lookups stay
cheap on the hot path. ``key_id`` finds the record; the hash is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TYPE_CHECKING

from gateway.errors import AuthError, ConfigError, KeysUnavailable
from gateway.types import Principal, Role

if TYPE_CHECKING:
    from gateway.redis_client import CircuitBreaker

_KEY_RE = re.compile(r"^gf_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What is stored about a key: never the key itself."""

    key_id: str
    org: str
    team: str
    role: Role
    sha256: str
    created_at: str
    revoked_at: str | None = None
    # The person or seat behind the key; kept across rotations (defaults to the first key id).
    subject: str = ""
    # Non-empty for a front-end key: its FrontendConfig as JSON (secrets only by reference).
    frontend: str = ""

    def principal(self) -> Principal:
        return Principal(
            org=self.org, team=self.team, role=self.role, key_id=self.key_id,
            subject=self.subject or self.key_id,
        )


class KeyStore(Protocol):
    """Where key records live: a JSON file (embedded) or Redis (several replicas)."""

    local: bool  # look-ups never wait on the network (memory, a local file)

    def get(self, key_id: str) -> KeyRecord | None: ...
    def put(self, record: KeyRecord) -> None: ...
    def all(self) -> list[KeyRecord]: ...


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def validate_name(kind: str, value: str) -> str:
    """Org and team names are short lowercase identifiers (they appear in usage data)."""
    if not _NAME_RE.match(value):
        raise ConfigError(f"{kind} must be lowercase letters, digits, '-' or '_' (got {value!r})")
    return value


def mint_key(org: str, team: str, role: Role, subject: str = "",
             frontend: str = "") -> tuple[str, KeyRecord]:
    """A new key and its record. The clear key is returned once and never stored.
    ``subject`` carries over from a rotated key; a new holder gets a fresh one. ``frontend``
    (a :class:`gateway.frontend.FrontendConfig` as JSON) makes it a front-end key."""
    key_id = secrets.token_hex(6)
    key = f"gf_{key_id}_{secrets.token_urlsafe(32)}"
    record = KeyRecord(
        key_id=key_id,
        org=validate_name("org", org),
        team=validate_name("team", team),
        role=Role(role),
        sha256=hash_key(key),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        subject=subject or key_id,
        frontend=frontend,
    )
    return key, record


def rotate(store: KeyStore, key_id: str) -> tuple[str, KeyRecord]:
    """A new key for the same holder (same org, team, role, subject); the old one is revoked."""
    old = store.get(key_id)
    if old is None or old.revoked_at is not None:
        raise ConfigError(f"unknown or revoked key id {key_id!r}")
    key, record = mint_key(old.org, old.team, old.role, subject=old.subject or old.key_id,
                           frontend=old.frontend)
    store.put(record)
    revoke(store, key_id)
    return key, record


def imported_key_id(key: str) -> str:
    """The id of a key minted elsewhere (e.g. migrated from another gateway): derived from
    its hash, so the key itself need not follow our format."""
    return "x" + hash_key(key)[:11]


def import_key(key: str, org: str, team: str, role: Role) -> KeyRecord:
    """A record for an existing key string (at least 16 characters), stored hashed."""
    if len(key) < 16 or any(c.isspace() for c in key):
        raise ConfigError("an imported key must be at least 16 characters, without spaces")
    return KeyRecord(
        key_id=imported_key_id(key),
        org=validate_name("org", org),
        team=validate_name("team", team),
        role=Role(role),
        sha256=hash_key(key),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def authenticate(authorization: str | None, store: KeyStore) -> Principal:
    """Turn an ``Authorization`` header into a principal, or raise :class:`AuthError`."""
    return authenticate_record(authorization, store).principal()


def authenticate_record(authorization: str | None, store: KeyStore) -> KeyRecord:
    """The live record of the key in an ``Authorization`` header, or :class:`AuthError`."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("Clé d'API manquante : ajoutez l'en-tête « Authorization: Bearer <clé> ».")
    key = authorization[7:].strip()
    match = _KEY_RE.match(key)
    if match:
        record = store.get(match.group(1))
    else:
        record = store.get(imported_key_id(key)) if len(key) >= 16 else None
    if (
        record is None
        or record.revoked_at is not None
        or not hmac.compare_digest(record.sha256, hash_key(key))
    ):
        raise AuthError("Clé d'API invalide ou révoquée.")
    return record


def revoke(store: KeyStore, key_id: str) -> KeyRecord:
    """Mark a key revoked (kept for the record); raises ConfigError if unknown."""
    record = store.get(key_id)
    if record is None:
        raise ConfigError(f"unknown key id {key_id!r}")
    revoked = KeyRecord(**{**asdict(record), "revoked_at": datetime.now(UTC).isoformat()})
    store.put(revoked)
    return revoked


class MemoryKeyStore:
    """Keys held in memory only: the embedded demo key lives here."""

    local = True

    def __init__(self, records: list[KeyRecord] | None = None) -> None:
        self._records = {r.key_id: r for r in records or []}

    def get(self, key_id: str) -> KeyRecord | None:
        return self._records.get(key_id)

    def put(self, record: KeyRecord) -> None:
        self._records[record.key_id] = record

    def all(self) -> list[KeyRecord]:
        return list(self._records.values())


class FileKeyStore:
    """Hashed keys in a JSON file, re-read when it changes so the CLI's revocations apply
    to a running gateway without restart. Written atomically (temp file + rename)."""

    local = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._records: dict[str, KeyRecord] = {}

    def _load(self) -> dict[str, KeyRecord]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if mtime != self._mtime:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                records = {
                    r["key_id"]: KeyRecord(**{**r, "role": Role(r["role"])})
                    for r in raw.get("keys", [])
                }
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"keys file {self.path} is corrupt: {exc}") from exc
            self._records, self._mtime = records, mtime
        return self._records

    def get(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            return self._load().get(key_id)

    def all(self) -> list[KeyRecord]:
        with self._lock:
            return list(self._load().values())

    def put(self, record: KeyRecord) -> None:
        with self._lock:
            records = dict(self._load())
            records[record.key_id] = record
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = {"keys": [asdict(r) for r in records.values()]}
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keys-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            self._mtime = None


class RedisKeyStore:
    """Hashed keys in Redis, one hash per key (``gardefou:key:<key_id>``), shared by replicas.

    Lookups are cached for ``ttl_s`` (a revocation reaches every replica within that delay).
    While Redis is unreachable, keys seen before keep working from the cache; unknown keys
    get a 503 rather than a misleading 401.
    """

    local = False
    PREFIX = "gardefou:key:"

    def __init__(self, url: str, ttl_s: float = 30.0, breaker: CircuitBreaker | None = None) -> None:
        from gateway.redis_client import CircuitBreaker, sync_client

        # short timeouts, no retries, fail fast while Redis is known to be down
        self._redis = sync_client(url, breaker or CircuitBreaker(), decode_responses=True)
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, KeyRecord | None]] = {}

    def get(self, key_id: str) -> KeyRecord | None:
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        try:
            raw = self._redis.hgetall(self.PREFIX + key_id)
        except Exception as exc:  # noqa: BLE001 - Redis down: serve what we saw last
            if cached is not None:
                return cached[1]
            raise KeysUnavailable(
                "Le service des clés est momentanément indisponible, réessayez."
            ) from exc
        record = _from_flat(raw) if raw else None
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[key_id] = (now, record)
        return record

    def put(self, record: KeyRecord) -> None:
        flat = {k: ("" if v is None else str(v)) for k, v in asdict(record).items()}
        self._redis.hset(self.PREFIX + record.key_id,
                         mapping=dict[Any, Any](flat))
        self._cache.pop(record.key_id, None)

    def all(self) -> list[KeyRecord]:
        return [
            _from_flat(self._redis.hgetall(k))
            for k in self._redis.scan_iter(match=self.PREFIX + "*")
        ]


def _from_flat(raw: Mapping[Any, Any]) -> KeyRecord:
    return KeyRecord(
        key_id=raw["key_id"],
        org=raw["org"],
        team=raw["team"],
        role=Role(raw["role"]),
        sha256=raw["sha256"],
        created_at=raw["created_at"],
        revoked_at=raw.get("revoked_at") or None,
        subject=raw.get("subject") or "",
        frontend=raw.get("frontend") or "",
    )
