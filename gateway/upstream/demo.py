"""The built-in ``demo`` model: answers, in French, by showing exactly the messages it
received — what a real provider would see after redaction.

It is one more transport of :mod:`gateway.upstream`, answered in process and
without litellm: a gateway that only serves the demo never imports litellm (about 4 s and
100 MiB per worker, bench/startup.py). Placeholders in
its echo are quoted with an invisible word joiner (U+2060) after ``<`` so that the gateway's
re-identification leaves them as the provider saw them: the point of the demo is to show them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from gateway.catalog import ModelSpec
from gateway.upstream.transport import Chunks, Messages, Params

PROVIDER = "gardefou-demo"
_QUOTE = "\u2060"
_ROLE_NAMES = {
    "system": "système",
    "user": "utilisateur",
    "assistant": "assistant",
    "tool": "outil",
    "developer": "développeur",
}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "") for part in content if isinstance(part, dict)
        )
    return ""


def demo_answer(messages: list[dict[str, Any]]) -> str:
    """The demo's reply to ``messages``: a French preamble, then each message verbatim."""
    lines = [
        "Je suis le modèle de démonstration de Garde-fou. Je ne rédige rien : je vous montre "
        "exactement ce que j'ai reçu, tel qu'un vrai fournisseur l'aurait vu.",
        "",
    ]
    for message in messages:
        role = _ROLE_NAMES.get(str(message.get("role")), str(message.get("role")))
        body = _text_of(message.get("content"))
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            body += f"\n[appel d'outil {function.get('name')}: {function.get('arguments')}]"
        lines.append(f"— {role} :")
        lines.append(body)
        lines.append("")
    text = "\n".join(lines).rstrip()
    return text.replace("<", "<" + _QUOTE)


def _tokens(text: str) -> int:
    # A rough count is enough for a demo; real providers report their own usage.
    return max(1, len(text) // 4)


def serves(spec: ModelSpec) -> bool:
    """Whether a model declaration names the demo (``gardefou-demo/…``)."""
    return spec.litellm_model.startswith(PROVIDER + "/")


def _usage(messages: list[dict[str, Any]], text: str) -> dict[str, int]:
    prompt_tokens, completion_tokens = _tokens(_text_of_all(messages)), _tokens(text)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def completion(model: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The demo's answer as an OpenAI ``chat.completion`` dict."""
    text = demo_answer(messages)
    return {
        "id": f"chatcmpl-demo-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": _usage(messages, text),
    }


async def stream(model: str, messages: list[dict[str, Any]], include_usage: bool
                 ) -> AsyncGenerator[dict[str, Any], None]:
    """The demo's answer as OpenAI ``chat.completion.chunk`` dicts, a few words at a time."""
    text = demo_answer(messages)
    base = {"id": f"chatcmpl-demo-{uuid.uuid4().hex[:12]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}
    step = 24
    for start in range(0, len(text), step):
        delta = {"content": text[start:start + step]}
        if start == 0:
            delta["role"] = "assistant"
        yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    if include_usage:
        yield {**base, "choices": [], "usage": _usage(messages, text)}


def _text_of_all(messages: list[dict[str, Any]]) -> str:
    return "\n".join(_text_of(m.get("content")) for m in messages)


class DemoTransport:
    """The demo as a transport: no connection, no failure."""

    def serves(self, spec: ModelSpec) -> bool:
        """See :func:`serves`."""
        return serves(spec)

    async def complete(self, spec: ModelSpec, messages: Messages, params: Params) -> Any:
        """The echo, whole."""
        return completion(spec.name, messages)

    async def open_stream(self, spec: ModelSpec, messages: Messages, params: Params) -> Chunks:
        """The echo, a few words at a time (usage last when the client asked for it)."""
        options = params.get("stream_options") or {}
        return stream(spec.name, messages, bool(options.get("include_usage")))

    async def aclose(self) -> None:
        """Nothing to release."""
