"""Canary test: traffic full of known names and identifiers goes through a real gateway
(allowed, streamed, blocked, failing upstream, malformed bodies, every request field, URL
paths and query strings); then every body the provider received, every log line,
exported trace and metric, /metrics line, SQLite byte, Redis key and value, and the keys file
are searched for those values. None may appear."""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
import redis

from gateway.auth import FileKeyStore, mint_key
from gateway.types import Role
from tests.conftest import REDIS_URL, Server, free_port, start_server
from tests.e2e.conftest import upstream_requests, write_models
from tests.e2e.test_request_fields import every_field_request

CANARIES = {
    "name": "Eulalie Vandercruysse",
    "surname": "Vandercruysse",
    "phone": "06 48 27 19 53",
    "email": "eulalie.vandercruysse@example.net",
    "nir": "2 91 05 75 112 042 85",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "caf": "7315942",
    "address": "27 rue des Glycines, 69003 Lyon",
}
NOTE = (
    f"Entretien avec Mme {CANARIES['name']}, domiciliée {CANARIES['address']}, "
    f"tél. {CANARIES['phone']}, courriel {CANARIES['email']}. NIR {CANARIES['nir']}, "
    f"IBAN {CANARIES['iban']}, n° allocataire CAF {CANARIES['caf']}. "
    f"Mme {CANARIES['surname']} souhaite reprendre une formation."
)
PROMPTS = [
    f"Peux-tu mettre au propre cette note ? {NOTE}",
    f"{NOTE} D'après toi, faut-il lui retirer la garde de ses enfants ? Réponds oui ou non.",
    f"Note sa fiabilité de 1 à 10 : {NOTE}",
]


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def canary_gateway(request, fake_upstream: Server, tmp_path_factory) -> Iterator[tuple[Server, Path, str]]:
    state = tmp_path_factory.mktemp(f"canary-{request.param}")
    write_models(state / "models.yaml", fake_upstream.base)
    key, record = mint_key("org-canary", "equipe", Role.STAFF)
    # a second key for the every-field requests, so the per-key quota never hides them
    fields_key, fields_record = mint_key("org-canary", "equipe", Role.STAFF)
    # Its own database, flushed below: another run (a second worktree, CI) picks another one.
    redis_url = os.environ.get("GARDEFOU_TEST_CANARY_REDIS_URL",
                               REDIS_URL.rsplit("/", 1)[0] + "/12")
    env = {
        "GARDEFOU_STATE_DIR": str(state), "GARDEFOU_MODELS_FILE": str(state / "models.yaml"),
        "GARDEFOU_LOG_LEVEL": "debug", "GARDEFOU_OTLP_ENDPOINT": fake_upstream.base + "/otlp",
    }
    if request.param == "redis":
        redis.Redis.from_url(redis_url).flushdb()
        env["GARDEFOU_REDIS_URL"] = redis_url
        from gateway.auth import RedisKeyStore

        RedisKeyStore(redis_url).put(record)
        RedisKeyStore(redis_url).put(fields_record)
    else:
        FileKeyStore(state / "keys.json").put(record)
        FileKeyStore(state / "keys.json").put(fields_record)
    port = free_port()
    env["GARDEFOU_PORT"] = str(port)
    server = start_server(["-m", "gateway.cli", "serve"], env, state / "gateway.log", "/readyz", port)
    yield server, state, key if request.param == "sqlite" else key + "|" + redis_url, fields_key
    server.stop()


def _send_traffic(server: Server, key: str) -> str:
    client = openai.OpenAI(base_url=server.base + "/v1", api_key=key, max_retries=0)
    for prompt in PROMPTS:
        for model, stream in (("echo", False), ("echo", True), ("fail500", False), ("tools", False),
                              ("echo-litellm", False), ("echo-litellm", True),
                              ("fail500-litellm", False),
                              # errors whose provider body echoes the prompt
                              ("toolong", False), ("toolong-litellm", True)):
            try:
                result = client.chat.completions.create(
                    model=model, messages=[{"role": "user", "content": prompt}], stream=stream
                )
                if stream:
                    for _ in result:
                        pass
            except openai.APIError:
                pass
    # Malformed bodies and a bad key, each carrying the canaries.
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    httpx.post(server.base + "/v1/chat/completions", headers=headers, content=NOTE.encode("utf-8"))
    httpx.post(server.base + "/v1/chat/completions", headers=headers,
               json={"model": "echo", "messages": [{"role": CANARIES["name"], "content": NOTE}]})
    httpx.post(server.base + "/v1/chat/completions", headers={"Authorization": f"Bearer {CANARIES['email']}-{CANARIES['caf']}"},
               json={"model": "echo", "messages": [{"role": "user", "content": NOTE}]})
    return httpx.get(server.base + "/metrics").text


