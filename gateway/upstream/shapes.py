"""The provider's answer in the one shape the rest of the gateway relies on: a clean
OpenAI ``chat.completion`` dict, or ``chat.completion.chunk`` dicts when streamed. Whatever
the transport returned (a dict, litellm's pydantic objects) is checked field by field; a
shape the gateway cannot re-identify is the provider's malformed answer (502)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from gateway.catalog import ModelSpec
from gateway.upstream.errors import Failure, failure

_MESSAGE_KEYS = ("role", "content", "tool_calls", "function_call", "refusal")
_DELTA_KEYS = ("role", "content", "tool_calls", "function_call", "refusal")


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.model_dump()  # type: ignore[no-any-return]


def _usage(raw: Any, spec: ModelSpec) -> dict[str, int] | None:
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
        raise failure(Failure.MALFORMED, spec) from None


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


def _choices(raw: dict[str, Any], spec: ModelSpec) -> list[dict[str, Any]]:
    choices = raw.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise failure(Failure.MALFORMED, spec)
    return choices


def completion_dict(response: Any, spec: ModelSpec) -> dict[str, Any]:
    """The provider's answer as a clean ``chat.completion`` dict; :class:`UpstreamError`
    (502) when its shape is not one the gateway can re-identify."""
    raw = _dump(response)
    if not isinstance(raw, dict):
        raise failure(Failure.MALFORMED, spec)
    choices = []
    for index, choice in enumerate(_choices(raw, spec)):
        message = choice.get("message") or {}
        if not isinstance(message, dict) or not _valid_message(message, partial=False):
            raise failure(Failure.MALFORMED, spec)
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
        "model": spec.name,
        "choices": choices,
    }
    usage = _usage(raw.get("usage"), spec)
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


def chunk_dict(chunk: Any, spec: ModelSpec) -> dict[str, Any]:
    """A provider's stream chunk as a clean ``chat.completion.chunk`` dict; malformed →
    :class:`UpstreamError`."""
    raw = _dump(chunk)
    if not isinstance(raw, dict):
        raise failure(Failure.MALFORMED, spec)
    choices = []
    for index, choice in enumerate(_choices(raw, spec)):
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict) or not _valid_message(delta, partial=True):
            raise failure(Failure.MALFORMED, spec)
        delta = {k: v for k, v in delta.items() if k in _DELTA_KEYS and v is not None}
        choices.append(
            {
                "index": _index(choice, index),
                "delta": delta,
                "finish_reason": _finish(choice),
            }
        )
    usage = _usage(raw.get("usage"), spec)
    if usage and all(not c["delta"] and not c["finish_reason"] for c in choices):
        choices = []  # OpenAI's usage-only chunk carries no choices
    body: dict[str, Any] = {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": _created(raw),
        "model": spec.name,
        "choices": choices,
    }
    if usage:
        body["usage"] = usage
    return body
