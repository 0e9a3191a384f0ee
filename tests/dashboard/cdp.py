"""Headless Debian ``chromium`` driven over the DevTools protocol (aiohttp's WebSocket client,
no extra dependency): enough to click, fill a form and follow a sign-in across two servers,
which ``--dump-dom`` alone cannot do."""

from __future__ import annotations

import base64
import itertools
import json
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.dashboard.browser import CHROMIUM_FLAGS, chromium


class Page:
    """One tab: navigate, evaluate JavaScript, wait for a condition, take a screenshot."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        await self._ws.send_json({"id": ident, "method": method, "params": params})
        while True:  # events are skipped: we poll the page's state instead
            message = json.loads((await self._ws.receive()).data)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result") or {})

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression,
                                 returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout_s: float = 30) -> Any:
        """Poll ``expression`` until it is truthy (navigation in between is fine)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                value = await self.evaluate(expression)
            except RuntimeError:  # the context went away mid-navigation
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                url = await self.evaluate("location.href")
                raise TimeoutError(f"{expression!r} still false at {url}")
            await _sleep(0.2)

    async def screenshot(self, path: Path) -> Path:
        data = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


@asynccontextmanager
async def browser_page(size: str = "1280,1600") -> AsyncIterator[Page]:
    """A fresh chromium (own profile: no cookies shared between tests) and one tab."""
    exe = chromium()
    assert exe, "chromium is not installed (apt-get install -y chromium)"
    # chromium's helper processes may still write to the profile while it is removed
    with tempfile.TemporaryDirectory(prefix="gf-cdp-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            port = None
            assert proc.stderr is not None
            for line in proc.stderr:  # chromium prints its DevTools address first
                found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
                if found:
                    port = int(found.group(1))
                    break
            assert port, "chromium did not open its DevTools port"
            # keep draining its log so that chromium never blocks on a full pipe
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
                async with http.ws_connect(page_url, max_msg_size=0) as ws:
                    page = Page(ws)
                    await page.send("Page.enable")
                    yield page
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
