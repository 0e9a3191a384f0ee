"""E-mail addresses (no top-level-domain download: Presidio's tldextract check is avoided)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer


class FrEmailRecognizer(FrenchPatternRecognizer):
    """Any ``local@domain.tld`` including accents and plus-addressing."""

    ENTITY = "EMAIL"
    PATTERNS = (
        Pattern(
            "email",
            r"(?<![\w.+\-])[\w.+\-']+\s?@\s?[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,24}(?![\w])",
            1.0,
        ),
    )
    CONTEXT = ("mail", "courriel", "email", "e-mail", "adresse électronique")
    FLAGS = re.UNICODE