def _assert_clean(where: str, blob: str) -> None:
    for kind, value in CANARIES.items():
        assert value not in blob, f"{kind} found in {where}"
        compact = value.replace(" ", "")
        if len(compact) > 6:
            assert compact not in blob.replace(" ", ""), f"{kind} (without spaces) found in {where}"


def _send_every_field_and_urls(server: Server, key: str) -> None:
    """The canaries in every request field the SDK offers (both transports, streamed and
    not), and in URL paths and query strings (which instrumentation would put in spans)."""
    client = openai.OpenAI(base_url=server.base + "/v1", api_key=key, max_retries=0)
    for model, stream in (("echo", False), ("echo", True), ("echo-litellm", False),
                          ("tools", False)):
        request = every_field_request(model, CANARIES["name"], CANARIES["phone"],
                                      CANARIES["nir"])
        result = client.chat.completions.create(**request, stream=stream)
        if stream:
            for _ in result:
                pass
    headers = {"Authorization": f"Bearer {key}"}
    query = urllib.parse.urlencode({"note": NOTE})
    for path in (f"/v1/models?{query}", f"/v1/{urllib.parse.quote(NOTE)}?{query}",
                 f"/admin/policies/{urllib.parse.quote(CANARIES['name'])}/explain?{query}",
                 f"/dashboard/?{query}"):
        httpx.get(server.base + path, headers=headers)
    httpx.post(f"{server.base}/v1/chat/completions?{query}", headers=headers,
               json={"model": "echo", "messages": [{"role": "user", "content": "Bonjour"}]})


def test_no_canary_anywhere(canary_gateway, fake_upstream: Server) -> None:
    server, state, key_info, fields_key = canary_gateway
    key, _, redis_url = key_info.partition("|")
    seen = len(upstream_requests(fake_upstream))
    _send_every_field_and_urls(server, fields_key)
    metrics_text = _send_traffic(server, key)
    sent = upstream_requests(fake_upstream)[seen:]
    assert len(sent) >= 10, "the traffic reached the provider"
    _assert_clean("bodies received by the provider", json.dumps(sent, ensure_ascii=False))
    _assert_clean("/metrics", metrics_text)
    server.stop()  # flushes OTLP exporters and the usage store

    _assert_clean("gateway log", (state / "gateway.log").read_text(errors="replace"))
    with urllib.request.urlopen(fake_upstream.base + "/_otlp") as response:
        exported = b"".join(bytes.fromhex(h) for h in json.loads(response.read()))
    log_tail = (state / "gateway.log").read_text(errors="replace")[-1500:]
    assert exported, f"no telemetry was exported; gateway log ends with:\n{log_tail}"
    _assert_clean("OTLP export", exported.decode("utf-8", errors="replace"))
    for path in state.rglob("*"):
        if path.is_file() and path.name not in {"models.yaml", "gateway.log"}:
            _assert_clean(str(path.name), path.read_bytes().decode("utf-8", errors="replace"))
    usage_db = state / "usage.sqlite3"
    if usage_db.exists():
        with sqlite3.connect(usage_db) as db:
            tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            dump = "\n".join(str(row) for t in tables for row in db.execute(f"select * from {t}"))
        assert dump, "usage rows were written"
        _assert_clean("usage.sqlite3 rows", dump)
    if redis_url:
        client = redis.Redis.from_url(redis_url)
        blob = []
        for redis_key in client.scan_iter():
            blob.append(redis_key.decode(errors="replace"))
            kind = client.type(redis_key).decode()
            if kind == "string":
                blob.append(client.get(redis_key).decode(errors="replace"))
            elif kind == "hash":
                blob.append(str(client.hgetall(redis_key)))
            elif kind == "set":
                blob.append(str(client.smembers(redis_key)))
            elif kind == "zset":
                blob.append(str(client.zrange(redis_key, 0, -1, withscores=True)))
            elif kind == "list":
                blob.append(str(client.lrange(redis_key, 0, -1)))
        assert len(blob) > 5, "the gateway wrote to Redis"
        _assert_clean("Redis", "\n".join(blob))
        client.flushdb()
