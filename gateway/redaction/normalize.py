"""A normalised view of a text for analysis, with a map back to the original offsets.

Evasion and messy input (copy-paste from PDFs, OCR, phones) must not hide an identifier:
the recognizers run on a view where Unicode compatibility forms are folded (NFKC),
zero-width characters are dropped, every kind of space becomes a plain space, typographic
apostrophes and dashes are unified, and O/o/I/l inside digit runs read as 0/1. Each character
of the view remembers the original index it came from, so spans found on the view map back
to the exact characters of the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from gateway.redaction.spoken import Spoken, find_all

_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_SPACES = frozenset("\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u3000\t")
_TRANSLATE = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
# The characters :func:`_fold` may change: every non-ASCII one and the ASCII ones above.
_ASCII_FOLDED = sorted(c for c in _DROP | _SPACES | _TRANSLATE.keys() if c.isascii())
_FOLDED = re.compile("|".join([r"[^\x00-\x7f]", *map(re.escape, _ASCII_FOLDED)]))


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """What ``char`` becomes in the view (``""``: dropped)."""
    if char in _DROP:
        return ""
    if char in _SPACES:
        return " "
    if char in _TRANSLATE:
        return _TRANSLATE[char]
    if char.isascii():
        return char
    return unicodedata.normalize("NFKC", char)


# O/o read as 0, I/l/| read as 1 when they sit inside a run that is otherwise digits.
_LOOKALIKE = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"}
# A run of digits, look-alikes and separators (Corsican 2A/2B allowed inside a NIR).
_RUN = re.compile(r"[0-9OoIl|](?:[0-9OoIl| .\-]|(?<=2)[AB])*[0-9OoIl|]")


@dataclass(frozen=True)
class NormalizedText:
    """``text`` is the view; ``text[i]`` comes from ``original[origin[i]:origin_end[i]]``."""

    text: str
    origin: tuple[int, ...]
    origin_end: tuple[int, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view back to the original text."""
        if self.origin_end:
            return self.origin[start], self.origin_end[end - 1]
        return self.origin[start], self.origin[end - 1] + 1


def normalize(original: str) -> NormalizedText:
    """Build the normalised view of ``original`` (see module docstring)."""
    pieces: list[str] = []
    origin: list[int] = []
    copied = 0  # the original up to here is in ``pieces``
    # Most characters stay as they are: only the others are looked at one by one, the runs
    # between them copied whole.
    for match in _FOLDED.finditer(original):
        index = match.start()
        if index > copied:
            pieces.append(original[copied:index])
            origin.extend(range(copied, index))
        folded = _fold(match.group())
        pieces.append(folded)
        origin.extend([index] * len(folded))
        copied = index + 1
    pieces.append(original[copied:])
    origin.extend(range(copied, len(original)))
    chars = list("".join(pieces))
    ends = [i + 1 for i in origin]
    chars, origin, ends = _join_hyphenation(chars, origin, ends)
    folded_text = "".join(chars)
    spoken = find_all(folded_text)
    if spoken:
        chars, origin, ends = _write_digits(folded_text, origin, ends, spoken)
        folded_text = "".join(chars)
    text = _fix_lookalikes(folded_text)
    return NormalizedText(text=text, origin=tuple(origin), origin_end=tuple(ends))


_HYPHENATION = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_])")


def _join_hyphenation(
    chars: list[str], origin: list[int], ends: list[int]
) -> tuple[list[str], list[int], list[int]]:
    """A word cut at the end of a line (« Gonçal-⏎ves », OCR and PDF copies) is read whole:
    the hyphen and the line break leave the view, and a span on the word covers both."""
    text = "".join(chars)
    if "-\n" not in text and not re.search(r"-[ \t]+\n", text):
        return chars, origin, ends
    cuts = [m.span() for m in _HYPHENATION.finditer(text)]
    if not cuts:
        return chars, origin, ends
    keep = [True] * len(chars)
    for a, b in cuts:
        for i in range(a, b):
            keep[i] = False
    return ([c for c, k in zip(chars, keep) if k], [o for o, k in zip(origin, keep) if k],
            [e for e, k in zip(ends, keep) if k])


def _write_digits(
    text: str, origin: list[int], ends: list[int], spoken: list[Spoken]
) -> tuple[list[str], list[int], list[int]]:
    """The view with each dictated run replaced by its digits; every digit maps back to the
    whole run of words (a span on part of the digits masks all the words)."""
    chars: list[str] = []
    new_origin: list[int] = []
    new_ends: list[int] = []
    last = 0
    for run in spoken:
        chars.extend(text[last:run.start])
        new_origin.extend(origin[last:run.start])
        new_ends.extend(ends[last:run.start])
        chars.extend(run.written)
        new_origin.extend([origin[run.start]] * len(run.written))
        new_ends.extend([ends[run.end - 1]] * len(run.written))
        last = run.end
    chars.extend(text[last:])
    new_origin.extend(origin[last:])
    new_ends.extend(ends[last:])
    return chars, new_origin, new_ends


def _fix_lookalikes(text: str) -> str:
    """Replace letter look-alikes by digits inside mostly-digit runs (same length)."""
    if not any(c in text for c in _LOOKALIKE):
        return text
    out = list(text)
    for match in _RUN.finditer(text):
        run = match.group()
        if len(run) < 6:  # fewer than 6 digits (« ll » of « elle »): never a number here
            continue
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
