"""``POST /v1/chat/completions``: the OpenAI-compatible entry point staff's clients call.

The request is rebuilt from validated fields (:mod:`gateway.api.chat_request`), never
forwarded as received; every free text in it is redacted by the pipeline
(:mod:`gateway.request_fields`), and anything unknown is dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway import pipeline
from gateway.api.deps import get_principal, get_services
from gateway.api.chat_request import load_json, validate_body
from gateway.errors import PayloadTooLarge
from gateway.policy.client_task import TASK_HEADER, header_task
from gateway.pipeline import Prepared
from gateway.services import Services
from gateway.types import ChatCall, Principal

router = APIRouter()
T = TypeVar("T")


async def parse_call(request: Request, max_bytes: int) -> ChatCall:
    """Read and validate the body: 413 over ``max_bytes``, 422 when malformed (see
    :mod:`gateway.api.chat_request`)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Requête trop volumineuse (maximum {max_bytes} octets).")
    raw = bytearray()
    async for piece in request.stream():
        raw += piece
        if len(raw) > max_bytes:
            raise PayloadTooLarge(f"Requête trop volumineuse (maximum {max_bytes} octets).")
    call = validate_body(load_json(bytes(raw)))
    # validated against a closed set of task names; anything else is ignored
    return dataclasses.replace(call, client_task=header_task(request.headers.get(TASK_HEADER)))


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
    stages = services.pipeline
    if stages is None:
        raise RuntimeError("no pipeline: services built without the chat stages")
    if call.stream:
        # watched until the first chunk; then Starlette's streaming response notices a
        # client that leaves, and closing the events closes the provider connection
        events, prepared = await _unless_disconnected(
            request, pipeline.stream(call, principal, stages))
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no", **_headers(prepared)},
        )
    body, prepared = await _unless_disconnected(
        request, pipeline.complete(call, principal, stages)
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
