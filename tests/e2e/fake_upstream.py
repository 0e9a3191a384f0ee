"""A small OpenAI-compatible server standing where the model provider is: the only test double.

Behaviour is chosen by the model name the gateway forwards:
  echo       answers with the last user message verbatim (streams it in 3-character chunks,
             so placeholders arrive split across chunks)
  tools      answers with a tool call whose arguments echo the last user message
  fail500    HTTP 500
  toolong    HTTP 400 with OpenAI's context_length_exceeded code (and the prompt in the body,
             as some providers echo it)
  busy408    HTTP 408
  notsse     answers a stream request with a JSON body
  cutoff     streams one chunk, then an OpenAI-style error event (with the prompt in it)
  eventerror streams one chunk, then an SSE `event: error` (llama.cpp style)
  truncated  streams one chunk, then ends: no finish_reason, no [DONE]
  nodata     a 200 event stream whose body has no data line
  pings      only keep-alive comments, every 0.2 s for 3 s
  slow       waits 5 s before answering (the gateway's model timeout is shorter)
  malformed  streams one good chunk, then a line that is not JSON
  endless    streams a chunk every 50 ms for 30 s; notes whether the client went away
  badtools   a malformed answer: ``message.tool_calls`` is a number; streamed, a good first
             chunk then a delta whose ``tool_calls`` is a list of strings
GET /_requests lists the bodies received; GET /_state tells about the endless stream.
It also stands for an OTLP/HTTP collector: POST /otlp/v1/{traces,metrics} are kept raw and
GET /_otlp returns them (hex), so tests can search exported telemetry for canary values.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

REQUESTS: list[dict[str, Any]] = []
OTLP: list[bytes] = []
STATE: dict[str, Any] = {"endless_started": 0, "endless_cancelled": 0, "endless_finished": 0}


def _last_user(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: dict | None = None) -> bytes:
    payload: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake",
        "choices": [] if usage and not delta and not finish else [
            {"index": 0, "delta": delta, "finish_reason": finish}
        ],
    }
    if usage:
        payload["usage"] = usage
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _usage(prompt: str, answer: str) -> dict[str, int]:
    p, c = max(1, len(prompt) // 4), max(1, len(answer) // 4)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


async def chat(request: Request) -> Response:
    body = await request.json()
    REQUESTS.append(body)
    model = str(body.get("model"))
    prompt = _last_user(body)
    if model == "fail500":
        return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
    if model == "toolong":
        return JSONResponse({"error": {
            "message": "This model's maximum context length is 8192 tokens. However, your "
                       f"messages resulted in 9000 tokens: {prompt}",
            "code": "context_length_exceeded"}}, status_code=400)
    if model == "busy408":
        return JSONResponse({"error": {"message": "request timeout"}}, status_code=408)
    if model == "slow":
        await asyncio.sleep(5)
    answer = prompt
    if body.get("stream") and model != "notsse":
        return StreamingResponse(_stream(model, answer, body), media_type="text/event-stream")
    message: dict[str, Any] = {"role": "assistant", "content": answer}
    finish = "stop"
    if model == "tools":
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "save_note", "arguments": json.dumps({"note": prompt}, ensure_ascii=False)},
            }],
        }
        finish = "tool_calls"
    if model == "badtools":
        message = {"role": "assistant", "content": None, "tool_calls": 5}
    return JSONResponse({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": _usage(prompt, answer),
    })


async def _stream(model: str, answer: str, body: dict[str, Any]):
    if model == "nodata":
        yield b'{"note": "not an event"}\n\n'
        return
    if model == "pings":
        for _ in range(15):
            yield b": ping\n\n"
            await asyncio.sleep(0.2)
        return
    yield _chunk({"role": "assistant", "content": ""})
    if model == "truncated":
        yield _chunk({"content": "Début"})
        return
    if model == "eventerror":
        yield _chunk({"content": "Début"})
        yield b'event: error\ndata: {"message": "slot unavailable"}\n\n'
        return
    if model == "badtools":
        yield _chunk({"content": "Début"})
        yield _chunk({"tool_calls": ["save_note"]})
        yield _chunk({}, finish="stop")
        yield b"data: [DONE]\n\n"
        return
    if model == "malformed":
        yield _chunk({"content": "Début"})
        yield b"data: {this is not json\n\n"
        return
    if model == "cutoff":
        yield _chunk({"content": "Début"})
        error = {"error": {"message": f"overloaded while answering {answer}", "code": 503}}
        yield b"data: " + json.dumps(error).encode() + b"\n\n"
        return
    if model == "endless":
        STATE["endless_started"] += 1
        try:
            for i in range(600):
                yield _chunk({"content": f"mot{i} "})
                await asyncio.sleep(0.05)
            STATE["endless_finished"] += 1
        except (asyncio.CancelledError, GeneratorExit):
            STATE["endless_cancelled"] += 1
            raise
        return
    if model == "tools":
        arguments = json.dumps({"note": answer}, ensure_ascii=False)
        yield _chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                      "function": {"name": "save_note", "arguments": ""}}]})
        for start in range(0, len(arguments), 5):
            yield _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[start:start + 5]}}]})
        yield _chunk({}, finish="tool_calls")
        yield b"data: [DONE]\n\n"
        return
    for start in range(0, len(answer), 3):
        yield _chunk({"content": answer[start : start + 3]})
    yield _chunk({}, finish="stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        yield _chunk({}, usage=_usage(_last_user(body), answer))
    yield b"data: [DONE]\n\n"


async def requests_seen(_: Request) -> Response:
    return JSONResponse(REQUESTS)


async def state(_: Request) -> Response:
    return JSONResponse(STATE)


async def otlp_receive(request: Request) -> Response:
    OTLP.append(await request.body())
    return Response(b"", media_type="application/x-protobuf")


async def otlp_dump(_: Request) -> Response:
    return JSONResponse([body.hex() for body in OTLP])


async def reset(_: Request) -> Response:
    REQUESTS.clear()
    return JSONResponse({"ok": True})


app = Starlette(routes=[
    Route("/v1/chat/completions", chat, methods=["POST"]),
    Route("/_requests", requests_seen),
    Route("/_state", state),
    Route("/_reset", reset, methods=["POST"]),
    Route("/otlp/v1/traces", otlp_receive, methods=["POST"]),
    Route("/otlp/v1/metrics", otlp_receive, methods=["POST"]),
    Route("/_otlp", otlp_dump),
])

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
