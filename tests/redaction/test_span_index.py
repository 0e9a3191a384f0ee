"""``SpanIndex`` answers the overlap questions a list would (``gateway/redaction/span_index.py``)."""

from __future__ import annotations

import random

from gateway.redaction.span_index import SpanIndex
from gateway.types import Span


def _brute(spans: list[Span], start: int, end: int) -> list[Span]:
    return sorted((s for s in spans if s.start < end and start < s.end),
                  key=lambda s: (s.start, s.end))


def test_overlaps_match_a_linear_scan_on_random_spans_and_queries() -> None:
    rng = random.Random(11)
    spans = []
    for _ in range(300):
        start = rng.randrange(0, 2_000)
        spans.append(Span(start, start + rng.choice((1, 3, 8, 40, 400)), "PERSON", 0.9))
    index = SpanIndex(spans[:150])
    for span in spans[150:]:
        index.add(span)
    for _ in range(2_000):
        start = rng.randrange(0, 2_100)
        end = start + rng.randrange(1, 30)
        expected = _brute(spans, start, end)
        assert sorted(index.overlapping(start, end), key=lambda s: (s.start, s.end)) == expected
        assert index.covers(start, end) is bool(expected)


def test_touching_is_not_overlapping() -> None:
    index = SpanIndex([Span(10, 20, "PHONE", 0.9)])
    assert not index.covers(0, 10) and not index.covers(20, 25)
    assert index.covers(19, 21) and index.covers(0, 11)
    assert not SpanIndex().covers(0, 100)
