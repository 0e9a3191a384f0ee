"""Two gateway processes sharing one real Redis server (started by this module so that it can
be killed and restarted): shared quotas, exact usage totals, and a Redis outage that loses no
usage count and lets nothing through unredacted."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from gateway.auth import RedisKeyStore, mint_key
from gateway.types import Role
from gateway.usage.store_redis import RedisUsageStore
from tests.conftest import ROOT, Server, eventually, free_port, start_server
from tests.e2e.conftest import upstream_requests, write_models

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")

NAME, PHONE = "Mathilde Garnier-Roussel", "07 81 22 93 40"
NOTE = f"Mme {NAME} (tél. {PHONE}) a appelé ce matin. Peux-tu reformuler cette note ?"
QUOTA = 20


class RedisProcess:
    """A disposable redis-server with an append-only file, so a restart keeps its data."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                             capture_output=True, text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="module")
def cluster(fake_upstream: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    state = tmp_path_factory.mktemp("replicas")
    redis = RedisProcess(state)
    redis.start()
    write_models(state / "models.yaml", fake_upstream.base)
    policies = state / "policies"
    policies.mkdir()
    default = yaml.safe_load((ROOT / "policies/default.yaml").read_text())
    limited = {**default, "organisation": {**default["organisation"], "id": "org-quota"},
               "limits": {"org": {"requests_per_minute": QUOTA}}, "tests": []}
    (policies / "org-quota.yaml").write_text(yaml.safe_dump(limited, allow_unicode=True))
    unlimited = {**limited, "organisation": {**default["organisation"], "id": "org-count"},
                 "limits": {}}
    (policies / "org-count.yaml").write_text(yaml.safe_dump(unlimited, allow_unicode=True))
    keys_store = RedisKeyStore(redis.url)
    keys = {}
    for org in ("org-quota", "org-count"):
        key, record = mint_key(org, "equipe", Role.STAFF)
        keys_store.put(record)
        keys[org] = key
    gateways = []
    for i in range(2):
        port = free_port()
        env = {
            "GARDEFOU_STATE_DIR": str(state / f"gw{i}"), "GARDEFOU_PORT": str(port),
            "GARDEFOU_MODELS_FILE": str(state / "models.yaml"),
            "GARDEFOU_POLICIES_DIR": str(policies), "GARDEFOU_REDIS_URL": redis.url,
            "GARDEFOU_WORKER_SALT": "test-salt",
        }
        gateways.append(start_server(["-m", "gateway.cli", "serve"], env, state / f"gw{i}.log",
                                     "/readyz", port))
    yield {"redis": redis, "gateways": gateways, "keys": keys}
    for gateway in gateways:
        gateway.stop()
    if redis.proc and redis.proc.poll() is None:
        redis.kill()


async def _send(bases: list[str], key: str, n: int, concurrency: int = 16) -> list[httpx.Response]:
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(i: int) -> httpx.Response:
            async with semaphore:
                return await client.post(
                    bases[i % len(bases)] + "/v1/chat/completions",
                    headers={"Authorization": f"Bearer {key}"},
                    json={"model": "echo", "messages": [{"role": "user", "content": NOTE}]},
                )
        return await asyncio.gather(*(one(i) for i in range(n)))


async def _requests_stored(url: str, org: str) -> int:
    store = RedisUsageStore(url)
    now = datetime.now(UTC)
    rows = await store.counters(org, now - timedelta(days=1), now + timedelta(hours=1))
    await store.aclose()
    return int(sum(r.value for r in rows if r.metric == "requests"))


def test_quota_is_enforced_across_replicas(cluster: dict) -> None:
    if datetime.now().second > 45:  # keep the burst inside one minute window
        time.sleep(61 - datetime.now().second)
    bases = [g.base for g in cluster["gateways"]]
    responses = asyncio.run(_send(bases, cluster["keys"]["org-quota"], 3 * QUOTA))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == QUOTA
    assert statuses.count(429) == 2 * QUOTA
    refused = next(r for r in responses if r.status_code == 429)
    assert "requêtes par minute" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) <= 60


def test_usage_totals_equal_requests_sent(cluster: dict) -> None:
    bases = [g.base for g in cluster["gateways"]]
    before = asyncio.run(_requests_stored(cluster["redis"].url, "org-count"))
    responses = asyncio.run(_send(bases, cluster["keys"]["org-count"], 40))
    assert [r.status_code for r in responses] == [200] * 40
    assert eventually(lambda: asyncio.run(_requests_stored(cluster["redis"].url, "org-count")),
                      before + 40) == before + 40


def test_redis_outage_loses_no_count_and_sends_nothing_unredacted(cluster: dict, fake_upstream: Server) -> None:
    redis, gateways = cluster["redis"], cluster["gateways"]
    bases = [g.base for g in gateways]
    key = cluster["keys"]["org-count"]
    seen_before = len(upstream_requests(fake_upstream))
    before = asyncio.run(_requests_stored(redis.url, "org-count"))

    ok = sum(r.status_code == 200 for r in asyncio.run(_send(bases, key, 10)))
    redis.kill()
    during = asyncio.run(_send(bases, key, 10, concurrency=4))
    ok += sum(r.status_code == 200 for r in during)
    assert all(r.status_code in (200, 503) for r in during)
    def degraded() -> float:  # the usage is written behind: a failed write shows soon after
        readiness = [httpx.get(b + "/readyz").json() for b in bases]
        assert all(r["ready"] for r in readiness)  # staff keep working…
        return float(any("usage_store" in r["degraded"] for r in readiness))

    assert eventually(degraded, 1)  # …and the outage is visible
    redis.start()
    ok += sum(r.status_code == 200 for r in asyncio.run(_send(bases, key, 10)))

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        httpx.get(b + "/readyz").json()["degraded"] for b in bases
    ):
        time.sleep(0.5)  # the buffered usage events are being written back
    assert ok >= 20  # known keys keep working through the outage
    assert eventually(lambda: asyncio.run(_requests_stored(redis.url, "org-count")),
                      before + ok) == before + ok
    sent = json.dumps(upstream_requests(fake_upstream)[seen_before:], ensure_ascii=False)
    assert NAME not in sent and PHONE not in sent and "Garnier" not in sent
