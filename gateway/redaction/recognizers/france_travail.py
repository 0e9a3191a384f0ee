"""France Travail (ex-Pôle emploi) identifiers: 7 digits + 1 letter, or labelled ids."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer


class FranceTravailRecognizer(FrenchPatternRecognizer):
    """The 7-digit + letter shape is distinctive enough alone; other shapes need the label."""

    ENTITY = "FT_ID"
    PATTERNS = (
        Pattern("ft/shape", r"(?<![\w])(?P<v>\d{7}[A-Za-z])(?![\w])", 0.85),
        Pattern(
            "ft/ctx", r"(?<![\w])(?P<v>\d{6,8}[A-Za-z]{0,2}|[A-Za-z]{1,2}\d{6,8})(?![\w])", 0.8
        ),
    )
    CONTEXT = ("france travail", "pôle emploi", "identifiant", "demandeur d'emploi")
    REQUIRED_CONTEXT = re.compile(
        r"(?:France\s*Travail|P[ôo]le[\s\-]*emploi|\bFT\b|\bPE\b|identifiant|demandeur d'emploi)",
        re.IGNORECASE,
    )
    CONTEXT_WINDOW = 45
