"""Evasion and messy input: the normalised view, offsets mapped back, long-message windows."""

from __future__ import annotations

import itertools

import pytest

from gateway.redaction import Redactor
from gateway.redaction.analyzer import WINDOW, windows
from gateway.redaction.normalize import normalize
from tests.redaction.conftest import covered


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        (
            "tél 06\u200b12\u200b34\u200b56\u200b78 merci",
            "06\u200b12\u200b34\u200b56\u200b78",
            "PHONE",
        ),
        ("tél 06\u00a012\u00a034\u00a056\u00a078", "06\u00a012\u00a034\u00a056\u00a078", "PHONE"),
        ("tél O6 12 34 56 78", "O6 12 34 56 78", "PHONE"),
        ("tél 0 6 1 2 3 4 5 6 7 8", "0 6 1 2 3 4 5 6 7 8", "PHONE"),
        ("tél ０６１２３４５６７８", "０６１２３４５６７８", "PHONE"),
        ("NIR 2 8O O4 2B 282 3O7 80", "2 8O O4 2B 282 3O7 80", "NIR"),
        ("N° allocataire : 22763I1", "22763I1", "CAF_NUMBER"),
        ("mail fatou\u200b.diallo@gmail.com", "fatou\u200b.diallo@gmail.com", "EMAIL"),
        ("Mme\u00a0Fatou\u00a0Diallo est venue", "Fatou\u00a0Diallo", "PERSON"),
    ],
)
def test_evasion_is_seen_through(redactor: Redactor, text: str, value: str, label: str) -> None:
    spans = redactor.analyze(text)
    assert covered(text, spans, value), [(text[s.start : s.end], s.label) for s in spans]
    assert any(s.label == label for s in spans)


def test_offsets_map_back_to_the_original() -> None:
    original = "a\u200bb\u00a0ﬁn"
    view = normalize(original)
    assert view.text == "ab fin"
    assert view.to_original(0, 2) == (0, 3)
    assert view.to_original(3, 6) == (4, 6)  # the ligature "ﬁ" became two characters


def test_letters_in_words_are_not_turned_into_digits() -> None:
    assert normalize("Il 06 12 34 56 78, Olivier 2019").text == "Il 06 12 34 56 78, Olivier 2019"


def test_windows_overlap_and_cover_everything() -> None:
    text = ("mot " * 3000).strip()
    parts = windows(text)
    assert len(parts) > 1
    assert all(len(chunk) <= WINDOW for _, chunk in parts)
    for (s1, c1), (s2, _) in itertools.pairwise(parts):
        assert s2 < s1 + len(c1)  # overlap
    assert parts[-1][0] + len(parts[-1][1]) == len(text)


def test_long_message_is_analysed_whole(redactor: Redactor) -> None:
    filler = "La situation reste stable et le suivi continue. " * 120
    text = (
        filler
        + "Tél de Mme Odile Vasseur : 06 98 76 54 32. "
        + filler
        + "Son NIR : 2 80 04 2B 282 307 80."
        + filler
    )
    assert len(text) > 3 * WINDOW
    spans = redactor.analyze(text)
    for value in ("06 98 76 54 32", "Odile Vasseur", "2 80 04 2B 282 307 80"):
        assert covered(text, spans, value)
    # Every position of a window boundary: an identifier straddling it is still found.
    for cut in range(WINDOW - 20, WINDOW + 5, 4):
        probe = "x " * (cut // 2) + "tél 06 98 76 54 32 " + "suite " * 900
        assert covered(probe, redactor.analyze(probe), "06 98 76 54 32")


def _per_character(original: str) -> tuple[list[str], list[int]]:
    """The view's characters and origins as the per-character fold defines them (the
    reference the run-copying implementation must match)."""
    import unicodedata

    from gateway.redaction.normalize import _DROP, _SPACES, _TRANSLATE

    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        if char in _DROP:
            continue
        if char in _SPACES:
            folded = " "
        elif char in _TRANSLATE:
            folded = _TRANSLATE[char]
        elif char.isascii():
            folded = char
        else:
            folded = unicodedata.normalize("NFKC", char)
        chars.extend(folded)
        origin.extend([index] * len(folded))
    return chars, origin


_SPECIAL = ("\u200b\u00ad\u00a0\u202f\t\u2019\u2018\u02bc\u2010\u2011ﬁ½０１①é\u0301ÀçŒ"
            "\u3000\ufeff")


@pytest.mark.parametrize("seed", range(30))
def test_run_copying_view_is_the_per_character_fold(seed: int) -> None:
    import random
    import re

    rng = random.Random(seed)
    alphabet = "ab Z09.-'\n" + _SPECIAL
    original = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
    chars, origin = _per_character(original)
    if re.search(r"-[ \t]*\n", "".join(chars)):
        return  # a word cut at a line end is joined: covered above
    view = normalize(original)
    assert view.text == "".join(chars)
    assert list(view.origin) == origin
    assert list(view.origin_end) == [i + 1 for i in origin]
