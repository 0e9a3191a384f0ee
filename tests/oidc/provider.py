"""The local OpenID provider (tests/oidc/provider.mjs, panva's certified ``oidc-provider``
run by node) as a pytest fixture helper. Its npm dependencies are pinned by package-lock.json
and installed by ``make install-test`` (``npm ci``); installed here too when missing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port, wait_http

HERE = Path(__file__).resolve().parent
CLIENT_ID = "gardefou"
CLIENT_SECRET = "client-secret-of-the-test-provider"


@dataclass
class Provider:
    issuer: str
    log: Path


def node() -> str | None:
    return shutil.which("node")


@contextmanager
def oidc_provider(redirect_uri: str, log: Path) -> Iterator[Provider]:
    """A real OpenID provider on 127.0.0.1 with the test accounts (marie: gf-direction,
    paul: equipe-accueil) and the gateway registered as a confidential client."""
    exe = node()
    assert exe, "node is not installed"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       capture_output=True, timeout=300)
    port = free_port()
    with log.open("wb") as fh:
        proc = subprocess.Popen([exe, str(HERE / "provider.mjs"), str(port), redirect_uri,
                                 CLIENT_SECRET], stdout=fh, stderr=subprocess.STDOUT, cwd=HERE)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_http(issuer + "/.well-known/openid-configuration", timeout_s=60, proc=proc)
        yield Provider(issuer, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
