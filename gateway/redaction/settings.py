"""Redaction labels, their placeholder names, and the per-organisation settings."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

# Label (as in the evaluation corpus) -> placeholder stem shown to the model.
# French stems because the model writes French around them; upper case with an underscore and
# a number is a form models copy faithfully.
PLACEHOLDER_STEMS: dict[str, str] = {
    "PERSON": "PERSONNE",
    "PHONE": "TELEPHONE",
    "EMAIL": "EMAIL",
    "ADDRESS": "ADRESSE",
    "NIR": "NIR",
    "IBAN": "IBAN",
    "CAF_NUMBER": "NUM_CAF",
    "FT_ID": "ID_FRANCE_TRAVAIL",
    "ID_DOCUMENT": "PIECE_IDENTITE",
    "DATE_OF_BIRTH": "DATE_NAISSANCE",
    "CASE_ID": "NUM_DOSSIER",
    "BIRTHPLACE": "LIEU_NAISSANCE",
}

ALL_LABELS: frozenset[str] = frozenset(PLACEHOLDER_STEMS)

# Bumped whenever detection logic changes, so cached analyses from an older version are not reused.
ANALYZER_VERSION = "2"


@dataclass(frozen=True)
class RedactionSettings:
    """What an organisation asks of the redactor.

    ``labels``: which labels are replaced by placeholders (default: all twelve).
    ``allow_list``: terms never redacted (the organisation's name, its services), matched
    case-insensitively as whole words.
    ``reidentify``: whether answers get their placeholders replaced by the original values.
    ``scope``: the conversation the request belongs to, when a front-end names it (a digest,
    :attr:`gateway.types.Principal.conversation`): the analyses and name positions cached for
    it then serve that conversation only, never another user's.
    """

    labels: frozenset[str] = ALL_LABELS
    allow_list: tuple[str, ...] = ()
    reidentify: bool = True
    scope: str = ""

    def fingerprint(self) -> str:
        """A stable digest of everything that changes the analysis (for cache keys)."""
        # JSON: no allow-list term can fake a separator and pass for another list
        parts = [ANALYZER_VERSION, sorted(self.labels), list(self.allow_list)]
        if self.scope:  # unscoped requests keep the keys they always had
            parts.append(self.scope)
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]
