"""Canary at the store and metrics level: events built from traffic full of names and
identifiers leave none of them in any SQLite row, Redis key or value, or metric line.
(The end-to-end canary through HTTP lives with the gateway's e2e tests.)"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from gateway.catalog import Hosting, ModelSpec
from gateway.types import Action, Decision, Principal, Role
from gateway.usage.events import build_event
from gateway.usage.metrics import PROMETHEUS_REGISTRY, setup_telemetry
from gateway.usage.recorder import UsageRecorder
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.usage.conftest import REDIS_URL, redis_available

KEY_IDS = ("a1b2c3d4e5f6", "0f9e8d7c6b5a")
# Values that a careless pipeline could push into a label or a policy id.
CANARIES = (
    "Kévin Lefèbvre", "Lefèbvre", "1 85 05 78 006 084 36", "185057800608436",
    "06 12 34 56 78", "kevin.lefebvre@example.org", "FR76 3000 6000 0112 3456 7890 189",
    "12 rue des Lilas", "Enzo", "placement-de-Enzo", "192.168.1.23",
)


def canary_events():
    for i, key_id in enumerate(KEY_IDS):
        principal = Principal(org="asso", team="equipe", role=Role.STAFF, key_id=key_id)
        decision = Decision(
            id="d", action=Action.WARN, use=CANARIES[i], forbidden=CANARIES[8],
            evidence=(), policy_revision="r", sensitivity=frozenset({CANARIES[0]}),
        )
        model = ModelSpec(name="mistral-eu", litellm_model="mistral/mistral-small-latest",
                          hosting=Hosting.EU)
        labels = {c: 1 for c in CANARIES} | {"PERSONNE": 2}
        yield principal, build_event(
            principal=principal, decision=decision, model=model, redaction_counts=labels,
            prompt_tokens=10, completion_tokens=5, latency_s=0.5, ttft_s=0.1, action="warn",
        )


def needles() -> list[str]:
    return [c.lower() for c in (*CANARIES, *KEY_IDS)]


def assert_clean(blob: str, where: str) -> None:
    low = blob.lower()
    found = [n for n in needles() if n in low]
    assert not found, f"{where} leaks {found}"


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_no_identifier_reaches_store_or_metrics(backend: str, tmp_path: Path) -> None:
    setup_telemetry(None)
    prefix = f"gftest:{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        store = SQLiteUsageStore(tmp_path / "u.sqlite3")
    else:
        if not redis_available():
            pytest.skip("no Redis server")
        from gateway.usage.store_redis import RedisUsageStore

        store = RedisUsageStore(REDIS_URL, prefix=prefix)
    recorder = UsageRecorder(store, b"canary-salt")
    for principal, event in canary_events():
        await recorder.record(event, principal)
    assert recorder.pending == 0 and recorder.written == 2

    if backend == "sqlite":
        db = sqlite3.connect(tmp_path / "u.sqlite3")
        dump = "\n".join(db.iterdump())
        db.close()
        assert "autre" in dump  # the canary-bearing labels were replaced, not dropped
        assert_clean(dump, "SQLite")
    else:
        client = store._redis
        keys = [k async for k in client.scan_iter(match=prefix + ":*")]
        parts = list(keys)
        for key in keys:
            kind = await client.type(key)
            if kind == "hash":
                parts += [f"{f}={v}" for f, v in (await client.hgetall(key)).items()]
            elif kind == "set":
                parts += list(await client.smembers(key))
            elif kind == "zset":
                parts += list(await client.zrange(key, 0, -1))
            else:
                parts.append(str(await client.get(key)))
        assert_clean("\n".join(parts), "Redis")
        await client.delete(*keys)
    assert_clean(generate_latest(PROMETHEUS_REGISTRY).decode(), "/metrics")
    await recorder.aclose()
