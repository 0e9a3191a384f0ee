"""The answer as the client gets it: placeholders back to values and the notice
(:mod:`gateway.notice`, one rule for both paths), on a whole answer
(:func:`rewrite_completion`) or chunk by chunk with bounded hold-back (never the whole
stream), with server-sent events, usage capture and error events."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import GatewayError
from gateway.notice import notice_suffix, takes_notice
from gateway.redaction import StreamReidentifier, reidentify_message

log = logging.getLogger("gardefou.streaming")
DONE = b"data: [DONE]\n\n"


def sse(payload: dict[str, Any]) -> bytes:
    """One SSE ``data:`` event."""
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def rewrite_completion(body: dict[str, Any], mapping: dict[str, str] | None,
                       notice: str | None) -> None:
    """Re-identify every choice of a whole ``chat.completion`` (``mapping=None``: leave
    placeholders) and append the notice where :func:`takes_notice` says (in place)."""
    for choice in body.get("choices", []):
        message = choice.get("message") or {}
        if mapping is not None:
            message = reidentify_message(message, mapping)
        if (notice and isinstance(message.get("content"), str)
                and takes_notice(choice.get("finish_reason"))):
            message["content"] += notice_suffix(notice)
        choice["message"] = message


@dataclass(slots=True)
class StreamOutcome:
    """What the usage stage needs to know once the stream is over (no content)."""

    started: float = field(default_factory=time.perf_counter)
    first_token_at: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    streamed_chars: int = 0
    completed: bool = False

    def tokens_or_estimate(self, prompt_chars: int) -> tuple[int, int]:
        """The provider's counts, or ~4 characters a token when it sent none (a stream cut
        short, a provider without usage): quotas must still count what was produced."""
        if self.prompt_tokens or self.completion_tokens:
            return self.prompt_tokens, self.completion_tokens
        if not self.streamed_chars:
            return 0, 0
        return max(1, prompt_chars // 4), max(1, self.streamed_chars // 4)

    @property
    def ttft_s(self) -> float | None:
        return None if self.first_token_at is None else self.first_token_at - self.started


class ChunkRewriter:
    """Re-identifies the deltas of a chunk stream. One stream re-identifier per choice's
    content and per tool call's arguments (JSON-escaping restored values there), each holding
    back at most a placeholder's length. ``mapping=None`` turns re-identification off."""

    def __init__(self, mapping: dict[str, str] | None, notice: str | None) -> None:
        self._mapping = mapping
        self._notice = notice
        self._content: dict[int, StreamReidentifier] = {}
        self._tools: dict[tuple[int, int], StreamReidentifier] = {}

    def _feed(self, table: dict[Any, StreamReidentifier], key: Any, text: str, json_string: bool) -> str:
        if self._mapping is None:
            return text
        if key not in table:
            table[key] = StreamReidentifier(self._mapping, json_string=json_string)
        return table[key].feed(text)

    def _flush_choice(self, index: int) -> str:
        rest = self._content.pop(index, None)
        return rest.flush() if rest is not None else ""

    def rewrite(self, chunk: dict[str, Any]) -> dict[str, Any]:
        """Return ``chunk`` with its deltas re-identified (mutates and returns it)."""
        for choice in chunk.get("choices", []):
            index = choice.get("index", 0)
            delta = choice.setdefault("delta", {})
            if isinstance(delta.get("content"), str):
                delta["content"] = self._feed(self._content, index, delta["content"], False)
            for call in delta.get("tool_calls") or []:
                function = call.get("function") or {}
                if isinstance(function.get("arguments"), str):
                    key = (index, call.get("index", 0))
                    function["arguments"] = self._feed(
                        self._tools, key, function["arguments"], True
                    )
            if choice.get("finish_reason"):
                self._flush_tools(index, delta)
                tail = self._flush_choice(index)
                if self._notice and takes_notice(choice["finish_reason"]):
                    tail += notice_suffix(self._notice)
                if tail:
                    delta["content"] = (delta.get("content") or "") + tail
        return chunk

    def _flush_tools(self, index: int, delta: dict[str, Any]) -> None:
        for key in [k for k in self._tools if k[0] == index]:
            rest = self._tools.pop(key).flush()
            if rest:
                delta.setdefault("tool_calls", []).append(
                    {"index": key[1], "function": {"arguments": rest}}
                )

    def leftovers(self) -> dict[int, dict[str, Any]]:
        """Held-back content and tool arguments of choices that never finished (the stream
        ended abruptly), as one delta per choice."""
        deltas: dict[int, dict[str, Any]] = {}
        for index in sorted({*self._content, *(k[0] for k in self._tools)}):
            delta: dict[str, Any] = {}
            self._flush_tools(index, delta)
            text = self._flush_choice(index)
            if text:
                delta["content"] = text
            if delta:
                deltas[index] = delta
        return deltas


async def sse_stream(
    chunks: AsyncIterator[dict[str, Any]],
    rewriter: ChunkRewriter,
    outcome: StreamOutcome,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """Turn upstream chunks into SSE bytes. Upstream errors after the first byte become an
    OpenAI error event (the SDK raises it); the stream then ends without ``[DONE]``."""
    last: dict[str, Any] | None = None
    try:
        async for chunk in chunks:
            last = chunk
            usage = chunk.get("usage")
            if usage:
                outcome.prompt_tokens = usage.get("prompt_tokens", 0)
                outcome.completion_tokens = usage.get("completion_tokens", 0)
                if not include_usage:
                    chunk.pop("usage")
                    if not chunk.get("choices"):
                        continue
            produced = sum(len(c.get("delta", {}).get("content") or "") for c in chunk.get("choices", []))
            if produced and outcome.first_token_at is None:
                outcome.first_token_at = time.perf_counter()
            outcome.streamed_chars += produced
            yield sse(rewriter.rewrite(chunk))
    except GatewayError as exc:
        yield sse(exc.to_body())
        return
    except Exception as exc:  # noqa: BLE001 - end the stream cleanly, say nothing of the content
        log.error("stream failed: %s", type(exc).__name__)
        yield sse(GatewayError("Erreur interne de la passerelle pendant la réponse.").to_body())
        return
    for index, delta in rewriter.leftovers().items():
        base = {k: last[k] for k in ("id", "object", "created", "model")} if last else {}
        yield sse({**base, "choices": [{"index": index, "delta": delta, "finish_reason": None}]})
    outcome.completed = True
    yield DONE
