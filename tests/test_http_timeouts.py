"""A client that never finishes its request headers is disconnected: a real uvicorn server
(both HTTP/1.1 protocols) over real sockets, with a short deadline for the test."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn

from gateway.cli.serve import server_limits
from gateway.http_timeouts import H11HeaderTimeout, HttpToolsHeaderTimeout, protocol_class
from tests.conftest import free_port


async def _app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


@pytest.mark.parametrize("protocol", [H11HeaderTimeout, HttpToolsHeaderTimeout])
async def test_slow_headers_are_cut_and_whole_requests_served(protocol: type) -> None:
    class Short(protocol):  # type: ignore[misc, valid-type]
        header_timeout_s = 0.3

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_app, host="127.0.0.1", port=port, http=Short,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        def clients() -> tuple[bytes, bytes, bytes]:
            with socket.create_connection(("127.0.0.1", port)) as silent, \
                    socket.create_connection(("127.0.0.1", port)) as slow, \
                    socket.create_connection(("127.0.0.1", port)) as normal:
                for sock in (silent, slow, normal):
                    sock.settimeout(20)  # a safety net, far above the deadline
                slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never ends its headers
                normal.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return _read_until_closed(silent), _read_until_closed(slow), _read_until_closed(normal)

        silent, slow, normal = await asyncio.to_thread(clients)
    finally:
        server.should_exit = True
        await task
    assert silent == b"" and slow == b""  # closed by the server, nothing answered
    assert normal.startswith(b"HTTP/1.1 200") and b"ok" in normal


def test_serve_uses_the_header_deadline() -> None:
    options = server_limits()
    assert options["http"] is protocol_class()
    assert issubclass(options["http"], (H11HeaderTimeout, HttpToolsHeaderTimeout))
    assert options["timeout_keep_alive"] <= 5
