"""Memoising the classifier's pure text functions without holding long texts.

Every request resends the conversation, so the classifier sees the same (redacted) messages
and clauses again and again; an LRU spares re-reading them. But a request body may carry
megabytes of pasted text: texts longer than ``max_chars`` are computed each time instead of
kept, so each cache holds at most ``maxsize`` × ``max_chars`` characters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

_T = TypeVar("_T")


def memo_short_texts(maxsize: int, max_chars: int = 8000
                     ) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """An ``lru_cache`` of ``maxsize`` entries for a function whose last positional argument
    is a text (the other arguments must be hashable); longer texts bypass it."""
    def wrap(function: Callable[..., _T]) -> Callable[..., _T]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(*args: Any) -> _T:
            if len(args[-1]) > max_chars:
                return function(*args)
            return cached(*args)

        return call
    return wrap
