"""Redaction of a whole conversation with conversation-stable placeholders.

Every text of the request (all messages and roles, ``content`` strings, ``{"type": "text"}``
parts, tool-call arguments) is analysed; names found anywhere are searched everywhere; then
placeholders are numbered per label in order of first appearance over the whole history.
The numbering is a pure function of the conversation, so the same value gets the same
placeholder on every turn without any server-side store. Variants of one person's name
(``Mme DIALLO``, ``Fatou Diallo``, ``Fatou``) share a placeholder when only one known person
carries that word.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from gateway.redaction.analyzer import Redactor
from gateway.redaction.recurrence import recurrences, recurring_values
from gateway.redaction.lexicons import PARTICLES, strip_accents
from gateway.redaction.names import collect_name_tokens
from gateway.redaction.reidentify import PLACEHOLDER_RE
from gateway.redaction.settings import PLACEHOLDER_STEMS, RedactionSettings
from gateway.redaction.names import NAME_WORD as _WORD
from gateway.redaction.spans import merge_spans
from gateway.types import Redaction, Span



@dataclass
class _Segment:
    """One text inside the messages, and how to write its redacted version back."""

    text: str
    path: tuple[Any, ...]  # keys from the message list to the string; "json" marks tool args
    spans: list[Span]


def redact_conversation(
    messages: list[dict[str, Any]], redactor: Redactor, settings: RedactionSettings
) -> Redaction:
    """Redact every text of ``messages`` (never mutated); see module docstring."""
    out = copy.deepcopy(messages)
    segments = _segments(out)
    for seg in segments:
        seg.spans = redactor.analyze(seg.text, settings)
    if "PERSON" in settings.labels:
        allow = frozenset(t.casefold() for t in settings.allow_list)
        tokens = collect_name_tokens(((s.text, s.spans) for s in segments), allow)
        for seg in segments:
            seg.spans = redactor.propagate_names(seg.text, seg.spans, tokens, settings)
    values = recurring_values((s.text, s.spans) for s in segments)
    for seg in segments:
        again = recurrences(seg.text, seg.spans, values)
        if again:
            seg.spans = merge_spans(seg.spans + again)
    typed = [s for s in segments
             if isinstance(out[s.path[0]], dict) and out[s.path[0]].get("role") != "assistant"]
    assign = _Assigner(segments, typed)
    counts: Counter[str] = Counter()
    for seg in segments:
        pieces: list[str] = []
        last = 0
        for span in seg.spans:
            pieces.append(seg.text[last : span.start])
            pieces.append(assign.placeholder(span.label, seg.text[span.start : span.end]))
            counts[span.label] += 1
            last = span.end
        pieces.append(seg.text[last:])
        _write(out, seg.path, "".join(pieces))
    return Redaction(messages=out, mapping=assign.mapping, counts=dict(counts))


class _Assigner:
    """Numbers values per label in order of first appearance."""

    def __init__(self, segments: list[_Segment], typed: list[_Segment]) -> None:
        self.mapping: dict[str, str] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self._next: Counter[str] = Counter()
        # Placeholders the user typed (a text pseudonymised by hand) keep their number: ours
        # skip it, so re-identification can never swap people. Assistant turns are not read
        # for this: a placeholder left in an answer (the demo model shows them) is one of ours
        # and must keep its number on the next turn.
        self._taken: set[tuple[str, int]] = set()
        for seg in typed:
            for m in PLACEHOLDER_RE.finditer(seg.text):
                stem = (m.group("a") or m.group("b")).upper()
                self._taken.add((stem, int(m.group("an") or m.group("bn"))))
        self._people = _PersonGroups(
            [s.text[p.start : p.end] for s in segments for p in s.spans if p.label == "PERSON"]
        )

    def placeholder(self, label: str, value: str) -> str:
        key = (label, self._people.group(value) if label == "PERSON" else _canonical(label, value))
        existing = self._by_key.get(key)
        if existing is not None:
            return existing
        stem = PLACEHOLDER_STEMS.get(label, label)
        self._next[label] += 1
        while (stem, self._next[label]) in self._taken:
            self._next[label] += 1
        placeholder = f"<{stem}_{self._next[label]}>"
        self._by_key[key] = placeholder
        # The mapping restores the fullest form of a person's name seen in the conversation.
        self.mapping[placeholder] = self._people.display(value) if label == "PERSON" else value
        return placeholder


def _canonical(label: str, value: str) -> str:
    if label in ("EMAIL", "ADDRESS"):
        return " ".join(value.casefold().split())
    if label == "DATE_OF_BIRTH":
        return " ".join(value.casefold().split())
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def _name_words(value: str) -> tuple[str, ...]:
    words = [strip_accents(w.casefold()) for w in _WORD.findall(value)]
    return tuple(w for w in words if len(w) > 1 and w not in PARTICLES)


class _PersonGroups:
    """Decides which name mentions denote the same person.

    Each distinct word set is a mention; a mention whose words are a subset of exactly one
    longer mention (and of no other unrelated one) joins it; ambiguous short forms (two
    Diallos) keep their own placeholder.
    """

    def __init__(self, mentions: list[str]) -> None:
        full: dict[frozenset[str], str] = {}
        for m in mentions:
            words = frozenset(_name_words(m))
            if words and (words not in full or len(m) > len(full[words])):
                full[words] = m
        self._display = full
        self._parent: dict[frozenset[str], frozenset[str]] = {}
        for words in full:
            supersets = [w for w in full if words < w]
            # Keep only the maximal supersets: "Fatou" ⊂ "Fatou Diallo" ⊂ "Fatou Aminata Diallo".
            maximal = [w for w in supersets if not any(w < x for x in supersets)]
            self._parent[words] = maximal[0] if len(maximal) == 1 else words

    def group(self, value: str) -> str:
        words = frozenset(_name_words(value))
        root = self._parent.get(words, words)
        return " ".join(sorted(root)) or value.casefold()

    def display(self, value: str) -> str:
        words = frozenset(_name_words(value))
        return self._display.get(self._parent.get(words, words), value)


def segment_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The texts :func:`redact_conversation` analyses in ``messages``, in order."""
    return [seg.text for seg in _segments(messages)]


