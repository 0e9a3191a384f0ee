"""The look-ahead on a pattern's first characters (``recognizers/starts.py``) changes no
match: every recognizer pattern finds the same spans and groups with and without it, on the
held-out corpora and on random text; and what it works out, or gives up on."""

from __future__ import annotations

import random
import re

import pytest

from gateway.redaction import Redactor
from gateway.redaction.recognizers.base import FrenchPatternRecognizer
from gateway.redaction.recognizers.starts import start_guard
from tests.redaction.test_ner_decode import held_out_texts

# digits, separators, letters in both cases, accents, letters whose case folding is special
_ALPHABET = "0123456789 .-/+()«»,;:'@[]_\n\tABCaeilnoqsjfmdéÉàçſKkİı"


def _matches(regex: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in regex.finditer(text)]


def test_every_recognizer_pattern_finds_the_same_with_its_guard(redactor: Redactor) -> None:
    rng = random.Random(19)
    texts = held_out_texts()
    texts += ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 120)))
              for _ in range(1500)]
    guarded = 0
    for recognizer in redactor.engine.registry.recognizers:
        if not isinstance(recognizer, FrenchPatternRecognizer):
            continue
        for pattern, compiled in recognizer._compiled:
            plain = re.compile(pattern.regex, compiled.flags)
            guarded += compiled.pattern != pattern.regex
            for text in texts:
                assert _matches(compiled, text) == _matches(plain, text), (pattern.name, text)
    assert guarded >= 10  # phones, NIR, dates, documents… run behind their guard


@pytest.mark.parametrize(("pattern", "flags", "guard"), [
    (r"(?<![\w.])(?P<v>\d{7})", 0, r"(?=[\d])"),
    (r"(?:\+|00)33", 0, r"(?=[\+0])"),
    (r"\b(?i:alias)\s+\w+", 0, r"(?=(?i:[a]))"),
    (r"(?:né|nee) le", re.IGNORECASE, r"(?=[n])"),  # read with the pattern's flags
    (r"a?b\d", 0, r"(?=[ab])"),  # an optional first item: what follows may start too
    (r"(?:x|)\d", 0, r"(?=[x\d])"),  # an empty alternative
    (r"(?=\d{3})[0-9]+", 0, r"(?=[0-9])"),  # a look-ahead consumes nothing
])
def test_guard_of(pattern: str, flags: int, guard: str) -> None:
    assert start_guard(pattern, flags) == guard


@pytest.mark.parametrize("pattern", [
    r"\d*",  # may match empty: anywhere
    r"(?<!\w)",  # only zero-width
    r".\d",  # any character
    r"\w+@",  # too broad
    r"[A-Z]{2}\d",  # a range of letters: too broad
    r"[^\d]x",  # a negated class
    r"(a)?\1b",  # a group reference may come first
    r"[abcdefghijklmnopqrstuvwxy]\d",  # too many letters to save anything
    r"(",  # not a regex
])
def test_no_guard_for(pattern: str) -> None:
    assert start_guard(pattern) == ""
