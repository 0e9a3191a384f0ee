"""``POST /v1/chat/completions``: the OpenAI-compatible entry point staff's clients call."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway import pipeline
from gateway.api.deps import get_principal, get_services
from gateway.errors import InvalidRequest, PayloadTooLarge
from gateway.pipeline import Prepared
from gateway.services import Services
from gateway.types import ChatCall, Principal

router = APIRouter()

# Parameters we never forward: they would bypass the gateway's own choices.
_RESERVED = {"model", "messages", "stream", "stream_options", "api_base", "api_key", "base_url"}


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
    params = {k: v for k, v in data.items() if k not in _RESERVED}
    return ChatCall(
        model=body.model,
        messages=[_without_name(m) for m in data["messages"]],
        stream=body.stream,
        include_usage=bool(body.stream_options and body.stream_options.include_usage),
        params=params,
    )


def _without_name(message: dict[str, Any]) -> dict[str, Any]:
    """The optional ``name`` of a participant may be a person's name, and placeholders do not
    fit its allowed characters: it is not forwarded (legacy ``function`` messages keep theirs,
    which names a function)."""
    if "name" in message and message.get("role") != "function":
        return {k: v for k, v in message.items() if k != "name"}
    return message


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
    body, prepared = await pipeline.complete(call, principal, services)
    return JSONResponse(body, headers=_headers(prepared))
