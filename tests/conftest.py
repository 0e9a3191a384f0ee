"""Shared test helpers: free ports and real subprocess servers on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("GARDEFOU_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def pytest_configure(config: pytest.Config) -> None:
    """The suite never touches the developer's real state directory (by default
    ~/.local/share/gardefou): every test and every server it starts inherits a scratch one,
    unless it sets its own."""
    scratch = tempfile.mkdtemp(prefix="gf-test-state-")
    os.environ["GARDEFOU_STATE_DIR"] = scratch
    config.add_cleanup(lambda: shutil.rmtree(scratch, ignore_errors=True))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout_s: float = 120, proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s}s")


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    log: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(args: list[str], env: dict[str, str], log: Path, ready_path: str, port: int) -> Server:
    fh = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, *args], env={**os.environ, **env}, stdout=fh, stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + ready_path, proc=proc)
    except Exception:
        proc.kill()
        raise RuntimeError(log.read_text(errors="replace")[-4000:]) from None
    return Server(proc, base, log)


def eventually(read: Callable[[], float], at_least: float, timeout_s: float = 10.0) -> float:
    """``read()`` once it has reached ``at_least`` (or at the deadline) and three batch
    periods later. A gateway writes usage behind its answers (``gateway.usage.recorder``:
    batches of 50 ms), so a stored count follows the requests closely, not at once; reading
    again later lets a count that goes past the target (an event written twice) show. The
    caller asserts the exact value."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while value < at_least and time.monotonic() < deadline:
        time.sleep(0.02)
        value = read()
    time.sleep(0.15)
    return read()


def long_note() -> str:
    """A note of several analysis windows (~14,000 characters) whose normalised view is not
    as long as the text (soft hyphens, zero-width spaces, a ligature, a dictated number): a
    name met with a cue in the first window and bare in the last, phone numbers, a table."""
    filler = ("La réunion de synthèse a rappelé les objectifs du projet d'accompagne\u00adment "
              "et les démarches en cours, notamment le dossier de la CAF\u200b. ")
    parts = ["Compte rendu de suivi. Mme Awa KONATÉ, née le 03/05/1979, joignable au "
             "07 61 22 33 44 ou au zéro six douze trente-quatre cinquante-six soixante-dix-huit, "
             "demeurant 5 allée des Tilleuls 69100 Villeurbanne."]
    parts += [filler * 8 + f"Point {i} : le ﬁchier avance." for i in range(12)]
    parts.append("Nom;Prénom;Téléphone\nKONATÉ;Awa;07 61 22 33 44\nTRAORÉ;Issa;06 70 80 90 10")
    parts.append("En conclusion, Konaté souhaite poursuivre l'accompagnement avec Issa.")
    return "\n\n".join(parts)


@pytest.fixture(scope="session")
def base_redactor():  # type: ignore[no-untyped-def]
    """The real redactor, built once per session (spaCy takes seconds to load); fixtures
    that need their own cache take a copy sharing its engine (``dataclasses.replace``)."""
    from gateway.redaction import build_redactor
    from gateway.redaction.cache import MemoryCache

    return build_redactor(cache=MemoryCache(64))


@pytest.fixture(scope="session")
def fake_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("upstream") / "upstream.log"
    server = start_server(
        [str(ROOT / "tests/e2e/fake_upstream.py"), "--port", str(port)], {}, log, "/_state", port
    )
    yield server
    server.stop()
