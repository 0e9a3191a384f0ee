"""The direct path to OpenAI-compatible servers: one pooled HTTP client, no translation.

A model declared as ``openai/<name>`` with an ``api_base`` (vLLM, Ollama, llama.cpp, TGI, a
provider's OpenAI endpoint) already speaks the wire format staff clients speak, so there
is nothing for litellm to translate. Going through litellm there costs about 8 ms of CPU
per request and about 1 ms per streamed chunk (its logging, cost and response-rebuilding
machinery; see bench/README.md), which on a small machine is most of the gateway's budget
and, while streams are relayed, delays every other request's first token. This module
posts the already-redacted body itself and parses the SSE stream line by line. Every other
provider, and any model declared with ``transport: litellm``, still goes through litellm.

Error messages never quote the provider's response body: a provider may echo the prompt.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from gateway.catalog import ModelSpec
from gateway.errors import GatewayError, InvalidRequest, UpstreamError, UpstreamTimeout

PREFIX = "openai/"
_RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
_BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)
_MAX_ERROR_BODY = 64 * 1024


def serves(spec: ModelSpec) -> bool:
    """Whether ``spec`` takes the direct path: an OpenAI-compatible route with its own
    ``api_base``, not forced through litellm."""
    return (spec.transport == "auto" and spec.api_base is not None
            and spec.litellm_model.startswith(PREFIX))


class DirectTransport:
    """Chat completions against OpenAI-compatible servers over one connection pool."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # Created on first use so it binds to the serving event loop, not the import-time one.
        if self._client is None:
            self._client = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=512, max_keepalive_connections=128),
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        """Close pooled connections (at shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _request(self, spec: ModelSpec, messages: list[dict[str, Any]],
                 params: dict[str, Any], stream: bool) -> httpx.Request:
        body = {**params, "model": spec.litellm_model[len(PREFIX):], "messages": messages}
        if stream:
            body["stream"] = True
        key = spec.resolved_api_key() or "none"  # local servers often need no key
        assert spec.api_base is not None
        return self._http().build_request(
            "POST",
            spec.api_base.rstrip("/") + "/chat/completions",
            content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                     "Accept": "text/event-stream" if stream else "application/json"},
            timeout=httpx.Timeout(spec.timeout_s),
        )

    async def complete(self, spec: ModelSpec, messages: list[dict[str, Any]],
                       params: dict[str, Any]) -> dict[str, Any]:
        """The provider's ``chat.completion`` body as a dict; retried ``spec.max_retries``
        times on transient errors, within ``spec.timeout_s`` per attempt."""
        for attempt in range(spec.max_retries + 1):
            try:
                async with asyncio.timeout(spec.timeout_s):
                    response = await self._http().send(self._request(spec, messages, params, False))
                    data = await response.aread()
            except (TimeoutError, httpx.TimeoutException):
                error: GatewayError = _timeout(spec)
            except httpx.TransportError:
                error = _unreachable(spec)
            else:
                if response.status_code == 200:
                    try:
                        body = json.loads(data)
                    except ValueError:
                        raise _malformed(spec) from None
                    if isinstance(body, dict) and isinstance(body.get("choices"), list):
                        return body
                    raise _malformed(spec)
                error = _status_error(spec, response.status_code, data)
                if response.status_code not in _RETRY_STATUSES:
                    raise error
            if attempt < spec.max_retries:
                await asyncio.sleep(_BACKOFF_S[attempt])
        raise error

    async def open_stream(self, spec: ModelSpec, messages: list[dict[str, Any]],
                          params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """An iterator of the provider's ``chat.completion.chunk`` dicts, opened (status
        checked, retried like ``complete``) before it is returned. Closing it closes the
        connection, which is how a client disconnect cancels the provider's generation."""
        for attempt in range(spec.max_retries + 1):
            try:
                async with asyncio.timeout(spec.timeout_s):
                    response = await self._http().send(
                        self._request(spec, messages, params, True), stream=True)
            except (TimeoutError, httpx.TimeoutException):
                error: GatewayError = _timeout(spec)
            except httpx.TransportError:
                error = _unreachable(spec)
            else:
                if response.status_code == 200:
                    return _chunks(spec, response)
                try:
                    data = await _bounded_read(response)
                finally:
                    await response.aclose()
                error = _status_error(spec, response.status_code, data)
                if response.status_code not in _RETRY_STATUSES:
                    raise error
            if attempt < spec.max_retries:
                await asyncio.sleep(_BACKOFF_S[attempt])
        raise error


async def _chunks(spec: ModelSpec, response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Server-sent events → chunk dicts; ``[DONE]`` or the end of the body ends the stream."""
    try:
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue  # blank separators, comments (« : ping »), event names
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            try:
                chunk = json.loads(payload)
            except ValueError:
                raise _malformed(spec) from None
            if not isinstance(chunk, dict):
                raise _malformed(spec)
            if "error" in chunk and "choices" not in chunk:
                raise UpstreamError(
                    f"Le fournisseur du modèle « {spec.name} » a interrompu sa réponse par une "
                    "erreur.", code="upstream_error")
            yield chunk
    except httpx.TimeoutException:
        raise _timeout(spec) from None
    except httpx.TransportError:
        raise UpstreamError(
            f"La connexion au modèle « {spec.name} » a été coupée pendant la réponse.",
            code="upstream_error") from None
    finally:
        await response.aclose()


async def _bounded_read(response: httpx.Response) -> bytes:
    """At most 64 KiB of an error body: enough to read an error code, never a flood."""
    data = bytearray()
    async for piece in response.aiter_bytes():
        data.extend(piece)
        if len(data) >= _MAX_ERROR_BODY:
            break
    return bytes(data)


def _status_error(spec: ModelSpec, status: int, data: bytes) -> GatewayError:
    """A provider's non-200 answer as a gateway error, as ``upstream._map_error`` maps
    litellm's: the body is read for its error code only, never quoted."""
    name = spec.name
    if status in (400, 422):
        if _error_code(data) == "context_length_exceeded":
            return InvalidRequest(f"La conversation est trop longue pour le modèle « {name} ».")
        return InvalidRequest(f"Le modèle « {name} » a refusé la requête comme invalide.")
    if status in (408, 504):
        return _timeout(spec)
    return UpstreamError(
        f"Le fournisseur du modèle « {name} » a répondu par une erreur (HTTP {status}).",
        code="upstream_error",
    )


def _error_code(data: bytes) -> str | None:
    try:
        error = json.loads(data).get("error")
    except (ValueError, AttributeError):
        return None
    return error.get("code") if isinstance(error, dict) else None


def _timeout(spec: ModelSpec) -> UpstreamTimeout:
    return UpstreamTimeout(f"Le modèle « {spec.name} » n'a pas répondu à temps.")


def _unreachable(spec: ModelSpec) -> UpstreamError:
    return UpstreamError(f"Le modèle « {spec.name} » est injoignable.", code="upstream_error")


def _malformed(spec: ModelSpec) -> UpstreamError:
    return UpstreamError(
        f"Le fournisseur du modèle « {spec.name} » a renvoyé une réponse illisible.",
        code="upstream_error",
    )
