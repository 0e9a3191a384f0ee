"""Headless Debian ``chromium`` against the dashboard, and a demo server to point it at.

``python -m tests.dashboard.browser --out docs/img`` seeds a simulated month (several teams,
one of 3 people), serves the dashboard on 127.0.0.1 and saves screenshots: that is how the
images in ``docs/img/dashboard-*.png`` are made.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from gateway.auth import MemoryKeyStore, mint_key
from gateway.catalog import demo_catalog
from gateway.services import Services
from gateway.settings import Settings
from gateway.types import Role
from gateway.usage.recorder import UsageRecorder, impact_for
from gateway.usage.simulate import MODELS, month_of_traffic
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.conftest import free_port, wait_http

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-dev-shm-usage", "--hide-scrollbars",
)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class BrowserResult:
    dom: str
    console: str  # chromium's stderr, with console messages


def run_chromium(url: str, *, screenshot: Path | None = None, size: str = "1280,2200",
                 budget_ms: int = 8000) -> BrowserResult:
    """Load ``url`` (scripts and fetches run within a virtual-time budget); return the DOM
    after scripts ran and the console log; optionally save a PNG screenshot."""
    exe = chromium()
    assert exe, "chromium is not installed (apt-get install -y chromium)"
    with tempfile.TemporaryDirectory(prefix="gf-chromium-", ignore_cleanup_errors=True) as profile:
        base = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}", "--enable-logging=stderr", "--v=0",
                f"--window-size={size}"]
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True,
                             timeout=120, check=False)
        if screenshot is not None:
            subprocess.run([*base, f"--screenshot={screenshot}", url], capture_output=True,
                           timeout=120, check=True)
    return BrowserResult(dom.stdout, dom.stderr)


def page_text(dom: str) -> str:
    """What a reader sees of the page: the DOM without hidden elements, scripts, styles,
    tags, nor the « Données JSON » panels (closed by default, they show the raw twin on
    purpose)."""
    dom = re.sub(r"<(\w+)\b[^>]*\shidden\b[^>]*>.*?</\1>", " ", dom, flags=re.DOTALL)
    dom = re.sub(r"<(script|style|details)\b.*?</\1>", " ", dom, flags=re.DOTALL)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))


def console_errors(log: str) -> list[str]:
    """Console errors and uncaught exceptions from chromium's log."""
    return [line for line in log.splitlines()
            if "CONSOLE" in line and ("Error" in line or "Uncaught" in line or "ERROR" in line)]


def png_stats(path: Path) -> tuple[int, int, int]:
    """(width, height, number of distinct colours): enough to tell a chart from a blank page.
    A tiny PNG decoder (8-bit RGB/RGBA, no interlace) so the tests need no imaging library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours, i = bytearray(stride), set(), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp * 7))
        prev = line
    return width, height, len(colours)


@dataclass
class DemoServer:
    base: str
    manager_key: str
    staff_key: str
    other_org_key: str


async def seed(store: SQLiteUsageStore, month: str) -> int:
    """A simulated month in ``store`` (plus a little traffic from another org)."""
    # A past month, simulated: no retention purge (it would remove a month older than a year).
    recorder = UsageRecorder(store, b"test-salt", impact=impact_for({m.name: m for m in MODELS}.get),
                             housekeeping_s=None)
    n = 0
    for item in month_of_traffic(month):
        await recorder.record(item.event, item.principal)
        n += 1
    for item in month_of_traffic(month, org="autre-asso", seed=3, teams={"equipe-a": 9}):
        await recorder.record(item.event, item.principal)
    return n


def demo_app(state: Path, month: str | None,
             settings: Settings | None = None) -> tuple[FastAPI, DemoServer]:
    """The dashboard's routes over a store seeded with ``month`` (None: a fresh install,
    started with ``--demo``: no usage at all, and the demo organisation's simulated month)."""
    from gateway import sso
    from gateway.api import usage as usage_api
    from gateway.app import _install_error_handlers
    from gateway.dashboard import routes
    from gateway.guide import routes as guide
    from gateway.policy import PolicyStore

    store = SQLiteUsageStore(state / "usage.sqlite3")
    if month is not None:
        asyncio.run(seed(store, month))
    keys = MemoryKeyStore()
    minted = {}
    orgs = ("asso-demo", "autre-asso") if month is not None else ("demo", "nouvelle-asso")
    for name, org, role in [("manager", orgs[0], Role.MANAGER),
                            ("staff", orgs[0], Role.STAFF),
                            ("other", orgs[1], Role.MANAGER)]:
        key, record = mint_key(org, "direction", role)
        keys.put(record)
        minted[name] = key
    settings = settings or Settings(state_dir=state, demo=month is None)
    services = Services(
        settings=settings, catalog=demo_catalog(),
        keys=keys, policies=PolicyStore(None),  # the default policy: its labels are shown
        redactor=None, upstream=None,  # type: ignore[arg-type]
        sso=sso.OidcClient(settings) if settings.sso_issuer else None,
        usage=UsageRecorder(store, b"test-salt", housekeeping_s=None),
    )
    app = FastAPI()
    app.state.services = services
    _install_error_handlers(app)
    app.include_router(routes.router)
    app.include_router(usage_api.router)
    app.include_router(guide.router)
    app.include_router(sso.router)
    return app, DemoServer("", minted["manager"], minted["staff"], minted["other"])


@contextmanager
def serve(state: Path, month: str | None, settings: Settings | None = None,
          port: int | None = None) -> Iterator[DemoServer]:
    """The dashboard on 127.0.0.1 (uvicorn in a thread), seeded with a simulated month."""
    app, demo = demo_app(state, month, settings)
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    demo.base = f"http://127.0.0.1:{port}"
    try:
        wait_http(demo.base + "/dashboard", timeout_s=30)
        yield demo
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--month", default="2025-03")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp), args.month) as demo:
        period = f"from={args.month}&to={args.month}"
        shots = {
            "dashboard-organisation.png": f"/dashboard?{period}#cle={demo.manager_key}",
            "dashboard-equipe.png": f"/dashboard?{period}&team=hebergement#cle={demo.manager_key}",
        }
        for name, path in shots.items():
            started = time.monotonic()
            result = run_chromium(demo.base + path, screenshot=args.out / name)
            print(name, png_stats(args.out / name), f"{time.monotonic() - started:.1f}s",
                  "errors:", console_errors(result.console))


if __name__ == "__main__":
    main()
