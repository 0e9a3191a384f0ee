"""Compiling a policy's classifier hints (phrases, patterns) into matchers over normalised
text. Compiled once per hints object (they are frozen, hence hashable).

Classification runs every hints block over every clause of a request, so ``find`` is on the
hot path: a phrase is only tried where its first word occurs in the text (a necessary
condition for its regex to match), which skips almost all of them; the regexes without such
a word (patterns) are first tried together, as one alternation, and one by one only where
one of them matches (in 2 % of the calls on the harness note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from gateway.policy.memo import memo_short_texts
from gateway.policy.schema import Hints
from gateway.policy.text import normalise

_TOKEN = re.compile(r"\w+")


@memo_short_texts(maxsize=4096, max_chars=2000)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(_TOKEN.findall(text))


@dataclass(frozen=True, slots=True)
class Matcher:
    """Regexes for one hints block; ``find`` returns the matched words."""

    regexes: tuple[re.Pattern[str], ...]
    # regex index by the exact first token of its phrase, and by first-token stem (« exclu* »);
    # indexes absent from both (patterns) are always tried
    by_token: dict[str, tuple[int, ...]] = field(default_factory=dict)
    by_stem: dict[str, tuple[int, ...]] = field(default_factory=dict)
    stem_lengths: tuple[int, ...] = ()  # ascending: a word is looked up by each prefix length
    always: tuple[int, ...] = ()
    # the ``always`` regexes as one alternation: none of them matches where it does not
    gate: re.Pattern[str] | None = None

    def find(self, text: str) -> tuple[str, ...]:
        always = self.always if self.gate is None or self.gate.search(text) else ()
        if self.by_token or self.by_stem:
            words = _tokens(text)
            chosen = set(always)
            for word in words & self.by_token.keys():
                chosen.update(self.by_token[word])
            if self.by_stem:
                for word in words:
                    for length in self.stem_lengths:
                        if length > len(word):
                            break
                        hit = self.by_stem.get(word[:length])
                        if hit:
                            chosen.update(hit)
            candidates = [self.regexes[i] for i in sorted(chosen)]
        else:
            candidates = [self.regexes[i] for i in always]
        hits: list[str] = []
        for regex in candidates:
            hits.extend(m.group(0).strip() for m in regex.finditer(text))
        return tuple(dict.fromkeys(h for h in hits if h))


def phrase_regex(phrase: str) -> re.Pattern[str]:
    """A phrase as an accent-insensitive, whitespace-tolerant, word-bounded regex; a
    trailing ``*`` allows any word ending (« exclu* » matches exclure, exclusion)."""
    norm = normalise(phrase).strip()
    stem = norm.endswith("*")
    words = [re.escape(w) for w in norm.rstrip("*").split()]
    body = r"[\s'-]+".join(words)
    tail = r"\w*" if stem else r"\b"
    return re.compile(rf"(?<!\w){body}{tail}")


def _first_token(phrase: str) -> tuple[str, bool] | None:
    """The phrase's first run of word characters, and whether the text's token may only
    start with it (a one-word ``*`` phrase). None when no such necessary token exists."""
    norm = normalise(phrase).strip()
    words = norm.rstrip("*").split()
    if not words:
        return None
    first = _TOKEN.match(words[0])
    if first is None:
        return None
    prefix = norm.endswith("*") and len(words) == 1 and first.group(0) == words[0]
    return first.group(0), prefix


def _phrase_matcher(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> Matcher:
    regexes: list[re.Pattern[str]] = []
    by_token: dict[str, list[int]] = {}
    by_stem: dict[str, list[int]] = {}
    always: list[int] = []
    for phrase in (p for p in phrases if p.strip()):
        index = len(regexes)
        regexes.append(phrase_regex(phrase))
        first = _first_token(phrase)
        if first is None:
            always.append(index)
        elif first[1]:
            by_stem.setdefault(first[0], []).append(index)
        else:
            by_token.setdefault(first[0], []).append(index)
    for pattern in patterns:
        always.append(len(regexes))
        regexes.append(re.compile(pattern))
    return Matcher(tuple(regexes), {k: tuple(v) for k, v in by_token.items()},
                   {k: tuple(v) for k, v in by_stem.items()},
                   tuple(sorted({len(k) for k in by_stem})), tuple(always),
                   _gate([regexes[i] for i in always]))


# a back-reference or a conditional group names a group by number or name, which an
# alternation of several regexes would renumber or duplicate
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _gate(regexes: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex that matches somewhere in a text exactly when one of ``regexes`` does, or
    None when they cannot be joined without changing what they mean (group references,
    different flags, inline global flags, a group name used twice)."""
    if not regexes or len({r.flags for r in regexes}) != 1:
        return None
    if any(_GROUP_REFERENCE.search(r.pattern) for r in regexes):
        return None
    try:
        return re.compile("|".join(f"(?:{r.pattern})" for r in regexes), regexes[0].flags)
    except re.error:
        return None


@lru_cache(maxsize=512)
def compile_hints(hints: Hints) -> Matcher:
    """Phrases and patterns of ``hints`` as one matcher."""
    return _phrase_matcher(hints.phrases, hints.patterns)


@lru_cache(maxsize=512)
def compile_phrases(hints: Hints) -> Matcher:
    return _phrase_matcher(hints.phrases, ())


@lru_cache(maxsize=512)
def compile_patterns(hints: Hints) -> Matcher:
    """For a use, its patterns name the deliverable and weigh more than its phrases."""
    return _phrase_matcher((), hints.patterns)
