"""The built-in ``demo`` model: a litellm custom provider that answers, in French, by showing
exactly the messages it received — what a real provider would see after redaction.

It is routed by the same pipeline as any model (see :mod:`gateway.upstream`). Placeholders in
its echo are quoted with an invisible word joiner (U+2060) after ``<`` so that the gateway's
re-identification leaves them as the provider saw them: the point of the demo is to show them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

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


def build_demo_llm() -> Any:
    """Instantiate the litellm ``CustomLLM`` for the demo (imports litellm lazily)."""
    from litellm import CustomLLM
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    class DemoLLM(CustomLLM):  # type: ignore[misc]
        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            text = demo_answer(messages)
            prompt_tokens = _tokens(_text_of_all(messages))
            completion_tokens = _tokens(text)
            return ModelResponse(
                id=f"chatcmpl-demo-{uuid.uuid4().hex[:12]}",
                created=int(time.time()),
                model=model,
                choices=[Choices(index=0, finish_reason="stop", message=Message(content=text))],
                usage=Usage(
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    total_tokens=prompt_tokens + completion_tokens,
                ),
            )

        async def astreaming(  # type: ignore[override]
            self, model: str, messages: list, *args: Any, **kwargs: Any
        ) -> AsyncIterator[dict[str, Any]]:
            text = demo_answer(messages)
            step = 24
            for start in range(0, len(text), step):
                yield {
                    "text": text[start : start + step],
                    "is_finished": False,
                    "finish_reason": "",
                    "usage": None,
                    "index": 0,
                    "tool_use": None,
                }
            prompt_tokens = _tokens(_text_of_all(messages))
            completion_tokens = _tokens(text)
            yield {
                "text": "",
                "is_finished": True,
                "finish_reason": "stop",
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
                "index": 0,
                "tool_use": None,
            }

    return DemoLLM()


def _text_of_all(messages: list[dict[str, Any]]) -> str:
    return "\n".join(_text_of(m.get("content")) for m in messages)
