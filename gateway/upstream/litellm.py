"""Calls through litellm: the only module that imports it, for every provider that is
neither the demo nor an OpenAI-compatible server with its own ``api_base`` (those take
:mod:`gateway.upstream.direct`). litellm is imported at start-up only when a declared model
needs it: its import costs about 4 s and 100 MiB per worker (bench/startup.py).

Its exceptions are mapped by :func:`gateway.upstream.errors.to_gateway_error`, by class
name, so that nothing else needs the import to recognise them.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

from gateway.catalog import ModelSpec
from gateway.upstream.transport import Chunks, Messages, Params


@lru_cache(maxsize=1)
def module() -> Any:
    """litellm, imported and configured on first use."""
    # Before importing litellm: use its bundled model-cost map instead of fetching one at
    # import (litellm reads this switch from the environment only).
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    configure(litellm)
    return litellm


def configure(litellm: Any) -> None:
    """Process-wide litellm switches: no telemetry, no content in its logs."""
    litellm.telemetry = False
    litellm.turn_off_message_logging = True
    litellm.suppress_debug_info = True
    litellm.drop_params = True
    # litellm logs provider error bodies (which may echo the prompt) with tracebacks.
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
        quiet = logging.getLogger(name)
        quiet.setLevel(logging.CRITICAL)
        quiet.propagate = False


@lru_cache(maxsize=256)
def listed_usd_per_token(litellm_model: str) -> tuple[float, float]:
    """litellm's bundled USD price per input and output token of a model; (0, 0) when it is
    not listed. Looked up once per model: the lookup walks the price list on every miss.
    Priced on 1,000 tokens, below any long-context price tier."""
    try:
        cost_in, cost_out = module().cost_per_token(model=litellm_model, prompt_tokens=1000,
                                                    completion_tokens=1000)
    except Exception:  # noqa: BLE001 - a model absent from the price list costs nothing known
        return 0.0, 0.0
    return float(cost_in) / 1000, float(cost_out) / 1000


def _kwargs(spec: ModelSpec, messages: Messages, params: Params) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        **params,
        "model": spec.litellm_model,
        "messages": messages,
        "timeout": spec.timeout_s,
        "num_retries": spec.max_retries,
        # litellm routes any call with `tools` through its MCP proxy handler, which imports
        # the optional `mcp` package; we never use MCP, so skip it (pinned-version behaviour).
        "_skip_mcp_handler": True,
    }
    if spec.api_base:
        kwargs["api_base"] = spec.api_base
    key = spec.resolved_api_key()
    if key:
        kwargs["api_key"] = key
    elif spec.litellm_model.startswith(("openai/", "hosted_vllm/")):
        kwargs["api_key"] = "none"  # OpenAI-compatible local servers often need no key
    return kwargs


class LitellmTransport:
    """Every provider litellm knows; serves whatever the other transports do not."""

    def serves(self, spec: ModelSpec) -> bool:
        """The last resort: any model."""
        return True

    def load(self) -> None:
        """Import litellm now (at start-up, not during the first request)."""
        module()

    async def complete(self, spec: ModelSpec, messages: Messages, params: Params) -> Any:
        """litellm's ``ModelResponse`` (timeout and retries done by litellm)."""
        return await module().acompletion(**_kwargs(spec, messages, params))

    async def open_stream(self, spec: ModelSpec, messages: Messages, params: Params) -> Chunks:
        """litellm's stream wrapper, closed with the returned iterator."""
        response = await module().acompletion(**_kwargs(spec, messages, params))
        return _relay(response)

    async def aclose(self) -> None:
        """litellm keeps its own clients."""


async def _relay(response: Any) -> Chunks:
    try:
        async for chunk in response:
            yield chunk
    finally:
        await response.aclose()
