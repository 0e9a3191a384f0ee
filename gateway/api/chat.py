"""``POST /v1/chat/completions``: the OpenAI-compatible entry point staff's clients call.

The request is rebuilt from an allow-list, never forwarded as received: only parameters we know
are passed on, messages keep only the keys of their role, and content parts must be text. What
the gateway cannot pseudonymise (images, files, audio) is refused, and anything unknown is
dropped, so nothing reaches the provider without going through redaction.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway import pipeline
from gateway.api.deps import get_principal, get_services
from gateway.errors import InvalidRequest, PayloadTooLarge
from gateway.policy.client_task import TASK_HEADER, header_task
from gateway.pipeline import Prepared
from gateway.services import Services
from gateway.types import ChatCall, Principal

router = APIRouter()
T = TypeVar("T")

# OpenAI parameters passed on to the provider. Everything else (api_base, fallbacks,
# mock_response, extra_headers, user, metadata, prediction…) is dropped: litellm would act on
# some of them (redirecting the call, leaking the provider key), others carry free text.
FORWARDED_PARAMS = frozenset({
    "temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "stop", "seed",
    "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
    "tools", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort",
})
_MESSAGE_KEYS = {
    "system": {"role", "content"},
    "developer": {"role", "content"},
    "user": {"role", "content"},
    "assistant": {"role", "content", "tool_calls", "function_call"},
    "tool": {"role", "content", "tool_call_id"},
    "function": {"role", "content", "name"},  # legacy: ``name`` is the function's name
}
UNSUPPORTED_PART = (
    "Les images, fichiers et sons ne sont pas acceptés : la passerelle ne peut pas en retirer "
    "les données personnelles. Envoyez du texte."
)


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(pattern=r"^(system|developer|user|assistant|tool|function)$")
    content: str | list[dict[str, Any]] | None = None


class _StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class _ChatBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=128)
    messages: list[_Message] = Field(min_length=1)
    stream: bool = False
    stream_options: _StreamOptions | None = None


async def parse_call(request: Request, max_bytes: int) -> ChatCall:
    """Read and validate the body: 413 over ``max_bytes``, 422 when malformed."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Requête trop volumineuse (maximum {max_bytes} octets).")
    raw = bytearray()
    async for piece in request.stream():
        raw += piece
        if len(raw) > max_bytes:
            raise PayloadTooLarge(f"Requête trop volumineuse (maximum {max_bytes} octets).")
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidRequest("Le corps de la requête n'est pas un JSON valide.") from None
    if not isinstance(data, dict):
        raise InvalidRequest("Le corps de la requête doit être un objet JSON.")
    try:
        body = _ChatBody.model_validate(data)
    except ValidationError as exc:
        # Name the fields, never echo their values (they may hold beneficiary data).
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise InvalidRequest(f"Requête invalide, champs en cause : {', '.join(fields)}.") from None
    return ChatCall(
        model=body.model,
        messages=[_clean_message(i, m) for i, m in enumerate(data["messages"])],
        stream=body.stream,
        include_usage=bool(body.stream_options and body.stream_options.include_usage),
        params={k: v for k, v in data.items() if k in FORWARDED_PARAMS},
        # validated against a closed set of task names; anything else is ignored
        client_task=header_task(request.headers.get(TASK_HEADER)),
    )


def _clean_message(index: int, message: dict[str, Any]) -> dict[str, Any]:
    """The message with only its role's keys; text parts only; tool arguments as strings.
    The optional participant ``name`` is dropped: it may be a person's name and placeholders
    do not fit its allowed characters."""
    role = message["role"]
    clean = {k: v for k, v in message.items() if k in _MESSAGE_KEYS[role]}
    content = clean.get("content")
    if isinstance(content, list):
        parts = []
        for part in content:
            if part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise InvalidRequest(UNSUPPORTED_PART, param=f"messages.{index}.content")
            parts.append({"type": "text", "text": part["text"]})
        clean["content"] = parts
    for call in clean.get("tool_calls") or []:
        if not isinstance(call, dict) or not isinstance((call.get("function") or {}).get("arguments", ""), str):
            raise InvalidRequest(
                "Les arguments d'un appel d'outil doivent être une chaîne JSON.",
                param=f"messages.{index}.tool_calls",
            )
    legacy = clean.get("function_call")
    if legacy is not None and not isinstance((legacy or {}).get("arguments", ""), str):
        raise InvalidRequest("Les arguments d'un appel de fonction doivent être une chaîne JSON.")
    return clean


def _headers(prepared: Prepared) -> dict[str, str]:
    counts = ",".join(f"{k}={v}" for k, v in sorted(prepared.redaction.counts.items()) if v)
    return {
        "x-gardefou-decision": prepared.decision.id,
        "x-gardefou-action": prepared.decision.action.value,
        "x-gardefou-policy-revision": prepared.decision.policy_revision,
        "x-gardefou-redactions": counts or "none",
    }


@router.post("/v1/chat/completions")
async def chat_completions(
    request: Request,
    principal: Principal = Depends(get_principal),
    services: Services = Depends(get_services),
) -> Any:
    call = await parse_call(request, services.settings.max_body_bytes)
    if call.stream:
        events, prepared = await pipeline.stream(call, principal, services)
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no", **_headers(prepared)},
        )
    body, prepared = await _unless_disconnected(
        request, pipeline.complete(call, principal, services)
    )
    return JSONResponse(body, headers=_headers(prepared))


async def _unless_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``, cancelling it (and so the provider call) if the client goes away."""
    task = asyncio.ensure_future(work)

    async def watch() -> None:
        while True:  # the body is consumed: the next message can only be a disconnect
            if (await request.receive())["type"] == "http.disconnect":
                task.cancel()
                return

    watcher = asyncio.ensure_future(watch())
    try:
        return await task
    finally:
        watcher.cancel()
