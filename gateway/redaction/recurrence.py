"""A value masked once is masked everywhere it recurs in the conversation.

A CAF number found after its cue (« alloc 4417203 ») may be repeated alone further down, an
address written once in a form and again in a sentence, an e-mail quoted in a reply: the
value itself is searched again, case-insensitively, as a whole word. Names have their own,
word-level propagation (``names.py``); this covers every other label.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.redaction.span_index import SpanIndex
from gateway.types import Span

MIN_CHARS = 5  # shorter values (« 12 », « AB ») recur by chance


def recurring_values(found: Iterable[tuple[str, list[Span]]]) -> dict[str, str]:
    """Casefolded value -> label, for every non-name span of the texts."""
    values: dict[str, str] = {}
    for text, spans in found:
        for span in spans:
            value = text[span.start:span.end].strip()
            if span.label != "PERSON" and len(value) >= MIN_CHARS:
                values.setdefault(value.casefold(), span.label)
    return values


def recurrences(text: str, spans: list[Span], values: dict[str, str]) -> list[Span]:
    """New spans where one of ``values`` occurs in ``text`` outside ``spans``."""
    if not values:
        return []
    folded = text.casefold()
    if len(folded) != len(text):  # casefolding changed lengths (ß, ligatures): skip offsets
        return []
    taken = SpanIndex(spans)
    out: list[Span] = []
    for value, label in values.items():
        start = folded.find(value)
        while start >= 0:
            end = start + len(value)
            if _word_edges(folded, start, end) and not taken.covers(start, end):
                span = Span(start, end, label, 0.8)
                out.append(span)
                taken.add(span)
            start = folded.find(value, start + 1)
    return out


def _word_edges(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and text[start].isalnum()) and not (
        after.isalnum() and text[end - 1].isalnum())


__all__ = ["recurrences", "recurring_values"]
