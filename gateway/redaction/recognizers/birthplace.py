"""Places of birth: « née le 12/03/1984 à Roubaix », « né à Bamako (Mali) ».

A town named on its own is only a quasi-identifier and stays readable, but next to a birth
marker it completes a date of birth (and most of a NIR): together they single a person out.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer
from gateway.redaction.recognizers.birth_date import MONTHS

# A place name: capitalised words, with hyphens, apostrophes and articles (Saint-Denis,
# La Roche-sur-Yon, L'Haÿ-les-Roses, Le Havre), an optional department or country in brackets.
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
_PLACE = rf"(?:(?:Le|La|Les|L['’])\s?)?{_WORD}(?:[\s\-](?:(?:sur|sous|lès|les|en|de|du|d['’])[\s\-])?{_WORD}){{0,3}}(?:\s\([\w\s\-]{{2,20}}\))?"
_DATE = (
    rf"(?:\d{{1,2}}\s?[/.\-]\s?\d{{1,2}}\s?[/.\-]\s?\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"(?:1er|\d{{1,2}})\s+(?:{MONTHS})\s+\d{{4}}|(?:{MONTHS})\s+\d{{4}}|\d{{4}})"
)


class BirthplaceRecognizer(FrenchPatternRecognizer):
    """The place right after « né(e) à » or « né(e) le <date> à »."""

    ENTITY = "BIRTHPLACE"
    PATTERNS = (
        Pattern(
            "birthplace",
            rf"(?i:\bn[ée]e?s?\b(?:\(e\))?\s+(?:le\s+{_DATE}\s+|en\s+\d{{4}}\s+)?(?:à|a|au|en)\s+)(?P<v>{_PLACE})",
            0.8,
        ),
        Pattern(
            "birthplace/label",
            r"(?i:\blieu\s+de\s+naissance\s*:?\s*)(?P<v>" + _PLACE + ")",
            0.8,
        ),
    )
    # Markers are matched case-insensitively, the place must be capitalised (« à l'hôpital »).
    CONTEXT = ("né à", "née à", "lieu de naissance")
