"""Span arithmetic shared by the analysis: overlapping spans merged under one label, protected
ranges (allow-listed terms, placeholders already in the text) cut out of spans, a span cut at
the tabs of a table row."""

from __future__ import annotations

import re

from gateway.redaction.learned import SCORE as LEARNED_SCORE
from gateway.redaction.reidentify import PLACEHOLDER_RE
from gateway.redaction.settings import RedactionSettings
from gateway.redaction.structure import is_column_name
from gateway.types import Span

# When spans overlap they merge; the label of the more specific recognizer wins.
PRIORITY = (
    "EMAIL",
    "IBAN",
    "NIR",
    "PHONE",
    "ID_DOCUMENT",
    "FT_ID",
    "CAF_NUMBER",
    "CASE_ID",
    "DATE_OF_BIRTH",
    "ADDRESS",
    "PERSON",
)
_RANK = {label: rank for rank, label in enumerate(PRIORITY)}


def cells_of(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of ``text[start:end]`` between tabs, without those that are column names.

    The analysis reads tabs as spaces, so a span may run on into the next cell of a row
    (« 12 rue des Lilas 75011 Paris⇥Téléphone⇥06 12… »): a tab is a cell boundary no value
    crosses, and the label of the next cell is no value at all."""
    if "\t" not in text[start:end]:
        return [(start, end)]
    parts: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\t]+", text[start:end]):
        a, b = trim(text, start + match.start(), start + match.end())
        if a < b and not is_column_name(text[a:b]):
            parts.append((a, b))
    return parts


def protected_ranges(text: str, settings: RedactionSettings) -> list[tuple[int, int]]:
    """Where allow-listed terms and placeholders already in the text (an earlier answer quoted
    back, or a user who pseudonymised by hand) stand: no span covers them."""
    protected = allowed_ranges(text, settings.allow_list)
    protected += [m.span() for m in PLACEHOLDER_RE.finditer(text)]
    return protected


def keep_outside(text: str, spans: list[Span],
                  protected: list[tuple[int, int]]) -> list[Span]:
    """Cut the ``protected`` parts of ``text`` (:func:`protected_ranges`) out of the spans. Only
    the protected part is spared: « 12 rue X, 93200 Saint-Denis » with « Saint-Denis »
    allowed still masks the street."""
    if not protected:
        return spans
    kept: list[Span] = []
    for span in spans:
        pieces = [(span.start, span.end)]
        for a, b in protected:
            cut: list[tuple[int, int]] = []
            for start, end in pieces:
                if b <= start or end <= a:  # no overlap: keep whole
                    cut.append((start, end))
                    continue
                cut.extend(p for p in ((start, a), (b, end)) if p[0] < p[1])
            pieces = cut
        for start, end in pieces:
            start, end = trim(text, start, end)
            if sum(map(str.isalnum, text[start:end])) >= 2:
                kept.append(Span(start, end, span.label, span.score))
    return kept


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the characters at its ends that are no letter or digit."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def merge_spans(spans: list[Span]) -> list[Span]:
    """Union of overlapping spans; the merged span keeps the label of a rule over the
    learned model's, then of a rule span that holds the other whole (an address that holds
    its domiciliation number), then the highest-priority label."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            both_rules = span.score > LEARNED_SCORE and last.score > LEARNED_SCORE
            if both_rules and span.end <= last.end and (
                    span.end - span.start < last.end - last.start):
                label = last.label  # a rule's part inside a rule's whole
            else:
                label = min((last, span), key=_label_rank).label
            merged[-1] = Span(
                last.start, max(last.end, span.end), label, max(last.score, span.score)
            )
        else:
            merged.append(span)
    return merged


def _label_rank(span: Span) -> tuple[bool, int]:
    """Rules (with their checksums and cue words) name a span before the learned model does
    (its spans carry its score, below every rule's); then the more specific family wins."""
    return span.score <= LEARNED_SCORE, _RANK.get(span.label, 99)


def allowed_ranges(text: str, allow_list: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the allow-listed terms occur in ``text`` (case-insensitive, whole words)."""
    ranges: list[tuple[int, int]] = []
    for term in allow_list:
        if term.strip():
            pattern = re.compile(rf"(?<!\w){re.escape(term.strip())}(?!\w)", re.IGNORECASE)
            ranges.extend(m.span() for m in pattern.finditer(text))
    return ranges
