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
        # Obfuscated by hand: "fatou.diallo (at) gmail.com", "fatou arobase gmail point com".
        Pattern(
            "email/obfuscated",
            r"(?<![\w.+\-])[\w.+\-']+\s?(?:\[at\]|\(at\)|\[@\]|\(@\)|\s(?:at|arobase)\s)\s?"
            r"[\w\-]+(?:\s?(?:\.|\[dot\]|\(dot\)|\s(?:dot|point)\s)\s?[\w\-]+)*"
            r"\s?(?:\.|\[dot\]|\(dot\)|\s(?:dot|point)\s)\s?(?:fr|com|net|org|eu|be|ch|info|io)\b",
            0.9,
        ),
    )
    CONTEXT = ("mail", "courriel", "email", "e-mail", "adresse électronique")
    FLAGS = re.UNICODE
