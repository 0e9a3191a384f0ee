"""IBAN, validated by the ISO 13616 mod-97 check (French ones also carry a RIB key)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer

# Lengths of the IBANs people in France most often hold (SEPA area and Maghreb).
IBAN_LENGTHS: dict[str, int] = {
    "FR": 27,
    "MC": 27,
    "BE": 16,
    "DE": 22,
    "ES": 24,
    "IT": 27,
    "PT": 25,
    "LU": 20,
    "NL": 18,
    "CH": 21,
    "GB": 22,
    "IE": 22,
    "AT": 20,
    "PL": 28,
    "RO": 24,
    "BG": 22,
    "GR": 27,
    "HR": 21,
    "CZ": 24,
    "SK": 24,
    "HU": 28,
    "SI": 19,
    "LT": 20,
    "LV": 21,
    "EE": 20,
    "FI": 18,
    "SE": 24,
    "DK": 18,
    "NO": 15,
    "TN": 24,
    "MA": 28,
    "DZ": 26,
    "TR": 26,
    "MR": 27,
    "SN": 28,
    "CI": 28,
    "ML": 28,
    "CM": 27,
    "GP": 27,
    "MQ": 27,
    "RE": 27,
    "GF": 27,
    "YT": 27,
    "NC": 27,
    "PF": 27,
}


_LABEL = re.compile(r"(?:\bIBAN\b|\bRIB\b|compte|virement|bancaire)", re.IGNORECASE)


def iban_ok(value: str) -> bool:
    """True if ``value`` (spaces allowed) has a known length and a valid mod-97 check."""
    compact = re.sub(r"[ \-.]", "", value).upper()
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is None or len(compact) != expected or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


class FrIbanRecognizer(FrenchPatternRecognizer):
    """IBANs with or without spaces; the checksum decides, so no context is required."""

    ENTITY = "IBAN"
    PATTERNS = (
        Pattern(
            "iban",
            r"(?<![\w])(?P<v>[A-Za-z]{2}[0-9]{2}(?:[ \-]?[A-Za-z0-9]){11,30})(?![\w])",
            1.0,
        ),
    )
    CONTEXT = ("iban", "rib", "bic", "compte", "virement", "banque")

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        """Trim a greedy match from the right until a valid IBAN remains."""
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            value = text[result.start : result.end]
            expected = IBAN_LENGTHS.get(value[:2].upper())
            if expected is None:
                continue
            # Walk the characters until the expected number of alphanumerics is reached.
            count, end = 0, result.start
            for offset, char in enumerate(value):
                if char.isalnum():
                    count += 1
                if count == expected:
                    end = result.start + offset + 1
                    break
            if count != expected:
                continue
            # A wrong check digit right after an IBAN/RIB label is a typo, still an account.
            labelled = _LABEL.search(text[max(0, result.start - 40) : result.start]) is not None
            if iban_ok(text[result.start : end]) or labelled:
                result.end = end
                results.append(result)
        return results
