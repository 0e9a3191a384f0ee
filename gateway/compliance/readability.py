"""A readability check for the easy-to-read (FALC) notice.

FALC guidance (Inclusion Europe, Unapei) asks for short sentences, one idea each, and
common, short words. We measure, per text:

- words per sentence (mean and maximum);
- the Kandel–Moles score, the French adaptation of Flesch's reading ease
  (207 − 1.015 × words/sentence − 73.6 × syllables/word; above ~70 reads as easy);
- the share of long words (four syllables or more), a stand-in for rare words since common
  French words are mostly short.

Syllables are counted as groups of vowels, with a silent final « e/es/ent » dropped: an
approximation, good enough to compare texts and catch a drift to long, learned words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"
_WORD = re.compile(rf"[a-z{_VOWELS}çÿ]+(?:['’-][a-z{_VOWELS}çÿ]+)*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…:])\s+|\n{2,}")


@dataclass(frozen=True, slots=True)
class Readability:
    sentences: int
    words: int
    mean_words: float
    max_words: int
    kandel_moles: float
    long_word_share: float


def syllables(word: str) -> int:
    """Vowel groups, without a silent final e/es/ent (at least one)."""
    w = word.lower().replace("’", "'").split("'")[-1]
    w = re.sub(r"(?<=[^aeiouy])(e|es|ent)$", "", w) if len(w) > 3 else w
    return max(1, len(re.findall(rf"[{_VOWELS}]+", w)))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if _WORD.search(s or "")]


def measure(text: str) -> Readability:
    """The measures above for ``text`` (sentences end with . ! ? … : or a blank line)."""
    parts = sentences(text)
    counts = [len(_WORD.findall(s)) for s in parts]
    words = [w for s in parts for w in _WORD.findall(s)]
    n_words = max(1, len(words))
    n_sent = max(1, len(parts))
    syl = sum(syllables(w) for w in words)
    return Readability(
        sentences=len(parts),
        words=len(words),
        mean_words=len(words) / n_sent,
        max_words=max(counts, default=0),
        kandel_moles=207 - 1.015 * (len(words) / n_sent) - 73.6 * (syl / n_words),
        long_word_share=sum(1 for w in words if syllables(w) >= 4) / n_words,
    )


def is_easy_to_read(r: Readability, *, mean_max: float = 15, sentence_max: int = 20,
                    score_min: float = 70, long_max: float = 0.1) -> list[str]:
    """What fails the FALC check (empty list = passes)."""
    problems = []
    if r.mean_words > mean_max:
        problems.append(f"phrases trop longues en moyenne ({r.mean_words:.1f} mots)")
    if r.max_words > sentence_max:
        problems.append(f"une phrase de {r.max_words} mots")
    if r.kandel_moles < score_min:
        problems.append(f"score de Kandel-Moles {r.kandel_moles:.0f} < {score_min:.0f}")
    if r.long_word_share > long_max:
        problems.append(f"{r.long_word_share:.0%} de mots longs")
    return problems
