"""Worker pseudonyms for distinct-user counting, without identities.

A pseudonym is ``HMAC-SHA256(salt, window | key_id)`` truncated to 64 bits, where ``window``
is the calendar month (UTC). It rotates every month: the same worker gets unrelated
pseudonyms in January and February, so usage data cannot follow a person across months,
and distinct-user counts over several months are computed conservatively (the largest
monthly count, never a sum; see :mod:`gateway.usage.suppress`). The key id itself is never
stored; recomputing a pseudonym needs both the secret salt and a key id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime
from pathlib import Path


def window_of(day: str) -> str:
    """The rotation window (``YYYY-MM``) of a ``YYYY-MM-DD`` day."""
    return day[:7]


def pseudonym(salt: bytes, key_id: str, moment: datetime) -> str:
    """The worker's pseudonym for the rotation window containing ``moment``."""
    window = moment.strftime("%Y-%m")
    digest = hmac.new(salt, f"{window}|{key_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def load_salt(configured: str | None, state_dir: Path) -> bytes:
    """The configured secret, or a random one kept (mode 0600) in ``state_dir``.

    Replicas sharing a Redis store must share the salt: set ``GARDEFOU_WORKER_SALT`` there
    (``build_usage`` falls back to a salt kept in Redis otherwise).
    """
    if configured:
        return configured.encode("utf-8")
    path = state_dir / "worker_salt"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker process created it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(salt)
    return salt
