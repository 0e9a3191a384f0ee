"""``gardefou serve --demo`` (what ``make run`` starts): the demo key is created once and kept,
no other key is ever revoked, one instance per state directory, and the banner's examples
paste and run as printed against the live gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.auth import FileKeyStore, authenticate, mint_key, revoke
from gateway.cli.serve import DEMO_ORG, DEMO_TEAM, ensure_demo_key
from gateway.settings import load_settings
from gateway.statelock import StateDirBusy, acquire
from gateway.types import Role
from tests.conftest import ROOT, Server, free_port, start_server


def test_the_demo_key_is_created_once_and_no_other_key_is_revoked(tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path)
    store = FileKeyStore(settings.keys_path)
    others = {}
    for role in (Role.MANAGER, Role.RESEARCHER, Role.ADMIN, Role.STAFF):
        key, record = mint_key(DEMO_ORG, DEMO_TEAM, role)
        store.put(record)
        others[role] = key

    first = ensure_demo_key(settings)
    again = ensure_demo_key(settings)
    assert (first.status, again.status) == ("created", "kept")
    assert again.key == first.key
    assert (tmp_path / "demo-key").stat().st_mode & 0o777 == 0o600
    assert all(r.revoked_at is None for r in store.all())
    for key in others.values():
        authenticate(f"Bearer {key}", store)

    revoke(store, first.key_id)  # an operator revoked it: a new one, said so
    reissued = ensure_demo_key(settings)
    assert reissued.status == "reissued" and reissued.key != first.key
    assert authenticate(f"Bearer {reissued.key}", store).org == DEMO_ORG
    for key in others.values():
        authenticate(f"Bearer {key}", store)


def test_the_state_directory_is_locked_once(tmp_path: Path) -> None:
    held = acquire(tmp_path)
    with pytest.raises(StateDirBusy) as busy:
        acquire(tmp_path)
    assert str(os.getpid()) in busy.value.message()
    assert "GARDEFOU_STATE_DIR" in busy.value.message()
    held.release()
    acquire(tmp_path).release()  # free again once the holder is gone


def _serve(state: Path, port: int, name: str) -> Server:
    env = {"GARDEFOU_STATE_DIR": str(state), "GARDEFOU_PORT": str(port)}
    return start_server(["-m", "gateway.cli", "serve", "--demo"], env, state / name, "/readyz",
                        port)


def _banner(log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "Garde-fou est prêt" in text and "print(reply" in text:
            return text[text.rindex("Garde-fou est prêt"):]
        time.sleep(0.2)
    raise AssertionError(log.read_text(errors="replace")[-3000:])


def _key(banner: str) -> str:
    keys = [line for line in banner.splitlines() if line.startswith("gf_")]
    assert len(keys) == 1, banner
    return keys[0]


def _example(banner: str, first_word: str) -> str:
    """The paragraph of the banner that starts with ``first_word``, exactly as printed."""
    blocks = [b for b in banner.split("\n\n") if b.startswith(first_word)]
    assert len(blocks) == 1, banner
    return blocks[0]


def _snapshot(state: Path) -> dict[str, bytes]:
    """Every file of the state directory but the servers' logs and the live SQLite files."""
    return {str(p.relative_to(state)): p.read_bytes() for p in sorted(state.rglob("*"))
            if p.is_file() and p.suffix != ".log" and "sqlite3" not in p.name}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, str]]:
    state = tmp_path_factory.mktemp("demo-state")
    port = free_port()
    first = _serve(state, port, "first.log")
    first_key = _key(_banner(first.log))
    first.stop()
    server = _serve(state, port, "second.log")  # a restart
    yield server, state, first_key
    server.stop()


def test_a_restart_keeps_the_demo_key(demo) -> None:
    server, state, first_key = demo
    banner = _banner(server.log)
    assert _key(banner) == first_key
    assert "la même à chaque démarrage" in banner
    log = server.log.read_text(errors="replace")
    assert f"Dossier d'état : {state}" in log and "Démarrage : chargement" in log
    records = json.loads((state / "keys.json").read_text())["keys"]
    assert len(records) == 1 and records[0]["revoked_at"] is None


def test_the_banner_examples_paste_and_run(demo) -> None:
    server, _, _ = demo
    banner = _banner(server.log)
    python = _example(banner, "from openai")
    assert all(not line.startswith((" ", "\t")) for line in python.splitlines())
    answer = subprocess.run([sys.executable, "-c", python], capture_output=True, text=True,
                            timeout=60, check=True).stdout
    assert "Fatou" not in answer and "PERSONNE_1" in answer, answer

    curl = _example(banner, "curl ")
    raw = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    body = json.loads(raw)
    content = body["choices"][0]["message"]["content"]
    assert "Fatou" not in content and "PERSONNE_1" in content, raw[:500]


def test_a_second_instance_stops_before_touching_anything(demo) -> None:
    server, state, first_key = demo
    before = _snapshot(state)
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(state), "GARDEFOU_PORT": str(free_port())}
    second = subprocess.run([sys.executable, "-m", "gateway.cli", "serve", "--demo"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "une autre instance de Garde-fou utilise déjà le dossier d'état" in second.stderr
    assert str(state) in second.stderr and "prêt" not in second.stdout
    after = _snapshot(state)
    assert after == before
    # The running gateway still accepts its key.
    from openai import OpenAI

    client = OpenAI(base_url=server.base + "/v1", api_key=first_key)
    assert client.models.list().data


def test_a_taken_port_is_said_before_any_key_is_made(demo, tmp_path: Path) -> None:
    server, _, _ = demo
    port = server.base.rsplit(":", 1)[1]
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(tmp_path), "GARDEFOU_PORT": port}
    other = subprocess.run([sys.executable, "-m", "gateway.cli", "serve", "--demo"], env=env,
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert other.returncode == 1 and f"le port {port}" in other.stderr
    assert not (tmp_path / "keys.json").exists() and not (tmp_path / "demo-key").exists()
