"""Accent folding shared by redaction (lexicon look-ups) and policy (phrase matching)."""

from __future__ import annotations

from typing import Literal

import sys
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def combining_marks() -> dict[int, None]:
    """A ``str.translate`` table deleting every combining mark (accents once decomposed).
    Built once (~0.1 s, at start-up by ``build_services``); accents then go in one C-level
    pass instead of one Python call per character."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}


def strip_marks(text: str, form: Literal["NFD", "NFKD"] = "NFD") -> str:
    """``text`` decomposed (``NFD``, or ``NFKD`` to fold compatibility forms too) without its
    combining marks: ``Émilie`` → ``Emilie``."""
    if text.isascii():
        return text
    return unicodedata.normalize(form, text).translate(combining_marks())
