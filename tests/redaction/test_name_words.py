"""Helpers of the name rules that read less than they did, with the same answers:
``opens_sentence`` answers as ``SENTENCE_END.search`` on the text before the position (it
reads backwards over the spaces instead of searching the whole text before each word), and
``heading_line`` answers the same when it counts each line once for several spans."""

from __future__ import annotations

import random
import re
import sys

from gateway.redaction.recognizers.name_words import SENTENCE_END, heading_line, opens_sentence
from tests.redaction.test_ner_decode import held_out_texts

# every character the regex names, spaces of several kinds (no-break, thin, the separators
# str.isspace admits), letters and digits
_ALPHABET = ".!?:;\n•-–—*>\"«»( \t\r\x0b\x0c\x1c\x85\xa0\u2009\u2028\u3000aZé0,'"


def _regex(text: str, pos: int) -> bool:
    return SENTENCE_END.search(text[:pos]) is not None


def test_whitespace_is_the_same_for_the_regex_and_isspace() -> None:
    space = re.compile(r"\s")
    assert all((space.match(chr(c)) is not None) == chr(c).isspace()
               for c in range(sys.maxunicode + 1))


def test_same_answers_on_random_text() -> None:
    rng = random.Random(7)
    compared = 0
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 12)))
        for pos in range(len(text) + 1):
            assert opens_sentence(text, pos) == _regex(text, pos), (text, pos)
            compared += 1
    assert compared > 20_000


def test_same_answers_before_every_word_of_the_held_out_corpora() -> None:
    compared = opening = 0
    for text in held_out_texts():
        for match in re.finditer(r"\w+", text):
            expected = _regex(text, match.start())
            assert opens_sentence(text, match.start()) == expected, text[:match.start()][-40:]
            compared += 1
            opening += expected
    assert compared > 30_000 and 0 < opening < compared


def test_heading_line_counts_each_line_once_with_the_same_answers() -> None:
    texts = [*held_out_texts(),
             "LISTE DES ENFANTS\nMARTIN Léa\nrdv avec Mme DUPONT\nRAPPORT À MONSIEUR LE JUGE",
             "VISITE CHEZ LES\nBENALI ET FILS\n\nSuivi de Karim BENALI"]
    rng = random.Random(3)
    compared = headings = 0
    for text in texts:
        lines: dict[tuple[int, int], tuple[int, int]] = {}
        words = [m.span() for m in re.finditer(r"\w+", text)]
        # spans of one to four words, some across line breaks, asked in random order
        spans = [(words[i][0], words[min(i + rng.randint(0, 3), len(words) - 1)][1])
                 for i in range(len(words))]
        rng.shuffle(spans)
        for start, end in spans:
            expected = heading_line(text, start, end)
            assert heading_line(text, start, end, lines) == expected, text[start:end]
            compared += 1
            headings += expected
    assert compared > 30_000 and headings > 0
