"""CAF / MSA allocataire numbers: 7 digits, only when introduced as such."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer


class CafNumberRecognizer(FrenchPatternRecognizer):
    """``N° allocataire : 2276391``, ``CAF : n° 2276391``, ``n° alloc 2276391`` -> the number."""

    ENTITY = "CAF_NUMBER"
    PATTERNS = (
        Pattern("caf/ctx", r"(?<![\d.])(?<!\d )(?P<v>\d(?:[ .]?\d){6})(?![\d])(?! ?\d)", 0.9),
    )
    CONTEXT = ("allocataire", "caf", "msa", "alloc", "numéro allocataire")
    REQUIRED_CONTEXT = re.compile(r"(?:\balloc|\bCAF\b|\bMSA\b|allocataire)", re.IGNORECASE)
    CONTEXT_WINDOW = 45
