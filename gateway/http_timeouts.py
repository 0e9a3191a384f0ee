"""uvicorn protocols with a deadline on request headers.

uvicorn (0.55) has no header read timeout: a client that opens a connection and sends its
headers slowly, or not at all, holds it forever (200 such idle connections were held in the
2026-12-03 red-team pass). These subclasses of uvicorn's two HTTP/1.1 protocols close a
connection whose request line and headers have not all arrived within
:data:`HEADER_TIMEOUT_S` of the connection opening or of the request's first byte. Idle time
*between* requests is uvicorn's own keep-alive timeout; slow bodies are bounded by the
body-size limit of the chat route.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_S = 10.0


class _HeaderDeadline:
    """The timer shared by both protocols (``loop`` and ``transport`` are theirs)."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _arm_header_deadline(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class H11HeaderTimeout(_HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with the header deadline."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._arm_header_deadline()  # a request has begun, its headers are incomplete
        else:
            self._disarm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)


class HttpToolsHeaderTimeout(_HeaderDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol (the faster one, used when installed) with the header
    deadline."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)


def protocol_class() -> type:
    """The protocol uvicorn should use: httptools when installed, else h11."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return H11HeaderTimeout
    return HttpToolsHeaderTimeout
