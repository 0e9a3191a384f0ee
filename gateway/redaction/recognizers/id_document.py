"""Identity documents: CNI (12 digits before 2021, 9 characters since), passport
(2 digits + 2 letters + 5 digits), residence permit (AGDREF, 10 digits)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer


class IdDocumentRecognizer(FrenchPatternRecognizer):
    """The passport shape alone; the other shapes after a document label."""

    ENTITY = "ID_DOCUMENT"
    PATTERNS = (
        Pattern("id/passport", r"(?<![\w])(?P<v>\d{2}[A-Z]{2}\d{5})(?![\w])", 0.85),
        Pattern("id/cni-old/ctx", r"(?<![\w])(?P<v>\d{4} ?\d{4} ?\d{4})(?![\w])", 0.8),
        Pattern("id/agdref/ctx", r"(?<![\w])(?P<v>\d{10})(?![\w])", 0.8),
        Pattern(
            "id/cni-new/ctx",
            r"(?<![\w])(?P<v>(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{9})(?![\w])",
            0.8,
        ),
    )
    CONTEXT = ("carte d'identité", "cni", "passeport", "titre de séjour", "agdref", "récépissé")
    REQUIRED_CONTEXT = re.compile(
        r"(?:carte\s+(?:nationale\s+)?d'identit[ée]|\bCNI\b|passeport|titre\s+de\s+s[ée]jour|"
        r"\bTS\b|AGDREF|r[ée]c[ée]piss[ée]|pi[èe]ce\s+d'identit[ée]|n°\s*[ée]tranger|"
        r"identit[ée]|s[ée]jour|\bID\b)",
        re.IGNORECASE,
    )
    CONTEXT_WINDOW = 60
