"""Case and file references (ASE, IP/CRIP, AEMO, judge's office, SIAO, FSL, MDPH, tenant…).

A reference is a code of letters and digits joined by dashes or slashes (``ASE-2024-0456``,
``AEMO/24/0387``, ``LOC-590185``); codes made only of digits (``25/04624``) need a label
(dossier, réf., n°…). Dates, phone numbers, year ranges and law articles are not references.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer

_TOKEN = r"[A-Za-z0-9]+(?:[\-/_.][A-Za-z0-9]+){1,4}"
_DATE = re.compile(r"^\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?$")
_YEARS = re.compile(r"^(?:19|20)\d{2}[\-/](?:19|20)?\d{2}$")
_LAW = re.compile(
    r"(?:\bart(?:icle|\.)?s?|\b[LRD]\.?|al(?:in[ée]a|\.)|loi|d[ée]cret|n°\s*\d+)\s*$", re.IGNORECASE
)
_LABEL = re.compile(
    r"(?:dossier|r[ée]f(?:[ée]rence)?\.?|\bn°|num[ée]ro|cabinet|affaire|\bRG\b|parquet|"
    r"demande|contrat|locataire|\bIP\b|CRIP|ASE|AEMO|SIAO|FSL|MDPH|signalement|mesure)",
    re.IGNORECASE,
)


def looks_like_reference(value: str) -> bool:
    """Shape check shared by both patterns: enough digits, not a date/phone/year range."""
    digits = sum(c.isdigit() for c in value)
    if re.search(r"\dh\d|\dh(?:/|$)", value):
        return False  # "24h/24", "9h-12h"
    if digits < 4 or _DATE.match(value) or _YEARS.match(value):
        return False
    compact = re.sub(r"[\-/_.]", "", value)
    # A phone number written with dashes is no reference.
    return not (compact.isdigit() and len(compact) == 10 and compact.startswith("0"))


class CaseIdRecognizer(FrenchPatternRecognizer):
    """Coded references anywhere; digit-only ones after a label."""

    ENTITY = "CASE_ID"
    PATTERNS = (
        Pattern(
            "case/coded",
            rf"(?<![\w/\-.])(?P<v>(?=[A-Za-z0-9\-/_.]*[A-Z])(?=[A-Za-z0-9\-/_.]*\d){_TOKEN}|"
            r"[A-Z]{2,6}\d{5,})(?![\w/\-])",
            0.7,
        ),
        Pattern("case/digits/ctx", rf"(?<![\w/\-.])(?P<v>{_TOKEN}|\d{{5,}})(?![\w/\-])", 0.7),
    )
    CONTEXT = ("dossier", "référence", "réf", "n°", "cabinet", "demande")
    REQUIRED_CONTEXT = _LABEL
    CONTEXT_WINDOW = 40

    def validate_value(self, value: str) -> bool | None:
        return looks_like_reference(value.rstrip("."))

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        """Drop law articles (``article L. 226-3``) and trailing dots."""
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            while result.end > result.start and text[result.end - 1] in "._":
                result.end -= 1
            if _LAW.search(text[max(0, result.start - 14) : result.start]):
                continue
            results.append(result)
        return results