def _segments(messages: list[dict[str, Any]]) -> list[_Segment]:
    """Every redactable text of the messages, in conversation order."""
    segs: list[_Segment] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        if isinstance(content, str):
            segs.append(_Segment(content, (i, "content"), []))
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    segs.append(_Segment(part["text"], (i, "content", j, "text"), []))
        for j, call in enumerate(msg.get("tool_calls") or []):
            args = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
            if isinstance(args, str):
                segs.extend(_json_segments(args, (i, "tool_calls", j, "function", "arguments")))
        legacy = msg.get("function_call")
        if isinstance(legacy, dict) and isinstance(legacy.get("arguments"), str):
            segs.extend(_json_segments(legacy["arguments"], (i, "function_call", "arguments")))
    return segs


def _json_segments(raw: str, path: tuple[Any, ...]) -> list[_Segment]:
    """Tool arguments: each string value of the JSON, or the raw text if it is not JSON."""
    try:
        value = json.loads(raw)
    except ValueError:
        return [_Segment(raw, path, [])]
    out: list[_Segment] = []

    def walk(node: Any, sub: tuple[Any, ...]) -> None:
        if isinstance(node, str):
            out.append(_Segment(node, path + ("json",) + sub, []))
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, sub + (k,))
        elif isinstance(node, list):
            for k, v in enumerate(node):
                walk(v, sub + (k,))

    walk(value, ())
    return out


def _write(messages: list[Any], path: tuple[Any, ...], new: str) -> None:
    """Store ``new`` at ``path`` (re-serialising tool arguments when needed)."""
    if "json" in path:
        cut = path.index("json")
        holder: Any = messages
        for key in path[: cut - 1]:
            holder = holder[key]
        doc = json.loads(holder[path[cut - 1]])
        if cut + 1 == len(path):
            doc = new
        else:
            node = doc
            for key in path[cut + 1 : -1]:
                node = node[key]
            node[path[-1]] = new
        holder[path[cut - 1]] = json.dumps(doc, ensure_ascii=False)
        return
    holder = messages
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = new
