"""The direct path to OpenAI-compatible servers: one pooled HTTP client, no translation.

A model declared as ``openai/<name>`` with an ``api_base`` (vLLM, Ollama, llama.cpp, TGI, a
provider's OpenAI endpoint) already speaks the wire format staff clients speak, so there
is nothing for litellm to translate. Going through litellm there costs about 6 ms of CPU
per request and about 0.7 ms per streamed chunk (its logging, cost and response-rebuilding
machinery; see bench/README.md), which on a small machine is most of the gateway's budget
and, while streams are relayed, delays every other request's first token. This module
posts the already-redacted body itself and parses the SSE stream line by line. Every other
provider, and any model declared with ``transport: litellm``, still goes through litellm.

Error messages never quote the provider's response body: a provider may echo the prompt.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

import aiohttp

from gateway.catalog import ModelSpec
from gateway.errors import GatewayError
from gateway.upstream.errors import HTTP_STATUSES, RETRY_STATUSES, Failure, failure
from gateway.upstream.transport import Chunks, Messages, Params

PREFIX = "openai/"
_BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)
_MAX_ERROR_BODY = 64 * 1024
_MAX_BODY = 32 * 1024 * 1024  # a whole non-streamed answer
_TOO_LONG = re.compile(r"context[ _](?:length|window|size)|maximum context|too many tokens|"
                       r"prompt is too long|input is too long|input validation error: "
                       r"`inputs` tokens", re.IGNORECASE)
_MAX_EVENT_BYTES = 16 * 1024 * 1024  # one SSE line; a provider sending more is broken


def serves(spec: ModelSpec) -> bool:
    """Whether ``spec`` takes the direct path: an OpenAI-compatible route with its own
    ``api_base``, not forced through litellm."""
    return (spec.transport == "auto" and spec.api_base is not None
            and spec.litellm_model.startswith(PREFIX))


class DirectTransport:
    """Chat completions against OpenAI-compatible servers over one connection pool.

    aiohttp rather than httpx: under 32 concurrent requests httpx's pool spent a fifth of the
    gateway's CPU checking every pooled connection for expiry on each request (py-spy,
    bench/README.md); aiohttp is already installed as a litellm dependency."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def serves(self, spec: ModelSpec) -> bool:
        """See :func:`serves`."""
        return serves(spec)

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use so it binds to the serving event loop, not the import-time one.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # shorter than the 5 s keep-alive of uvicorn-based servers (vLLM…), so a
                # pooled connection is never reused just as the server closes it
                connector=aiohttp.TCPConnector(limit=512, limit_per_host=0,
                                               keepalive_timeout=4),
                # not trust_env: it reads ~/.netrc on every request (in the thread pool that
                # redaction uses); proxies come from the environment once per base, below
                trust_env=False,
            )
        return self._session

    async def aclose(self) -> None:
        """Close pooled connections (at shutdown)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, spec: ModelSpec, messages: Messages, params: Params,
                    stream: bool) -> aiohttp.ClientResponse:
        body = {**params, "model": spec.litellm_model[len(PREFIX):], "messages": messages}
        if stream:
            body["stream"] = True
        key = spec.resolved_api_key() or "none"  # local servers often need no key
        assert spec.api_base is not None
        return await self._http().post(
            spec.api_base.rstrip("/") + "/chat/completions",
            proxy=_proxy_for(spec.api_base),
            # ASCII escapes: a lone surrogate from a client stays valid JSON, never a crash
            data=json.dumps(body).encode("ascii"),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                     "Accept": "text/event-stream" if stream else "application/json"},
            # connect and each read within the model's timeout; `complete` also bounds the
            # whole call, a stream may last as long as the model keeps sending
            timeout=aiohttp.ClientTimeout(total=None, connect=spec.timeout_s,
                                          sock_read=spec.timeout_s),
            allow_redirects=False,
        )

    async def complete(self, spec: ModelSpec, messages: Messages,
                       params: Params) -> dict[str, Any]:
        """The provider's ``chat.completion`` body as a dict; retried ``spec.max_retries``
        times on transient errors, within ``spec.timeout_s`` per attempt."""
        for attempt in range(spec.max_retries + 1):
            try:
                async with asyncio.timeout(spec.timeout_s):
                    response = await self._post(spec, messages, params, False)
                    async with response:
                        status = response.status
                        limit = _MAX_BODY if status == 200 else _MAX_ERROR_BODY
                        data = await _read_bounded(response, limit)
            except TimeoutError:
                error: GatewayError = _timeout(spec)
            except aiohttp.ClientError:
                error = _unreachable(spec)
            else:
                if status == 200:
                    if len(data) > _MAX_BODY:
                        raise _malformed(spec)
                    try:
                        body = json.loads(data)
                    except (ValueError, RecursionError):
                        raise _malformed(spec) from None
                    if isinstance(body, dict) and isinstance(body.get("choices"), list):
                        return body
                    raise _malformed(spec)
                error = _status_error(spec, status, data)
                if status not in RETRY_STATUSES:
                    raise error
            if attempt < spec.max_retries:
                await asyncio.sleep(_BACKOFF_S[attempt])
        raise error

    async def open_stream(self, spec: ModelSpec, messages: Messages,
                          params: Params) -> Chunks:
        """An iterator of the provider's ``chat.completion.chunk`` dicts, opened (status
        checked, retried like ``complete``) before it is returned. Closing it closes the
        connection, which is how a client disconnect cancels the provider's generation."""
        for attempt in range(spec.max_retries + 1):
            try:
                async with asyncio.timeout(spec.timeout_s):
                    response = await self._post(spec, messages, params, True)
            except TimeoutError:
                error: GatewayError = _timeout(spec)
            except aiohttp.ClientError:
                error = _unreachable(spec)
            else:
                if response.status == 200 and response.content_type == "text/event-stream":
                    return _chunks(spec, response)
                try:
                    async with asyncio.timeout(spec.timeout_s):
                        data = await _read_bounded(response, _MAX_ERROR_BODY)
                except (TimeoutError, aiohttp.ClientError):
                    data = b""
                finally:
                    response.close()
                if response.status == 200:
                    # a JSON answer or error where a stream was asked for: nothing to relay
                    raise _malformed(spec)
                error = _status_error(spec, response.status, data)
                if response.status not in RETRY_STATUSES:
                    raise error
            if attempt < spec.max_retries:
                await asyncio.sleep(_BACKOFF_S[attempt])
        raise error


