"""French social-security number (NIR): 13 characters + a 2-digit key = 97 − (n mod 97).

Corsica's departments 2A/2B count as 19/18 in the key computation; people born abroad have
department 99; overseas departments take 3 digits (the commune then has 2). People write it
with spaces, dots or dashes anywhere, so the pattern accepts one separator between any two
characters and the checksum decides.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import SEP, FrenchPatternRecognizer

_CHAR = r"[0-9]"
_NIR_BODY = (
    rf"[1-478]{SEP}?{_CHAR}{SEP}?{_CHAR}{SEP}?{_CHAR}{SEP}?{_CHAR}{SEP}?"
    rf"(?:[0-9]{SEP}?[0-9]|2{SEP}?[ABab])"
    rf"(?:{SEP}?{_CHAR}){{6}}"
)


def nir_key_ok(value: str) -> bool:
    """True if ``value`` (separators allowed) is a NIR whose key matches."""
    compact = re.sub(r"[ .\-]", "", value).upper()
    if len(compact) != 15 or not compact[13:].isdigit():
        return False
    body = compact[:13]
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(compact[13:])


class NirRecognizer(FrenchPatternRecognizer):
    """NIR with a valid key anywhere; with an invalid key or no key only after a NIR label."""

    ENTITY = "NIR"
    PATTERNS = (
        Pattern(
            "nir/checksum", rf"(?<![\w.])(?P<v>{_NIR_BODY}{SEP}?[0-9]{SEP}?[0-9])(?![\w])", 1.0
        ),
        Pattern(
            "nir/ctx", rf"(?<![\w.])(?P<v>{_NIR_BODY}(?:{SEP}?[0-9]{SEP}?[0-9])?)(?![\w])", 0.7
        ),
    )
    CONTEXT = ("nir", "sécurité sociale", "sécu", "insee", "numéro de sécurité", "carte vitale")
    REQUIRED_CONTEXT = re.compile(
        r"\b(?:NIR|s[ée]cu(?:rit[ée] sociale)?|INSEE|vitale|SS|immatriculation)\b", re.IGNORECASE
    )
    CONTEXT_WINDOW = 40

    def __init__(self) -> None:
        super().__init__()
        self._checksum_pattern = self._compiled[0][1]

    def validate_value(self, value: str) -> bool | None:
        # Both patterns go through here; only the checksum one must validate.
        return None

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        """Checksum-valid NIRs, plus labelled ones whatever their key (a typo is still a NIR)."""
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            value = text[result.start : result.end]
            if result.score >= 1.0 and not nir_key_ok(value):
                continue
            results.append(result)
        return results
