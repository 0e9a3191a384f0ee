"""A real `gardefou serve` with one analysis process: when that process hangs, the request
is refused (503, content-free) and nothing reaches the provider; the pool replaces the
process and the next request is served."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.auth import FileKeyStore, mint_key
from gateway.types import Role
from tests.conftest import Server, free_port, start_server
from tests.e2e.conftest import upstream_requests, write_models

NAME = "Eulalie Vandercruysse"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.fixture
def one_worker_gateway(fake_upstream: Server, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    write_models(tmp_path / "models.yaml", fake_upstream.base)
    key, record = mint_key("org-pool", "equipe", Role.STAFF)
    FileKeyStore(tmp_path / "keys.json").put(record)
    port = free_port()
    env = {"GARDEFOU_STATE_DIR": str(tmp_path), "GARDEFOU_MODELS_FILE": str(tmp_path / "models.yaml"),
           "GARDEFOU_PORT": str(port), "GARDEFOU_ANALYSIS_WORKERS": "1",
           "GARDEFOU_ANALYSIS_TIMEOUT_S": "1"}
    server = start_server(["-m", "gateway.cli", "serve"], env, tmp_path / "gw.log", "/readyz", port)
    yield server, key
    server.stop()


def test_a_hung_analysis_process_fails_closed_and_is_replaced(
    one_worker_gateway: tuple[Server, str], fake_upstream: Server
) -> None:
    server, key = one_worker_gateway
    [worker] = _children(server.proc.pid)
    seen = len(upstream_requests(fake_upstream))
    body = {"model": "echo", "messages": [
        {"role": "user", "content": f"Mets au propre : entretien avec Mme {NAME} ce matin."}]}
    headers = {"Authorization": f"Bearer {key}"}
    os.kill(worker, signal.SIGSTOP)  # hung: the pool kills it when the job overruns
    try:
        refused = httpx.post(server.base + "/v1/chat/completions", json=body, headers=headers,
                             timeout=30)
    finally:
        if os.path.exists(f"/proc/{worker}"):
            os.kill(worker, signal.SIGCONT)
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "redaction_failed"
    assert "Vandercruysse" not in refused.text
    assert len(upstream_requests(fake_upstream)) == seen  # nothing was sent
    served = httpx.post(server.base + "/v1/chat/completions", json=body, headers=headers,
                        timeout=30)
    assert served.status_code == 200, served.text
    assert "Vandercruysse" not in str(upstream_requests(fake_upstream)[seen:])
    [replacement] = _children(server.proc.pid)
    assert replacement != worker
    assert "Vandercruysse" not in (server.log.read_text(errors="replace"))
