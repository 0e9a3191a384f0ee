"""Calls to model providers. The only module that imports litellm, and the one place where
its exceptions are mapped to the gateway's (as httpx maps httpcore's). OpenAI-compatible
servers are called directly (``upstream_direct``), the built-in demo in process
(``demo_model``); everything else goes through litellm, imported at start-up only when a
declared model needs it (its import costs about 4 s and 100 MiB per worker: bench/startup.py).

Error messages never quote the provider's response body: a provider may echo the prompt.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from gateway import demo_model, upstream_direct
from gateway.catalog import Catalog, ModelSpec
from gateway.errors import (
    GatewayError,
    InvalidRequest,
    UpstreamError,
    UpstreamTimeout,
)

_MESSAGE_KEYS = ("role", "content", "tool_calls", "function_call", "refusal")
_DELTA_KEYS = ("role", "content", "tool_calls", "function_call", "refusal")


def needs_litellm(spec: ModelSpec) -> bool:
    """Whether calls to ``spec`` go through litellm (neither the demo nor the direct path)."""
    return not demo_model.serves(spec.litellm_model) and not upstream_direct.serves(spec)


@lru_cache(maxsize=1)
def _litellm() -> Any:
    """litellm, imported and configured on first use."""
    # Before importing litellm: use its bundled model-cost map instead of fetching one at import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    configure_litellm(litellm)
    return litellm


def configure_litellm(litellm: Any) -> None:
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


def _map_error(exc: Exception, spec: ModelSpec) -> GatewayError:
    """One place to turn litellm/openai errors into gateway errors (no provider text)."""
    name = spec.name
    if "litellm" not in sys.modules:  # never imported: the error cannot be one of litellm's
        return _provider_error(exc, name)
    llm_errors = importlib.import_module("litellm.exceptions")
    if isinstance(exc, llm_errors.Timeout):
        return UpstreamTimeout(f"Le modèle « {name} » n'a pas répondu à temps.")
    if isinstance(exc, llm_errors.ContextWindowExceededError):
        return InvalidRequest(f"La conversation est trop longue pour le modèle « {name} ».")
    if isinstance(exc, llm_errors.BadRequestError | llm_errors.UnprocessableEntityError):
        return InvalidRequest(f"Le modèle « {name} » a refusé la requête comme invalide.")
    return _provider_error(exc, name)


def _provider_error(exc: Exception, name: str) -> GatewayError:
    status = getattr(exc, "status_code", None)
    detail = f" (HTTP {status})" if isinstance(status, int) else ""
    return UpstreamError(
        f"Le fournisseur du modèle « {name} » a répondu par une erreur{detail}.",
        code="upstream_error",
    )


def _is_retryable_elsewhere(error: GatewayError) -> bool:
    return isinstance(error, UpstreamError | UpstreamTimeout)


@lru_cache(maxsize=256)
def _listed_usd_per_token(litellm_model: str) -> tuple[float, float]:
    """litellm's bundled USD price per input and output token of a model; (0, 0) when it is
    not listed. Looked up once per model: the lookup walks the price list on every miss.
    Priced on 1,000 tokens, below any long-context price tier."""
    try:
        cost_in, cost_out = _litellm().cost_per_token(model=litellm_model, prompt_tokens=1000,
                                                      completion_tokens=1000)
    except Exception:  # noqa: BLE001 - a model absent from the price list costs nothing known
        return 0.0, 0.0
    return float(cost_in) / 1000, float(cost_out) / 1000


@lru_cache(maxsize=256)
def _direct_usd_per_token(litellm_model: str) -> tuple[float, float]:
    """The same price list for a direct-path model (``openai/<name>``), read from litellm's
    bundled JSON file without importing litellm: an OpenAI model's price is its plain entry
    (tests/test_upstream_lazy.py checks this against litellm's own lookup)."""
    spec = importlib.util.find_spec("litellm")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return 0.0, 0.0
    path = Path(next(iter(spec.submodule_search_locations))) / _PRICE_FILE
    try:
        entry = _price_list(path).get(litellm_model.removeprefix(upstream_direct.PREFIX))
    except (OSError, ValueError):
        return 0.0, 0.0
    if not isinstance(entry, dict) or entry.get("litellm_provider") != "openai":
        return 0.0, 0.0
    return (float(entry.get("input_cost_per_token") or 0.0),
            float(entry.get("output_cost_per_token") or 0.0))


_PRICE_FILE = "model_prices_and_context_window_backup.json"


@lru_cache(maxsize=1)
def _price_list(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class Upstream:
    """Sends redacted calls to the declared models, with per-model timeout, retries and
    fallbacks (tried in order when a model fails or times out)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.direct = upstream_direct.DirectTransport()
        if any(needs_litellm(m) for m in catalog.models):
            _litellm()  # at start-up, not during the first request

    async def aclose(self) -> None:
        """Close pooled provider connections (at shutdown)."""
        await self.direct.aclose()

    def cost_eur(
        self, spec: ModelSpec, prompt_tokens: int, completion_tokens: int, usd_to_eur: float
    ) -> float:
        """What a call cost, for budgets: the model's declared € prices, else litellm's
        bundled price list (USD, converted); 0 for unknown or self-hosted models."""
        if spec.price_eur_per_mtok is not None:
            price_in, price_out = spec.price_eur_per_mtok
            return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
        if demo_model.serves(spec.litellm_model):
            return 0.0
        listed = _listed_usd_per_token if needs_litellm(spec) else _direct_usd_per_token
        price_in, price_out = listed(spec.litellm_model)
        return (prompt_tokens * price_in + completion_tokens * price_out) * usd_to_eur

    def _kwargs(self, spec: ModelSpec, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
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

    async def complete(
        self, chain: Sequence[ModelSpec], messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> tuple[ModelSpec, dict[str, Any]]:
        """A non-streaming completion from the first model of ``chain`` that answers, as an
        OpenAI ``chat.completion`` dict, with the model that answered. The caller decides
        which models may serve (org, role, routing): the chain is never extended here."""
        error: GatewayError | None = None
        for candidate in chain:
            try:
                if demo_model.serves(candidate.litellm_model):
                    response: Any = demo_model.completion(candidate.name, messages)
                elif upstream_direct.serves(candidate):
                    response = await self.direct.complete(candidate, messages, params)
                else:
                    response = await _litellm().acompletion(
                        **self._kwargs(candidate, messages, params))
                # inside the try: a provider's odd JSON is a provider error, and may fall back
                return candidate, _completion_dict(response, candidate.name)
            except GatewayError as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - mapped right here, the one place
                error = _map_error(exc, candidate)
            if not _is_retryable_elsewhere(error):
                raise error from None
        assert error is not None, "an empty chain"
        raise error

    async def open_stream(
        self,
        chain: Sequence[ModelSpec],
        messages: list[dict[str, Any]],
        params: dict[str, Any],
        include_usage: bool,
    ) -> tuple[ModelSpec, AsyncIterator[dict[str, Any]]]:
        """Open a stream on the first model of ``chain`` that sends a first chunk; return it
        and an iterator of OpenAI ``chat.completion.chunk`` dicts.

        Fallbacks apply until the first chunk arrives; after that an error ends the stream
        (the client already has part of an answer). Closing the iterator closes the provider
        connection, which is how a client disconnect cancels the upstream call.
        """
        extra: dict[str, Any] = {"stream": True}
        if include_usage:
            extra["stream_options"] = {"include_usage": True}
        error: GatewayError | None = None
        for candidate in chain:
            if demo_model.serves(candidate.litellm_model):
                demo = demo_model.stream(candidate.name, messages, include_usage)
                return candidate, _relay_direct(candidate, demo, await demo.__anext__())
            if upstream_direct.serves(candidate):
                chunks: AsyncIterator[dict[str, Any]] | None = None
                try:
                    chunks = await self.direct.open_stream(candidate, messages,
                                                           {**params, **extra})
                    async with asyncio.timeout(candidate.timeout_s):  # first chunk, like litellm
                        first = _chunk_dict(await chunks.__anext__(), candidate.name)
                except StopAsyncIteration:
                    return candidate, _empty()
                except Exception as exc:  # noqa: BLE001 - mapped right here, the one place
                    if chunks is not None:
                        await chunks.aclose()  # type: ignore[attr-defined]
                    if isinstance(exc, TimeoutError):
                        exc = UpstreamTimeout(
                            f"Le modèle « {candidate.name} » n'a pas répondu à temps.")
                    error = exc if isinstance(exc, GatewayError) else _map_error(exc, candidate)
                    if _is_retryable_elsewhere(error):
                        continue
                    raise error from None
                return candidate, _relay_direct(candidate, chunks, first)
            response: Any = None
            try:
                response = await _litellm().acompletion(
                    **self._kwargs(candidate, messages, params), **extra
                )
                iterator = response.__aiter__()
                first = await iterator.__anext__()
            except StopAsyncIteration:
                await response.aclose()
                return candidate, _empty()
            except Exception as exc:  # noqa: BLE001 - mapped right here, the one place
                if response is not None:
                    await response.aclose()
                error = _map_error(exc, candidate)
                if _is_retryable_elsewhere(error):
                    continue
                raise error from None
            return candidate, _relay(candidate, response, iterator, first)
        assert error is not None, "an empty chain"
        raise error


async def _empty() -> AsyncIterator[dict[str, Any]]:
    return
    yield  # an async generator that yields nothing


async def _relay(
    spec: ModelSpec, response: Any, iterator: Any, first: Any
) -> AsyncIterator[dict[str, Any]]:
    try:
        yield _chunk_dict(first, spec.name)
        while True:
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except Exception as exc:  # noqa: BLE001 - mapped right here, the one place
                raise _map_error(exc, spec) from None
            yield _chunk_dict(chunk, spec.name)
    finally:
        await response.aclose()


async def _relay_direct(
    spec: ModelSpec, chunks: AsyncIterator[dict[str, Any]], first: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    try:
        yield first
        while True:
            try:
                chunk = _chunk_dict(await chunks.__anext__(), spec.name)
            except StopAsyncIteration:
                return
            except GatewayError:
                raise
            except Exception as exc:  # noqa: BLE001 - a provider's odd chunk, mapped here
                raise _map_error(exc, spec) from None
            yield chunk
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.model_dump()  # type: ignore[no-any-return]


def _usage(raw: Any, model_name: str = "") -> dict[str, int] | None:
    if not raw:
        return None
    usage = _dump(raw)
    try:
        return {
            "prompt_tokens": int(usage.get("prompt_tokens") or 0),
            "completion_tokens": int(usage.get("completion_tokens") or 0),
            "total_tokens": int(usage.get("total_tokens") or 0),
        }
    except (AttributeError, TypeError, ValueError, OverflowError):
        raise _malformed(model_name) from None


def _malformed(model_name: str) -> UpstreamError:
    return UpstreamError(
        f"Le fournisseur du modèle « {model_name} » a renvoyé une réponse illisible.",
        code="upstream_error",
    )


def _is_str(value: Any, optional: bool = True) -> bool:
    return isinstance(value, str) or (optional and value is None)


def _valid_function(function: Any, partial: bool) -> bool:
    """``{"name": str, "arguments": str}``; a streamed delta (``partial``) may omit either."""
    if not isinstance(function, dict):
        return False
    if not partial and not isinstance(function.get("name"), str):
        return False
    return _is_str(function.get("name")) and _is_str(function.get("arguments"))


def _valid_tool_calls(calls: Any, partial: bool) -> bool:
    if calls is None:
        return True
    if not isinstance(calls, list):
        return False
    for call in calls:
        if not isinstance(call, dict) or not _is_str(call.get("id")) or not _is_str(call.get("type")):
            return False
        if partial and not isinstance(call.get("index", 0), int):
            return False
        if (not partial or "function" in call) and not _valid_function(call.get("function"), partial):
            return False
    return True


def _valid_message(message: dict[str, Any], partial: bool) -> bool:
    """Whether an answer message (or a streamed delta, ``partial``) has the types the rest
    of the gateway relies on; anything else is the provider's malformed answer (502)."""
    content = message.get("content")
    if isinstance(content, list):
        if not all(isinstance(p, dict) and _is_str(p.get("text")) for p in content):
            return False
    elif not _is_str(content):
        return False
    legacy = message.get("function_call")
    return (
        _is_str(message.get("refusal"))
        and _is_str(message.get("role"))
        and _valid_tool_calls(message.get("tool_calls"), partial)
        and (legacy is None or _valid_function(legacy, partial))
    )


def _choices(raw: dict[str, Any], model_name: str) -> list[dict[str, Any]]:
    choices = raw.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise _malformed(model_name)
    return choices


def _completion_dict(response: Any, model_name: str) -> dict[str, Any]:
    """The provider's answer as a clean ``chat.completion`` dict; :class:`UpstreamError`
    (502) when its shape is not one the gateway can re-identify."""
    raw = _dump(response)
    if not isinstance(raw, dict):
        raise _malformed(model_name)
    choices = []
    for index, choice in enumerate(_choices(raw, model_name)):
        message = choice.get("message") or {}
        if not isinstance(message, dict) or not _valid_message(message, partial=False):
            raise _malformed(model_name)
        message = {k: v for k, v in message.items() if k in _MESSAGE_KEYS}
        message.setdefault("role", "assistant")
        choices.append(
            {
                "index": _index(choice, index),
                "message": {k: v for k, v in message.items() if v is not None or k == "content"},
                "finish_reason": _finish(choice) or "stop",
            }
        )
    body: dict[str, Any] = {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": _created(raw),
        "model": model_name,
        "choices": choices,
    }
    usage = _usage(raw.get("usage"), model_name)
    if usage:
        body["usage"] = usage
    return body


def _index(choice: dict[str, Any], default: int) -> int:
    index = choice.get("index", default)
    return index if isinstance(index, int) and not isinstance(index, bool) else default


def _finish(choice: dict[str, Any]) -> str | None:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) else None


def _created(raw: dict[str, Any]) -> int:
    created = raw.get("created")
    return int(created) if isinstance(created, int | float) and created == created else int(time.time())


def _chunk_dict(chunk: Any, model_name: str) -> dict[str, Any]:
    """A provider's stream chunk as a clean ``chat.completion.chunk`` dict; malformed →
    :class:`UpstreamError`."""
    raw = _dump(chunk)
    if not isinstance(raw, dict):
        raise _malformed(model_name)
    choices = []
    for index, choice in enumerate(_choices(raw, model_name)):
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict) or not _valid_message(delta, partial=True):
            raise _malformed(model_name)
        delta = {k: v for k, v in delta.items() if k in _DELTA_KEYS and v is not None}
        choices.append(
            {
                "index": _index(choice, index),
                "delta": delta,
                "finish_reason": _finish(choice),
            }
        )
    usage = _usage(raw.get("usage"), model_name)
    if usage and all(not c["delta"] and not c["finish_reason"] for c in choices):
        choices = []  # OpenAI's usage-only chunk carries no choices
    body: dict[str, Any] = {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": _created(raw),
        "model": model_name,
        "choices": choices,
    }
    if usage:
        body["usage"] = usage
    return body
