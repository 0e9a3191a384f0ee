"""Analysis cache: message hash -> detected spans (offsets and labels, never text).

Long conversations resend every earlier turn; re-running spaCy on them each time would be
wasted work. Keys are SHA-256 digests of (settings fingerprint, text), values are spans only,
so neither the memory nor the Redis store ever holds clear text.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Protocol

from gateway.types import Span

KEY_PREFIX = "gardefou:redaction:"


def cache_key(fingerprint: str, text: str) -> str:
    """The digest under which the analysis of ``text`` is stored."""
    return hashlib.sha256(f"{fingerprint}\x00{text}".encode()).hexdigest()


def encode_spans(spans: list[Span]) -> str:
    """Spans as compact JSON: ``[[start, end, label, score], …]``."""
    return json.dumps([[s.start, s.end, s.label, round(s.score, 3)] for s in spans])


def decode_spans(raw: str | bytes) -> list[Span]:
    """Inverse of :func:`encode_spans`."""
    return [Span(int(a), int(b), str(c), float(d)) for a, b, c, d in json.loads(raw)]


class AnalysisCache(Protocol):
    """Where analyses are kept between requests."""

    def get(self, key: str) -> list[Span] | None:
        """The spans stored under ``key``, or ``None``."""
        ...

    def put(self, key: str, spans: list[Span]) -> None:
        """Store ``spans`` under ``key``."""
        ...


class MemoryCache:
    """A thread-safe LRU in process memory (the default)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max = max_entries
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> list[Span] | None:
        with self._lock:
            raw = self._data.get(key)
            if raw is None:
                return None
            self._data.move_to_end(key)
        return decode_spans(raw)

    def put(self, key: str, spans: list[Span]) -> None:
        raw = encode_spans(spans)
        with self._lock:
            self._data[key] = raw
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def raw_values(self) -> list[str]:
        """What is stored (for tests proving no clear text is kept)."""
        with self._lock:
            return list(self._data.values())


class RedisCache:
    """A shared cache in Redis (sync client), entries expiring after ``ttl_s`` seconds.

    A Redis failure never fails a request: the analysis is simply redone.
    """

    def __init__(self, client: object, ttl_s: int = 3600, prefix: str = KEY_PREFIX) -> None:
        self._client = client
        self._ttl = ttl_s
        self.prefix = prefix

    def get(self, key: str) -> list[Span] | None:
        try:
            raw = self._client.get(self.prefix + key)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - cache is an optimisation only
            return None
        return None if raw is None else decode_spans(raw)

    def put(self, key: str, spans: list[Span]) -> None:
        try:
            self._client.set(self.prefix + key, encode_spans(spans), ex=self._ttl)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - cache is an optimisation only
            return


def memory_cache(max_entries: int = 10_000) -> AnalysisCache:
    """An in-process LRU analysis cache."""
    return MemoryCache(max_entries)


def redis_cache(url: str, ttl_s: int = 3600, breaker: object = None) -> AnalysisCache:
    """A Redis analysis cache at ``url`` (``redis://host:port/db``); ``breaker`` is the
    process's Redis circuit breaker (:mod:`gateway.redis_client`)."""
    from gateway.redis_client import CircuitBreaker, sync_client

    # Short timeouts: the cache is an optimisation, a hung Redis must not hang redaction.
    client = sync_client(url, breaker or CircuitBreaker(), timeout_s=0.25)  # type: ignore[arg-type]
    return RedisCache(client, ttl_s)
