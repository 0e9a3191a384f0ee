"""What every way of reaching a model provides. :class:`gateway.upstream.Upstream` picks
the first transport that serves a model and writes the fallback loop, the first-chunk
timeout, the error mapping and the answer's shape once for all of them."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, Protocol

from gateway.catalog import ModelSpec

Messages = list[dict[str, Any]]
Params = dict[str, Any]
# A provider's chunks as it sent them (dicts or litellm objects); closing it closes the
# provider connection, which is how a client disconnect stops the generation.
Chunks = AsyncGenerator[Any, None]


class Transport(Protocol):
    """One way to call models: the demo in process, the direct HTTP path, litellm."""

    def serves(self, spec: ModelSpec) -> bool:
        """Whether calls to ``spec`` go through this transport."""
        ...

    async def complete(self, spec: ModelSpec, messages: Messages, params: Params) -> Any:
        """The provider's ``chat.completion`` (a dict or an object with ``model_dump``),
        with the model's own timeout and retries. May raise anything: the caller maps it."""
        ...

    async def open_stream(self, spec: ModelSpec, messages: Messages, params: Params) -> Chunks:
        """The provider's stream, opened (request sent, status checked) but its first chunk
        not yet read. ``params`` carry ``stream`` and ``stream_options``."""
        ...

    async def aclose(self) -> None:
        """Release pooled connections (at shutdown)."""
        ...
