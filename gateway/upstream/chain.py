"""The fallback chain, written once for every transport: the first model of the chain that
answers serves the request; a provider failure or timeout moves on to the next model, an
invalid request does not. The caller decides which models may serve (org, role, routing:
:func:`gateway.policy.eligible_models`); the chain is never extended here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from gateway.catalog import Catalog, ModelSpec
from gateway.errors import GatewayError
from gateway.upstream.demo import DemoTransport
from gateway.upstream.direct import DirectTransport
from gateway.upstream.errors import falls_back, to_gateway_error
from gateway.upstream.litellm import LitellmTransport
from gateway.upstream.prices import cost_eur
from gateway.upstream.shapes import chunk_dict, completion_dict
from gateway.upstream.transport import Chunks, Messages, Params, Transport

T = TypeVar("T")


def default_transports() -> tuple[Transport, ...]:
    """The demo in process, OpenAI-compatible servers directly, everything else litellm."""
    return DemoTransport(), DirectTransport(), LitellmTransport()


class Upstream:
    """Sends redacted calls to the declared models, with per-model timeout, retries and
    fallbacks, through the first of ``transports`` that serves each model."""

    def __init__(self, catalog: Catalog, transports: Sequence[Transport] | None = None) -> None:
        self.catalog = catalog
        self.transports = tuple(transports) if transports is not None else default_transports()
        for spec in catalog.models:
            transport = self.transport_for(spec)
            if isinstance(transport, LitellmTransport):
                transport.load()  # at start-up, not during the first request

    def transport_for(self, spec: ModelSpec) -> Transport:
        """The first transport that serves ``spec``."""
        return next(t for t in self.transports if t.serves(spec))

    async def aclose(self) -> None:
        """Close pooled provider connections (at shutdown)."""
        for transport in self.transports:
            await transport.aclose()

    def cost_eur(self, spec: ModelSpec, prompt_tokens: int, completion_tokens: int,
                 usd_to_eur: float) -> float:
        """What a call cost, for budgets (:func:`gateway.upstream.prices.cost_eur`)."""
        return cost_eur(spec, prompt_tokens, completion_tokens, usd_to_eur)

    async def _first_that_answers(
        self, chain: Sequence[ModelSpec], attempt: Callable[[ModelSpec], Awaitable[T]]
    ) -> tuple[ModelSpec, T]:
        error: GatewayError | None = None
        for candidate in chain:
            try:
                return candidate, await attempt(candidate)
            except Exception as exc:  # noqa: BLE001 - mapped right here, the one place
                error = to_gateway_error(exc, candidate)
            if not falls_back(error):
                raise error from None
        if error is None:
            raise ValueError("an empty chain")
        raise error from None

    async def complete(
        self, chain: Sequence[ModelSpec], messages: Messages, params: Params
    ) -> tuple[ModelSpec, dict[str, Any]]:
        """A non-streaming completion from the first model of ``chain`` that answers, as a
        clean OpenAI ``chat.completion`` dict, with the model that answered."""

        async def attempt(spec: ModelSpec) -> dict[str, Any]:
            response = await self.transport_for(spec).complete(spec, messages, params)
            # inside the attempt: a provider's odd JSON is a provider error, and may fall back
            return completion_dict(response, spec)

        return await self._first_that_answers(chain, attempt)

    async def open_stream(
        self, chain: Sequence[ModelSpec], messages: Messages, params: Params,
        include_usage: bool,
    ) -> tuple[ModelSpec, AsyncGenerator[dict[str, Any], None]]:
        """Open a stream on the first model of ``chain`` that sends a first chunk (within its
        ``timeout_s``); return it and an iterator of clean ``chat.completion.chunk`` dicts.

        Fallbacks apply until the first chunk arrives; after that an error ends the stream
        (the client already has part of an answer). Closing the iterator closes the provider
        connection, which is how a client disconnect cancels the upstream call.
        """
        extra: Params = {"stream": True}
        if include_usage:
            extra["stream_options"] = {"include_usage": True}

        async def attempt(spec: ModelSpec) -> AsyncGenerator[dict[str, Any], None]:
            chunks = await self.transport_for(spec).open_stream(spec, messages,
                                                                {**params, **extra})
            try:
                async with asyncio.timeout(spec.timeout_s):
                    first = chunk_dict(await chunks.__anext__(), spec)
            except StopAsyncIteration:
                return _empty()
            except BaseException:
                await chunks.aclose()
                raise
            return _relay(spec, chunks, first)

        return await self._first_that_answers(chain, attempt)


async def _empty() -> AsyncGenerator[dict[str, Any], None]:
    return
    yield  # an async generator that yields nothing


async def _relay(spec: ModelSpec, chunks: Chunks, first: dict[str, Any]
                 ) -> AsyncGenerator[dict[str, Any], None]:
    """The first chunk, then the rest, each cleaned; errors mapped like the first's."""
    try:
        yield first
        while True:
            try:
                chunk = chunk_dict(await chunks.__anext__(), spec)
            except StopAsyncIteration:
                return
            except Exception as exc:  # noqa: BLE001 - mapped right here, the one place
                raise to_gateway_error(exc, spec) from None
            yield chunk
    finally:
        await chunks.aclose()
