"""Coreference of names: a name found once is masked everywhere it recurs.

The recognizers find ``Mme Fatou DIALLO`` in one sentence; later ``Diallo`` or ``Fatou`` alone
may have no trigger at all. Every word of every PERSON span becomes a *name token*, searched
again in every text of the conversation. Tokens that are also common words (``Rose``,
``Pierre``) are only taken where they are capitalised and not the first word of a sentence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from gateway.redaction.lexicons import (
    CIVILITIES,
    DETERMINERS,
    NON_NAMES,
    PARTICLES,
    ROLES,
    Lexicons,
    strip_accents,
)
from gateway.redaction.span_index import SpanIndex
from gateway.types import Span

# A name word: letters, inner apostrophes and hyphens.
NAME_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n•\-–—*>«\"(]\s*)$")
_PARTICLE_BEFORE = re.compile(r"(?<![\w'’])(?:Van|Von|De|Da|Do|Dos|Di|Du|Le|La|El|Al|Ben|Ould) $")
_DETERMINER_BEFORE = re.compile(
    r"(?:\b(?:de|du|des|un|une|le|la|les|ce|cette|son|sa|ses|mon|ma|au|aux)|\b[dl]')\s*$",
    re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"[ ,]*([^\W\d_]+)")
# Words that, following a sentence-initial common word, show it is not a name (« Grâce à »,
# « Petit à petit »): articles, possessives, prepositions, conjunctions, relatives.
_FUNCTION_WORDS = DETERMINERS | frozenset(
    ["à", "en", "et", "ou", "par", "pour", "sur", "sous", "dans", "avec", "sans", "chez", "que",
     "qui", "dont", "où"]
)
_CIVILITY_BEFORE = re.compile(
    r"(?:\b(?:M|Mme|Mlle|Mr|Dr|Me)\.?|Madame|Monsieur)\s+$", re.IGNORECASE
)


@dataclass(frozen=True)
class NameTokens:
    """Name words seen so far (folded, accents stripped); ``lower`` were seen in lower case."""

    words: frozenset[str]
    lower: frozenset[str]

    @cached_property
    def digest(self) -> str:
        """A digest of both sets, to key cached propagation results without the words
        (computed once per conversation, used for each of its messages)."""
        h = hashlib.blake2b(digest_size=16)
        for group in (self.words, self.lower):
            for word in sorted(group):
                h.update(word.encode("utf-8", "surrogatepass") + b"\x00")
            h.update(b"\x01")
        return h.hexdigest()


def _key(word: str) -> str:
    return strip_accents(word.casefold())


def collect_name_tokens(
    texts_and_spans: Iterable[tuple[str, list[Span]]], allow: frozenset[str]
) -> NameTokens:
    """Gather the words of all PERSON spans (particles, initials and allow-listed terms excluded)."""
    words: set[str] = set()
    lower: set[str] = set()
    for text, spans in texts_and_spans:
        for span in spans:
            if span.label != "PERSON":
                continue
            for match in NAME_WORD.finditer(text, span.start, span.end):
                word = match.group()
                key = _key(word)
                if (
                    len(word) < 2
                    or key in PARTICLES
                    or word.casefold() in NON_NAMES
                    or key in allow
                ):
                    continue
                if word.casefold() in CIVILITIES:
                    continue
                words.add(key)
                if word.islower():
                    lower.add(key)
    return NameTokens(frozenset(words), frozenset(lower))


def propagate(text: str, spans: list[Span], tokens: NameTokens, lexicons: Lexicons) -> list[Span]:
    """New PERSON spans for recurrences of name tokens not already covered by ``spans``."""
    if not tokens.words:
        return []
    covered = SpanIndex(spans)
    found: list[Span] = []
    for match in NAME_WORD.finditer(text):
        word = match.group()
        key = _key(word)
        if key not in tokens.words or covered.covers(match.start(), match.end()):
            continue
        if word.islower() and key not in tokens.lower:
            continue
        if word.islower() and _DETERMINER_BEFORE.search(
            text, max(0, match.start() - 8), match.start()
        ):
            continue  # "un bateau de marin": a determiner makes it a common noun
        if lexicons.is_common(word) and not _CIVILITY_BEFORE.search(
            text[max(0, match.start() - 12) : match.start()]
        ):
            if word.islower() and key not in tokens.lower:
                continue
            # First word of a sentence: a name if a verb or a name follows ("Rose est venue"),
            # not if a preposition or an article does ("Grâce à", "Petit à petit").
            if _SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
                following = _NEXT_WORD.match(text, match.end())
                if following is None or following.group(1).casefold() in _FUNCTION_WORDS:
                    continue
        start = match.start()
        particle = _PARTICLE_BEFORE.search(text, max(0, start - 5), start)
        if particle:  # "Van Duc", "Le Goff", "El Idrissi" after the surname was learnt
            start = particle.start()
        if found and text[found[-1].end : start] in (" ", "-"):
            found[-1] = Span(found[-1].start, match.end(), "PERSON", 0.8)
        else:
            found.append(Span(start, match.end(), "PERSON", 0.8))
    return found


_LIST_GAP = r"(?:\s*,\s*|\s+(?:et|ou|&)\s+)"
_GAP_BEFORE = re.compile(_LIST_GAP + r"$")
_GAP_AFTER = re.compile(_LIST_GAP)


def enumerated_names(text: str, spans: list[Span], lexicons: Lexicons) -> list[Span]:
    """Capitalised words listed with names: in « Nassur, Faïza, Chamsia et Espoir » the last
    word is a name like the others, even though « espoir » is also a common word.

    A word is taken when it stands between two names of the list, or next to a name that is
    itself listed with another name (two names at least show it is a list of people)."""
    persons = sorted((s.start, s.end) for s in spans if s.label == "PERSON")
    if len(persons) < 2:
        return []
    ends = {e: s for s, e in persons}
    starts = {s: e for s, e in persons}

    def name_before(pos: int) -> tuple[int, int] | None:
        gap = _GAP_BEFORE.search(text, max(0, pos - 6), pos)
        if gap and gap.start() in ends:
            return ends[gap.start()], gap.start()
        return None

    def name_after(pos: int) -> tuple[int, int] | None:
        gap = _GAP_AFTER.match(text, pos)
        if gap and gap.end() in starts:
            return gap.end(), starts[gap.end()]
        return None

    covered = SpanIndex(spans)
    found: list[Span] = []
    for match in NAME_WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or (word.isupper() and len(word) <= 2):
            continue
        if covered.covers(match.start(), match.end()):
            continue
        folded = word.casefold()
        if folded in DETERMINERS or folded in _FUNCTION_WORDS or folded in NON_NAMES \
                or folded in ROLES or folded in CIVILITIES:
            continue
        left = name_before(match.start())
        right = name_after(match.end())
        listed = (left and right) or (left and name_before(left[0])) or (
            right and name_after(right[1]))
        if listed:
            found.append(Span(match.start(), match.end(), "PERSON", 0.8))
    return found
