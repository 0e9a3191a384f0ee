"""A study of fifty simulated organisations, pushed over real HTTP to a real collector.

Built once per test session: ``gardefou usage simulate --organisations 50`` writes the
exports (straight from simulated workers, no event store), each organisation joins the
collector, pushes its three closed months with its own token through
:func:`gateway.usage.push.push` (what ``gardefou export --push`` uses), and the three months
are published.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="pip install 'gardefou[research]'")

import uvicorn  # noqa: E402

from gateway.cli import main as cli  # noqa: E402
from gateway.study import members  # noqa: E402
from gateway.study.app import create_study_app  # noqa: E402
from gateway.study.ingest import publish_month  # noqa: E402
from gateway.study.settings import StudySettings  # noqa: E402
from gateway.usage.push import push  # noqa: E402
from tests.conftest import free_port, wait_http  # noqa: E402

MONTHS = ("2025-01", "2025-02", "2025-03")
N_ORGS = 50


@dataclass
class Study:
    base: str
    settings: StudySettings
    exports: Path  # the simulated export files (one CSV per organisation)
    profiles: dict[str, dict[str, object]]
    tokens: dict[str, str]
    publications: dict[str, dict[str, object]]


def serve_study(settings: StudySettings) -> Iterator[str]:
    """The collector on 127.0.0.1 (uvicorn in a thread); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_study_app(settings), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", timeout_s=30)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def simulate_and_push(root: Path) -> Iterator[Study]:
    exports = root / "exports"
    assert cli(["usage", "simulate", "--organisations", str(N_ORGS), "--from", MONTHS[0],
                "--to", MONTHS[-1], "--out", str(exports)]) == 0
    profiles = json.loads((exports / "organisations.json").read_text())
    settings = StudySettings(data_dir=root / "collecteur")
    tokens = {org: members.join(settings.members_file, org, p["secteur"], p["taille"],
                                p["region"]) for org, p in profiles.items()}
    for base in serve_study(settings):
        for org, token in tokens.items():
            result = push(base, token, (exports / f"{org}.csv").read_bytes(), "csv")
            assert result.status == 201, result.body
            assert result.body["mois"] == list(MONTHS)
        publications = {m: publish_month(settings, m) for m in MONTHS}
        yield Study(base, settings, exports, profiles, tokens, publications)


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Study]:
    yield from simulate_and_push(tmp_path_factory.mktemp("study"))
