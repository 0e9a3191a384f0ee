"""A hung Redis (process stopped with SIGSTOP, its socket still accepting) and a killed one:
every client of the gateway goes through one circuit breaker, so the first call pays one
short timeout and every later one fails fast (``CircuitOpen``, no socket touched) and
degrades as with an absent Redis. A Redis server of our own on a random port is used: the
shared one on 6379 is never stopped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis

from gateway.auth import RedisKeyStore, mint_key
from gateway.limits import RedisLimiter
from gateway.policy.schema import Limits
from gateway.redaction.cache import redis_cache
from gateway.redis_client import CircuitBreaker, CircuitOpen, async_client, sync_client
from gateway.types import Principal, Role
from gateway.usage.recorder import UsageRecorder
from gateway.usage.store_redis import RedisUsageStore
from tests.conftest import free_port
from tests.usage.helpers import event, worker

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server")


@dataclass
class OwnRedis:
    port: int
    proc: subprocess.Popen
    workdir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/3"

    def start(self) -> None:
        self.proc = _spawn(self.port, self.workdir)


def _spawn(port: int, workdir: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=1)
    for _ in range(200):
        try:
            if client.ping():
                return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    port = free_port()
    server = OwnRedis(port, _spawn(port, tmp_path), tmp_path)
    yield server
    os.kill(server.proc.pid, signal.SIGCONT) if server.proc.poll() is None else None
    server.proc.kill()
    server.proc.wait()


def _wait_closed(breaker: CircuitBreaker, call) -> None:  # type: ignore[no-untyped-def]
    """Call until the breaker's probe succeeds (the cool-down is short in these tests)."""
    for _ in range(400):
        try:
            call()
            if not breaker.is_open:
                return
        except redis.ConnectionError:
            pass
        time.sleep(0.02)
    raise AssertionError("the breaker never closed again")


def test_a_hung_redis_costs_one_timeout_then_fails_fast(own_redis: OwnRedis) -> None:
    breaker = CircuitBreaker(cooldown_s=0.2)
    client = sync_client(own_redis.url, breaker, timeout_s=0.2)
    other = sync_client(own_redis.url, breaker, timeout_s=0.2)  # another component's client
    assert client.set("k", "v") and other.get("k") == b"v"
    os.kill(own_redis.proc.pid, signal.SIGSTOP)
    with pytest.raises(redis.TimeoutError):
        client.get("k")
    assert breaker.is_open
    # every client, new connections included, now fails without waiting on the socket
    for probe in (client, other, sync_client(own_redis.url, breaker)):
        with pytest.raises(CircuitOpen):
            probe.get("k")
    os.kill(own_redis.proc.pid, signal.SIGCONT)
    _wait_closed(breaker, lambda: client.get("k"))
    assert other.get("k") == b"v"


def test_a_killed_redis_opens_the_breaker_and_a_restart_closes_it(own_redis: OwnRedis) -> None:
    breaker = CircuitBreaker(cooldown_s=0.2)
    client = sync_client(own_redis.url, breaker, timeout_s=0.2)
    assert client.set("k", "v")
    own_redis.proc.kill()
    own_redis.proc.wait()
    with pytest.raises(redis.ConnectionError):
        client.get("k")
    with pytest.raises(CircuitOpen):
        client.get("k")
    own_redis.start()
    _wait_closed(breaker, lambda: client.set("k", "w"))


async def test_async_clients_share_the_breaker(own_redis: OwnRedis) -> None:
    breaker = CircuitBreaker(cooldown_s=0.2)
    client = async_client(own_redis.url, breaker, timeout_s=0.2)
    assert await client.set("k", "v")
    os.kill(own_redis.proc.pid, signal.SIGSTOP)
    with pytest.raises(redis.TimeoutError):
        await client.get("k")
    with pytest.raises(CircuitOpen):
        await client.get("k")
    with pytest.raises(CircuitOpen):
        sync_client(own_redis.url, breaker).get("k")
    os.kill(own_redis.proc.pid, signal.SIGCONT)
    await client.aclose()


async def test_gateway_components_degrade_as_without_redis_while_it_hangs(own_redis: OwnRedis) -> None:
    """Keys seen before still work, quotas fall back to local counters, the analysis cache
    misses — each after the breaker opened, without waiting on the hung socket."""
    breaker = CircuitBreaker(cooldown_s=60)
    keys = RedisKeyStore(own_redis.url, breaker=breaker)
    key, record = mint_key("org-a", "equipe", Role.STAFF)
    keys.put(record)
    assert keys.get(record.key_id) is not None  # now cached
    limiter = RedisLimiter(own_redis.url, ZoneInfo("Europe/Paris"), breaker=breaker)
    cache = redis_cache(own_redis.url, breaker=breaker)
    principal = Principal("org-a", "equipe", Role.STAFF, record.key_id)
    limits = Limits.model_validate({"per_key": {"requests_per_minute": 1000}})
    await limiter.check(principal, limits)
    assert limiter.healthy()
    os.kill(own_redis.proc.pid, signal.SIGSTOP)
    assert cache.get("absent") is None  # the one timeout (0.25 s): the breaker opens
    assert breaker.is_open
    await limiter.check(principal, limits)  # local counters, at once
    assert not limiter.healthy()
    await limiter.commit(principal, limits, 10, 0.0)
    assert keys.get(record.key_id) is not None
    unknown = mint_key("org-a", "equipe", Role.STAFF)[1]
    from gateway.errors import KeysUnavailable

    with pytest.raises(KeysUnavailable):
        keys.get(unknown.key_id)
    recorder = UsageRecorder(RedisUsageStore(own_redis.url, breaker=breaker), b"s",
                             retry_min_s=60, housekeeping_s=None)
    w = worker("equipe", 1)
    await recorder.record(event(w), w)  # buffered, as with an absent Redis
    assert recorder.pending == 1
    os.kill(own_redis.proc.pid, signal.SIGCONT)
    await recorder.aclose()
