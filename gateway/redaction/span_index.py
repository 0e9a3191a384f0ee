"""Spans sorted by start, for the overlap questions the layout and name passes ask of every
cell and word (« is this already masked? », « with which labels? »).

A 100 KB export has thousands of cells and thousands of spans: asking each cell against a
list made those passes quadratic (seconds per request). Here a question costs a binary search
plus the spans that start within the longest span's length before the range (none reaches
further): a handful in practice, though one very long span widens every question's window.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from gateway.types import Span


class SpanIndex:
    """A growing set of spans answering overlap queries by binary search (``add`` inserts in
    a sorted list)."""

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self._spans = sorted(spans, key=lambda s: (s.start, s.end))
        self._starts = [s.start for s in self._spans]
        self._longest = max((s.end - s.start for s in self._spans), default=0)

    def add(self, span: Span) -> None:
        """Index one more span."""
        i = bisect_right(self._starts, span.start)
        self._starts.insert(i, span.start)
        self._spans.insert(i, span)
        self._longest = max(self._longest, span.end - span.start)

    def overlapping(self, start: int, end: int) -> list[Span]:
        """The spans sharing at least one character with ``[start, end)``."""
        lo = bisect_right(self._starts, start - self._longest)
        hi = bisect_left(self._starts, end)
        return [s for s in self._spans[lo:hi] if s.end > start]

    def covers(self, start: int, end: int) -> bool:
        """True if any span shares a character with ``[start, end)``."""
        lo = bisect_right(self._starts, start - self._longest)
        hi = bisect_left(self._starts, end)
        return any(s.end > start for s in self._spans[lo:hi])


__all__ = ["SpanIndex"]
