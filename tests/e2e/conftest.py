"""A real gateway process (uvicorn on 127.0.0.1) in front of the fake upstream."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from gateway.auth import FileKeyStore, mint_key
from gateway.types import Role
from tests.conftest import Server, free_port, start_server

FAKE_MODELS = ("echo", "tools", "fail500", "malformed", "endless", "badtools")


@dataclass
class Gateway:
    server: Server
    keys: dict[str, str]
    state_dir: Path

    @property
    def base(self) -> str:
        return self.server.base


def write_models(path: Path, upstream_base: str) -> None:
    models = [
        {
            "name": name,
            "litellm_model": f"openai/{name}",
            "api_base": upstream_base + "/v1",
            "hosting": "eu",
            "retention": "zero",
            "timeout_s": 10,
        }
        for name in FAKE_MODELS
    ]
    models.append({**models[0], "name": "slow", "litellm_model": "openai/slow", "timeout_s": 1})
    models.append({**models[0], "name": "toolong", "litellm_model": "openai/toolong"})
    # The same behaviours through litellm (transport: litellm), so both upstream paths are
    # exercised end to end: openai/ models with an api_base otherwise go direct.
    models += [{**m, "name": f"{m['name']}-litellm", "transport": "litellm"}
               for m in list(models)
               if m["name"] in ("echo", "tools", "fail500", "malformed", "endless", "slow",
                                "toolong", "badtools")]
    models.append({**models[0], "name": "only-org-b", "orgs": ["org-b"]})
    models.append(
        {"name": "demo", "litellm_model": "gardefou-demo/echo", "hosting": "self_hosted",
         "retention": "zero"}
    )
    path.write_text(yaml.safe_dump({"models": models}), encoding="utf-8")


@pytest.fixture(scope="session")
def gateway(fake_upstream: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    state = tmp_path_factory.mktemp("gateway-state")
    models = state / "models.yaml"
    write_models(models, fake_upstream.base)
    store = FileKeyStore(state / "keys.json")
    keys = {}
    for name, org, role in [
        ("staff", "org-a", Role.STAFF),
        # for the litellm-path twins of the tests, so the suite stays under the default
        # policy's per-key quota (20 requests a minute)
        ("staff_litellm", "org-a", Role.STAFF),
        ("staff_b", "org-b", Role.STAFF),
        # for the request-field and malformed-answer tests (tests/e2e/test_request_fields.py)
        ("staff_fields", "org-a", Role.STAFF),
        ("manager", "org-a", Role.MANAGER),
        ("admin", "org-a", Role.ADMIN),
    ]:
        key, record = mint_key(org, "equipe-1", role)
        store.put(record)
        keys[name] = key
    from tests.e2e.test_frontend_http import frontend_setup

    frontend_env = frontend_setup(state, store, keys)  # its own org, policy and directory
    port = free_port()
    env = {
        "GARDEFOU_STATE_DIR": str(state),
        "GARDEFOU_MODELS_FILE": str(models),
        "GARDEFOU_PORT": str(port),
        "GARDEFOU_LOG_LEVEL": "info",
        **frontend_env,
    }
    server = start_server(["-m", "gateway.cli", "serve"], env, state / "gateway.log", "/readyz", port)
    yield Gateway(server, keys, state)
    server.stop()


def upstream_requests(upstream: Server) -> list[dict]:
    with urllib.request.urlopen(upstream.base + "/_requests") as response:
        return json.loads(response.read())


def upstream_state(upstream: Server) -> dict:
    with urllib.request.urlopen(upstream.base + "/_state") as response:
        return json.loads(response.read())
