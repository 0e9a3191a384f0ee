"""Garde-fou plugin: Belgian national register / BIS numbers and Swiss AVS13 numbers."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from gateway.hookspecs import hookimpl


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class BelgianNationalNumberRecognizer(PatternRecognizer):
    """YY.MM.DD-SSS.CC; key = 97 − (first nine digits mod 97), with a leading 2 for people
    born from 2000. BIS numbers add 20 or 40 to the month and use the same key."""

    PATTERNS = [Pattern("be_nrn", r"\b\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}\b", 0.3)]
    CONTEXT = ["registre national", "numéro national", "rijksregister", "niss", "bis"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="BE_NATIONAL_NUMBER", patterns=self.PATTERNS,
            context=self.CONTEXT, supported_language="fr",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = _digits(pattern_text)
        if len(digits) != 11:
            return False
        body, key = digits[:9], int(digits[9:])
        month = int(digits[2:4]) % 20
        if not 0 <= month <= 12:
            return False
        return key in (97 - int(body) % 97, 97 - int("2" + body) % 97)


class SwissAvsRecognizer(PatternRecognizer):
    """756.XXXX.XXXX.XC: an EAN-13 whose check digit closes the number."""

    PATTERNS = [Pattern("ch_avs", r"\b756[.\s]?\d{4}[.\s]?\d{4}[.\s]?\d{2}\b", 0.5)]
    CONTEXT = ["avs", "ahv", "assurance vieillesse", "numéro avs"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CH_AVS", patterns=self.PATTERNS,
            context=self.CONTEXT, supported_language="fr",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = _digits(pattern_text)
        if len(digits) != 13:
            return False
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
        return (10 - total % 10) % 10 == int(digits[12])


@hookimpl
def gardefou_recognizers() -> list[PatternRecognizer]:
    return [BelgianNationalNumberRecognizer(), SwissAvsRecognizer()]
