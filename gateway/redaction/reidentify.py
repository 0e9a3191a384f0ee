"""Re-identification of answers: placeholders back to the original values.

Models sometimes alter placeholders slightly (``<personne_1>``, ``PERSONNE_1``,
``[PERSONNE_1]``, ``< PERSONNE_1 >``); those are restored too. Placeholders that were never
issued for this request are left exactly as written. Streaming keeps a bounded hold-back
buffer: only a tail that could still become a placeholder is held, never the whole stream.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from gateway.redaction.settings import PLACEHOLDER_STEMS

_STEMS = sorted(set(PLACEHOLDER_STEMS.values()), key=len, reverse=True)
_STEM_RE = "|".join(re.escape(s).replace("_", r"[_ ]") for s in _STEMS)
# Bracketed forms may have spaces inside; a bare form needs the underscore and word boundaries.
PLACEHOLDER_RE = re.compile(
    rf"[<\[{{]\s?(?P<a>{_STEM_RE})\s?[_ ]\s?(?P<an>\d{{1,4}})\s?[>\]}}]"
    rf"|(?<![\w<\[])(?P<b>{_STEM_RE})_(?P<bn>\d{{1,4}})(?![\w>\]])",
    re.IGNORECASE,
)
MAX_PLACEHOLDER = max(len(s) for s in _STEMS) + 12  # brackets, spaces, underscore, digits


def _canonical(match: re.Match[str]) -> str:
    stem = (match.group("a") or match.group("b")).upper().replace(" ", "_")
    number = match.group("an") or match.group("bn")
    return f"<{stem}_{int(number)}>"


def reidentify_text(text: str, mapping: dict[str, str]) -> str:
    """Replace every issued placeholder (exact or slightly altered) by its value."""
    if not mapping or not text:
        return text

    def repl(match: re.Match[str]) -> str:
        return mapping.get(_canonical(match), match.group())

    return PLACEHOLDER_RE.sub(repl, text)


def _viable_prefix(tail: str) -> bool:
    """True if ``tail`` could still grow into a placeholder (so it must be held back)."""
    t = tail.upper()
    if t[:1] in "<[{":
        t = t[1:].lstrip(" ") if len(t) - len(t[1:].lstrip(" ")) <= 2 else "#"
        if not t:
            return True
    for stem in _STEMS:
        spaced = stem
        if len(t) <= len(spaced):
            if spaced.startswith(t) or spaced.replace("_", " ").startswith(t):
                return True
            continue
        if t.startswith((spaced, spaced.replace("_", " "))):
            rest = t[len(spaced) :]
            if re.fullmatch(r"\s?(?:[_ ]\s?\d{0,4}\s?[>\]}]?)?", rest) and not re.search(
                r"[>\]}]$", rest
            ):
                return True
    return False


class StreamReidentifier:
    """Incremental :func:`reidentify_text` for streamed answers.

    With ``json_string=True`` the stream is the inside of JSON (streamed tool-call
    ``arguments``): restored values are JSON-escaped so a quote in a value cannot break it.
    """

    def __init__(self, mapping: dict[str, str], json_string: bool = False) -> None:
        self._mapping = (
            {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in mapping.items()}
            if json_string
            else mapping
        )
        self._buffer = ""

    def feed(self, delta: str) -> str:
        """Add a chunk; return the text that is safe to emit now (re-identified)."""
        self._buffer += delta
        hold = len(self._buffer)
        start = max(0, len(self._buffer) - MAX_PLACEHOLDER)
        for i in range(start, len(self._buffer)):
            char = self._buffer[i]
            if (
                (char in "<[{" or char.isalpha())
                and (i == 0 or not self._buffer[i - 1].isalnum() or char in "<[{")
                and _viable_prefix(self._buffer[i:])
            ):
                hold = i
                break
        ready, self._buffer = self._buffer[:hold], self._buffer[hold:]
        return reidentify_text(ready, self._mapping)

    def flush(self) -> str:
        """End of stream: emit whatever is held."""
        ready, self._buffer = self._buffer, ""
        return reidentify_text(ready, self._mapping)


def reidentify_message(message: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """A copy of an assistant message with ``content`` (string or text parts) and tool-call
    arguments re-identified."""
    out = copy.deepcopy(message)
    content = out.get("content")
    if isinstance(content, str):
        out["content"] = reidentify_text(content, mapping)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                part["text"] = reidentify_text(part["text"], mapping)
    for call in out.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            function["arguments"] = reidentify_arguments(function["arguments"], mapping)
    legacy = out.get("function_call")
    if isinstance(legacy, dict) and isinstance(legacy.get("arguments"), str):
        legacy["arguments"] = reidentify_arguments(legacy["arguments"], mapping)
    return out


def reidentify_arguments(raw: str, mapping: dict[str, str]) -> str:
    """Tool-call arguments: values (and keys) restored inside JSON strings with proper
    escaping."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return reidentify_text(raw, mapping)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return reidentify_text(node, mapping)
        if isinstance(node, dict):
            # keys too: a tool's parameter names are redacted like its descriptions
            return {reidentify_text(k, mapping): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return json.dumps(walk(doc), ensure_ascii=False)