async def _chunks(spec: ModelSpec, response: aiohttp.ClientResponse) -> Chunks:
    """Server-sent events → chunk dicts. ``[DONE]`` ends the stream; so does the end of the
    body after a choice has finished (servers that omit ``[DONE]``). A body that ends before
    that, an error event, or ``timeout_s`` without a data event (keep-alive pings only) is an
    error: the client must not take half an answer for a whole one."""
    loop = asyncio.get_running_loop()
    last_data = loop.time()
    events = 0
    finished_choice = done = False
    try:
        async for line in _lines(spec, response):
            if line.startswith((b"error:", b"event: error", b"event:error")):
                raise _stream_error(spec)
            if not line.startswith(b"data:"):
                # blank separators, comments (« : ping »), other event names
                if loop.time() - last_data > spec.timeout_s:
                    raise _timeout(spec)
                continue
            last_data = loop.time()
            payload = line[5:].strip()
            if payload == b"[DONE]":
                done = True
                return
            try:
                chunk = json.loads(payload)
            except (ValueError, RecursionError):
                raise _malformed(spec) from None
            if not isinstance(chunk, dict):
                raise _malformed(spec)
            if ("error" in chunk and "choices" not in chunk) or chunk.get("object") == "error":
                raise _stream_error(spec)
            events += 1
            choices = chunk.get("choices")
            if isinstance(choices, list) and any(
                    isinstance(c, dict) and c.get("finish_reason") for c in choices):
                finished_choice = True
            yield chunk
        if not events:
            raise _malformed(spec)  # a 200 stream with nothing in it
        if not finished_choice:
            raise _cut(spec)
        done = True
    except TimeoutError:
        raise _timeout(spec) from None
    except aiohttp.ClientError:
        raise _cut(spec) from None
    finally:
        if done:
            response.release()  # fully read: the connection may go back to the pool
        else:
            response.close()  # cut short: close it, so the provider stops generating


async def _lines(spec: ModelSpec, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body's lines (``\\n`` or ``\\r\\n``), however the network cuts it."""
    pending = b""
    async for piece in response.content.iter_any():
        pending += piece
        if b"\n" not in piece:
            if len(pending) > _MAX_EVENT_BYTES:
                raise _malformed(spec)
            continue
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r")
    if pending:
        yield pending.rstrip(b"\r")


@lru_cache(maxsize=64)
def _proxy_for(api_base: str) -> str | None:
    """The HTTP(S)_PROXY that applies to ``api_base`` (NO_PROXY respected), read once."""
    url = urllib.parse.urlsplit(api_base)
    if url.hostname is None or urllib.request.proxy_bypass(url.hostname):
        return None
    return urllib.request.getproxies().get(url.scheme)


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most ``limit`` bytes of a body (one more when it is longer): enough to read an
    error code or an answer, never a flood held in memory."""
    data = bytearray()
    async for piece in response.content.iter_any():
        data.extend(piece)
        if len(data) > limit:
            break
    return bytes(data[: limit + 1])


def _status_error(spec: ModelSpec, status: int, data: bytes) -> GatewayError:
    """A provider's non-200 answer as a gateway error (:data:`HTTP_STATUSES`): the body is
    read for its error code only, never quoted."""
    kind = HTTP_STATUSES.get(status, Failure.PROVIDER)
    if kind is Failure.INVALID and _too_long(data):
        kind = Failure.TOO_LONG
    return failure(kind, spec, status if kind is Failure.PROVIDER else None)


def _too_long(data: bytes) -> bool:
    """Whether an error body says the conversation exceeds the context window: OpenAI's
    code, or the wording of vLLM, llama.cpp, TGI and others (read, never quoted)."""
    try:
        error = json.loads(data)
    except (ValueError, RecursionError):
        return bool(_TOO_LONG.search(data[:_MAX_ERROR_BODY].decode("utf-8", "replace")))
    if isinstance(error, dict) and isinstance(error.get("error"), dict):
        error = error["error"]
    elif isinstance(error, dict) and isinstance(error.get("error"), str):
        error = {"message": error["error"]}  # TGI: {"error": "…", "error_type": "…"}
    if not isinstance(error, dict):
        return False
    return error.get("code") == "context_length_exceeded" or bool(
        _TOO_LONG.search(str(error.get("message") or "")))


def _stream_error(spec: ModelSpec) -> GatewayError:
    return failure(Failure.STREAM_ERROR, spec)


def _cut(spec: ModelSpec) -> GatewayError:
    return failure(Failure.CUT, spec)


def _timeout(spec: ModelSpec) -> GatewayError:
    return failure(Failure.TIMEOUT, spec)


def _unreachable(spec: ModelSpec) -> GatewayError:
    return failure(Failure.UNREACHABLE, spec)


def _malformed(spec: ModelSpec) -> GatewayError:
    return failure(Failure.MALFORMED, spec)
