"""Redis clients with short timeouts behind one circuit breaker per process.

A Redis that is *hung* (process stopped, sockets still accepted by the kernel) is worse than
an absent one: every call waits for its socket timeout, and redis-py retries three times by
default, so each request paid seconds. Here every client of the process (keys, quotas, usage,
analysis cache) shares one :class:`CircuitBreaker`: the first call that times out opens it,
and from then on calls fail at once with :class:`redis.ConnectionError` — which every caller
already handles as "Redis is absent" (cached keys, local quota counters, buffered usage
events, cache misses). After a cool-down one call is let through to probe; success closes the
breaker, failure reopens it for twice as long (up to a minute).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import redis

TIMEOUT_S = 0.5  # a healthy Redis answers in well under a millisecond
_COOLDOWN_S = 2.0
_MAX_COOLDOWN_S = 60.0


class CircuitOpen(redis.ConnectionError):
    """Raised instead of calling Redis while the breaker is open."""


class CircuitBreaker:
    """Closed → (a failure) → open for a cool-down → one probe → closed or open longer.
    Thread-safe: the sync clients run in worker threads, the async ones on the loop."""

    def __init__(self, cooldown_s: float = _COOLDOWN_S) -> None:
        self._base = cooldown_s
        self._cooldown = cooldown_s
        self._open_until = 0.0
        self._failed = False
        self._probing = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Whether Redis is currently considered unreachable."""
        return self._failed

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go to Redis now."""
        with self._lock:
            if not self._failed:
                return
            if self._probing or time.monotonic() < self._open_until:
                raise CircuitOpen("Redis circuit open")
            self._probing = True  # this call is the probe; others keep failing fast

    def check_not_open(self) -> None:
        """For connecting: raise :class:`CircuitOpen` while the breaker is open and its
        cool-down runs (a connection may be part of the probe once it has run out)."""
        with self._lock:
            if self._failed and time.monotonic() < self._open_until:
                raise CircuitOpen("Redis circuit open")

    def succeeded(self) -> None:
        """Redis answered (even with an error reply): close the breaker."""
        with self._lock:
            self._failed = self._probing = False
            self._cooldown = self._base

    def abandoned(self) -> None:
        """The call was cancelled: neither success nor failure; the next call may probe."""
        with self._lock:
            self._probing = False

    def failed(self) -> None:
        """A timeout or connection error: open the breaker (longer after a failed probe)."""
        with self._lock:
            if self._failed and not self._probing:
                return  # already open: a call that started before it opened
            if self._probing:
                self._cooldown = min(self._cooldown * 2, _MAX_COOLDOWN_S)
            self._failed, self._probing = True, False
            self._open_until = time.monotonic() + self._cooldown


_CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError, TimeoutError)


def _guarded_sync(base: type, breaker: CircuitBreaker) -> type:
    class Guarded(base):  # type: ignore[misc]
        def connect(self, *args: Any, **kwargs: Any) -> Any:
            breaker.check_not_open()
            try:
                return super().connect(*args, **kwargs)
            except _CONNECTION_ERRORS:
                breaker.failed()
                raise

        def send_packed_command(self, *args: Any, **kwargs: Any) -> Any:
            breaker.before_call()
            try:
                return super().send_packed_command(*args, **kwargs)
            except _CONNECTION_ERRORS:
                breaker.failed()
                raise
            except BaseException:
                breaker.abandoned()
                raise

        def read_response(self, *args: Any, **kwargs: Any) -> Any:
            try:
                response = super().read_response(*args, **kwargs)
            except _CONNECTION_ERRORS:
                breaker.failed()
                raise
            except redis.RedisError:
                breaker.succeeded()  # an error reply: Redis is there
                raise
            except BaseException:
                breaker.abandoned()
                raise
            breaker.succeeded()
            return response

    return Guarded


def _guarded_async(base: type, breaker: CircuitBreaker) -> type:
    class Guarded(base):  # type: ignore[misc]
        async def connect(self, *args: Any, **kwargs: Any) -> Any:
            breaker.check_not_open()
            try:
                return await super().connect(*args, **kwargs)
            except _CONNECTION_ERRORS:
                breaker.failed()
                raise

        async def send_packed_command(self, *args: Any, **kwargs: Any) -> Any:
            breaker.before_call()
            try:
                return await super().send_packed_command(*args, **kwargs)
            except _CONNECTION_ERRORS:
                breaker.failed()
                raise
            except BaseException:
                breaker.abandoned()
                raise

        async def read_response(self, *args: Any, **kwargs: Any) -> Any:
            try:
                response = await super().read_response(*args, **kwargs)
            except _CONNECTION_ERRORS:
                breaker.failed()
                raise
            except redis.RedisError:
                breaker.succeeded()
                raise
            except BaseException:
                breaker.abandoned()
                raise
            breaker.succeeded()
            return response

    return Guarded


def sync_client(url: str, breaker: CircuitBreaker, *, timeout_s: float = TIMEOUT_S,
                **options: Any) -> redis.Redis:
    """A sync client for ``url``: short timeouts, no retries, guarded by ``breaker``."""
    from redis import connection
    from redis.retry import Retry
    from redis.backoff import NoBackoff

    base = connection.SSLConnection if url.startswith("rediss://") else (
        connection.UnixDomainSocketConnection if url.startswith("unix://") else connection.Connection)
    return redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0), connection_class=_guarded_sync(base, breaker), **options)


def async_client(url: str, breaker: CircuitBreaker, *, timeout_s: float = TIMEOUT_S,
                 **options: Any) -> Any:
    """An asyncio client for ``url``: short timeouts, no retries, guarded by ``breaker``."""
    import redis.asyncio as aioredis
    from redis.asyncio import connection
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    base = connection.SSLConnection if url.startswith("rediss://") else (
        connection.UnixDomainSocketConnection if url.startswith("unix://") else connection.Connection)
    return aioredis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0), connection_class=_guarded_async(base, breaker), **options)
