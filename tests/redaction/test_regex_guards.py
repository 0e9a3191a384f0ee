"""The guards put in front of regexes (``redaction/regex_guards.py``) change no match.

The look-ahead on a pattern's first characters: every recognizer pattern finds the same
spans and groups with and without it, on the held-out corpora and on random text. The
characters every match needs: the tokenizer's exceptions regex answers the same with its
guard on the French vocabulary, the corpora's words and random text, and the tokens are the
same. And what each works out, or gives up on."""

from __future__ import annotations

import random
import re

import pytest

from gateway.redaction import Redactor
from gateway.redaction.recognizers.base import FrenchPatternRecognizer
from gateway.redaction.regex_guards import required_guard, start_guard
from gateway.redaction.tokens import guard_token_match, split_cells
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


def test_the_birthday_heading_finds_the_same_behind_its_guard() -> None:
    from gateway.redaction.birthday_lists import _BIRTHDAY_HEADING, BIRTHDAY_HEADING

    plain = re.compile(BIRTHDAY_HEADING, re.IGNORECASE)
    assert _BIRTHDAY_HEADING.pattern != BIRTHDAY_HEADING  # guarded
    rng = random.Random(5)
    texts = held_out_texts() + ["Anniversaires :\nKenza  14 mars", "bon anniversaire Kenza",
                                "DATES DE NAISSANCE des enfants", "nés le 3 mai, née en 2001"]
    texts += ["".join(rng.choice(_ALPHABET + "niversBDé") for _ in range(rng.randint(0, 80)))
              for _ in range(1500)]
    for text in texts:
        assert _matches(_BIRTHDAY_HEADING, text) == _matches(plain, text), text


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


def test_the_tokenizer_exceptions_regex_answers_the_same_behind_its_guard(
        redactor: Redactor) -> None:
    from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH

    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    guarded = nlp.tokenizer.token_match
    assert guarded is not TOKEN_MATCH  # the gateway's tokenizer runs behind the guard
    rng = random.Random(7)
    strings = list(nlp.vocab.strings)
    # every word the package knows with a hyphen or an apostrophe, a sample of the others
    texts = [w for w in strings if any(c in w for c in "-'’–—‐‑~|")]
    texts += rng.sample(strings, 20_000)
    for text in held_out_texts():
        for word in text.split():
            texts += [word, word.strip(".,;:!?()«»\"")]
    texts += ["".join(rng.choice(_ALPHABET + "-’–—") for _ in range(rng.randint(0, 30)))
              for _ in range(3000)]
    matched = 0
    for text in texts:
        plain = TOKEN_MATCH(text)
        ours = guarded(text)
        assert (plain and plain.span()) == (ours and ours.span()), text
        matched += plain is not None
    assert matched > 10_000  # « Aix-en-Provence », « abat-jour », « prud'homme »…


def test_the_tokens_are_the_same_behind_the_guard(redactor: Redactor) -> None:
    import spacy

    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    plain = spacy.blank("fr")
    split_cells(plain)
    guarded = spacy.blank("fr")
    split_cells(guarded)
    guard_token_match(guarded)
    assert guarded.tokenizer.token_match is not plain.tokenizer.token_match
    for text in held_out_texts():
        expected = [t.text for t in plain.make_doc(text)]
        assert [t.text for t in guarded.make_doc(text)] == expected
        with nlp.memory_zone():  # the gateway's own, warmed up
            assert [t.text for t in nlp.make_doc(text)] == expected


@pytest.mark.parametrize(("pattern", "flags", "guard"), [
    (r"^a[-‐]b[a-z]+$", 0, r"[\-‐]"),  # the item without letters
    (r"(?:x-|y’)z", 0, r"[\-’]"),  # one per alternative
    (r"(?i)ab", 0, r"(?i:[a])"),  # letters in any case
    (r"ab", re.IGNORECASE, r"(?i:[a])"),
    (r"\d+x?", 0, r"[\d]"),
    (r"(?:a|b*)c", 0, r"[c]"),  # an alternative that can be empty requires nothing
    (r"(?=-)\w+'", 0, r"[']"),  # a look-ahead consumes nothing
])
def test_required_guard_of(pattern: str, flags: int, guard: str) -> None:
    assert required_guard(pattern, flags) == guard


@pytest.mark.parametrize("pattern", [
    r"\w+",  # too broad
    r"[^-]+",  # a negated class
    r"(?:l')?[a-z]+",  # only optional items are known
    r"a*",  # may match empty
    r"(",  # not a regex
])
def test_no_required_guard_for(pattern: str) -> None:
    assert required_guard(pattern) == ""


@pytest.mark.parametrize("pattern", [
    r"^a[-‐]b[a-z]+$", r"(?:x-|y’)z", r"(?i)ab", r"\d+x?", r"(?:a|b*)c", r"(?i)[Ⅰ]x|K",
    r"(?:(?:ab)+|c{2,})-?", r"[ſs]+t",
])
def test_a_string_without_the_required_characters_never_matches(pattern: str) -> None:
    guard = re.compile(required_guard(pattern))
    regex = re.compile(pattern)
    rng = random.Random(3)
    alphabet = _ALPHABET + "‐’xyzbcⅠⅰkKtST"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        if regex.search(text):
            assert guard.search(text), (pattern, text)
