"""A normalised view of a text for analysis, with a map back to the original offsets.

Evasion and messy input (copy-paste from PDFs, OCR, phones) must not hide an identifier:
the recognizers run on a view where Unicode compatibility forms are folded (NFKC),
zero-width characters are dropped, every kind of space becomes a plain space, typographic
apostrophes and dashes are unified, and O/o/I/l inside digit runs read as 0/1. Each character
of the view remembers the original index it came from, so spans found on the view map back
to the exact characters of the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_SPACES = frozenset("\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u3000\t")
_TRANSLATE = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
# O/o read as 0, I/l/| read as 1 when they sit inside a run that is otherwise digits.
_LOOKALIKE = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"}
# A run of digits, look-alikes and separators (Corsican 2A/2B allowed inside a NIR).
_RUN = re.compile(r"[0-9OoIl|](?:[0-9OoIl| .\-]|(?<=2)[AB])*[0-9OoIl|]")


@dataclass(frozen=True)
class NormalizedText:
    """``text`` is the view; ``origin[i]`` is the original index of ``text[i]``."""

    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view back to the original text."""
        return self.origin[start], self.origin[end - 1] + 1


def normalize(original: str) -> NormalizedText:
    """Build the normalised view of ``original`` (see module docstring)."""
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
        for piece in folded:
            chars.append(piece)
            origin.append(index)
    text = _fix_lookalikes("".join(chars))
    return NormalizedText(text=text, origin=tuple(origin))


def _fix_lookalikes(text: str) -> str:
    """Replace letter look-alikes by digits inside mostly-digit runs (same length)."""
    if not any(c in text for c in _LOOKALIKE):
        return text
    out = list(text)
    for match in _RUN.finditer(text):
        run = match.group()
        digits = sum(c.isdigit() for c in run)
        lookalikes = sum(c in _LOOKALIKE for c in run)
        # A real number: at least 6 digits and look-alikes a small minority of it.
        if digits >= 6 and lookalikes <= max(1, digits // 3):
            for offset, c in enumerate(run):
                # Only a look-alike glued to a digit: "Il 06…" keeps its "Il".
                glued = (offset > 0 and run[offset - 1].isdigit()) or (
                    offset + 1 < len(run) and run[offset + 1].isdigit()
                )
                if c in _LOOKALIKE and glued:
                    out[match.start() + offset] = _LOOKALIKE[c]
    return "".join(out)
