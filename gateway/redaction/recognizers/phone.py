"""French and foreign phone numbers in every usual layout.

Public help lines (115, 119, 3919, 08 numbers, lines named next to a helpline) are not
personal data and stay readable.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer

_S = r"[ .\-/]{0,2}"
_FR_NATIONAL = rf"0{_S}[1-79](?:{_S}[0-9]){{8}}"
_FR_INTL = rf"(?:\+|00){_S}33{_S}(?:\(0\){_S})?[1-9](?:{_S}[0-9]){{8}}"
_FOREIGN = rf"(?:\+|00){_S}[1-9][0-9]{{0,2}}(?:{_S}\(?[0-9]{{1,4}}\)?){{2,6}}"

# Not a group inside a longer number (an IBAN, a SIRET).
_NOT_IN_NUMBER = r"(?<!\d )(?<!\d\.)(?<!\d-)"

# Words that name a public help line shortly before a number (also read by ..vetoes).
HELPLINE = re.compile(
    r"(?:\bSOS\b|\b[ée]coute\b|info\s*service|num[ée]ro\s+(?:vert|gratuit|national)|"
    r"ligne\s+(?:d'[ée]coute|nationale)|fil\s+sant[ée]|\bAll[oô]\b|enfance\s+en\s+danger|"
    r"violences?\s+femmes\s+info|pr[ée]vention\s+suicide)",
    re.IGNORECASE,
)


class FrPhoneRecognizer(FrenchPatternRecognizer):
    """Numbers of people and professional lines, not of public help lines."""

    ENTITY = "PHONE"
    PATTERNS = (
        Pattern("phone/fr-intl", rf"(?<![\w+]){_NOT_IN_NUMBER}(?P<v>{_FR_INTL})(?![\w])", 1.0),
        Pattern("phone/fr", rf"(?<![\w+,]){_NOT_IN_NUMBER}(?P<v>{_FR_NATIONAL})(?![\w])", 0.9),
        Pattern("phone/foreign", rf"(?<![\w+]){_NOT_IN_NUMBER}(?P<v>{_FOREIGN})(?![\w])", 0.8),
    )
    CONTEXT = ("tél", "tel", "téléphone", "portable", "mobile", "fixe", "joignable", "appeler")

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        """Drop special-rate (08) numbers and numbers introduced as a help line."""
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            value = text[result.start : result.end]
            digits = re.sub(r"\D", "", value)
            if value.startswith("0") and digits.startswith("08"):
                continue
            if value.startswith(("+", "00")) and not 8 <= len(digits) <= 15:
                continue
            before = text[max(0, result.start - 45) : result.start]
            if HELPLINE.search(before) and not re.search(
                r"\b(?:t[ée]l|portable|joindre|joignable|mobile)\b", before, re.IGNORECASE
            ):
                continue
            results.append(result)
        return results
