"""Fixtures for the redaction tests: spaCy is loaded once per session."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.redaction import Redactor
from gateway.redaction.cache import MemoryCache


@pytest.fixture(scope="session")
def redactor(base_redactor: Redactor) -> Redactor:
    """The real redactor (spaCy French + all recognizers), built once per session, with a
    cache of its own that keeps nothing."""
    return dataclasses.replace(base_redactor, cache=MemoryCache(1), propagated=MemoryCache(4096))


def covered(text: str, spans: list, value: str) -> bool:  # type: ignore[type-arg]
    """True if every non-space character of ``value`` (first occurrence) is inside a span."""
    start = text.index(value)
    chars = {i for s in spans for i in range(s.start, s.end)}
    return all(i in chars for i in range(start, start + len(value)) if not text[i].isspace())


def touched(text: str, spans: list, value: str) -> bool:  # type: ignore[type-arg]
    """True if any character of ``value`` (first occurrence) is inside a span."""
    start = text.index(value)
    return any(s.start < start + len(value) and start < s.end for s in spans)
