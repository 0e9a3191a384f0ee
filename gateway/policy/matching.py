"""Compiling a policy's classifier hints (phrases, patterns) into matchers over normalised
text. Compiled once per hints object (they are frozen, hence hashable)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gateway.policy.schema import Hints
from gateway.policy.text import normalise


@dataclass(frozen=True, slots=True)
class Matcher:
    """Regexes for one hints block; ``find`` returns the matched words."""

    regexes: tuple[re.Pattern[str], ...]
    # One alternation of all regexes: most blocks match nothing in a given clause, and a
    # single search says so far faster than one scan per phrase (the hot path of classify).
    any_of: re.Pattern[str] | None = None

    def find(self, text: str) -> tuple[str, ...]:
        if self.any_of is not None and self.any_of.search(text) is None:
            return ()
        hits: list[str] = []
        for regex in self.regexes:
            hits.extend(m.group(0).strip() for m in regex.finditer(text))
        return tuple(dict.fromkeys(h for h in hits if h))


def matcher(regexes: tuple[re.Pattern[str], ...]) -> Matcher:
    """A matcher with its prefilter (none when a pattern cannot be embedded in one)."""
    if not regexes:
        return Matcher(regexes)
    try:
        any_of = re.compile("|".join(f"(?:{r.pattern})" for r in regexes))
    except re.error:
        any_of = None
    return Matcher(regexes, any_of)


def phrase_regex(phrase: str) -> re.Pattern[str]:
    """A phrase as an accent-insensitive, whitespace-tolerant, word-bounded regex; a
    trailing ``*`` allows any word ending (« exclu* » matches exclure, exclusion)."""
    norm = normalise(phrase).strip()
    stem = norm.endswith("*")
    words = [re.escape(w) for w in norm.rstrip("*").split()]
    body = r"[\s'-]+".join(words)
    tail = r"\w*" if stem else r"\b"
    return re.compile(rf"(?<!\w){body}{tail}")


@lru_cache(maxsize=512)
def compile_hints(hints: Hints) -> Matcher:
    """Phrases and patterns of ``hints`` as one matcher."""
    return matcher((*compile_phrases(hints).regexes, *compile_patterns(hints).regexes))


@lru_cache(maxsize=512)
def compile_phrases(hints: Hints) -> Matcher:
    return matcher(tuple(phrase_regex(p) for p in hints.phrases if p.strip()))


@lru_cache(maxsize=512)
def compile_patterns(hints: Hints) -> Matcher:
    """For a use, its patterns name the deliverable and weigh more than its phrases."""
    return matcher(tuple(re.compile(p) for p in hints.patterns))
