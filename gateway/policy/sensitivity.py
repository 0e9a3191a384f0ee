"""Detecting special categories of data in (already redacted) text, for data routing.

Redaction removes who a text is about, not what it says: a redacted note can still reveal a
diagnosis, a minor, a conviction or a child-protection measure (GDPR art. 9 and 10). Any hit
is enough — routing errs on the side of the stricter hosting.
"""

from __future__ import annotations

import re
from gateway.policy.memo import memo_short_texts
from gateway.policy.text import normalise

SANTE = "sante"
MINEURS = "mineurs"
PENAL = "penal"
PROTECTION_ENFANCE = "protection_enfance"

_PATTERNS: dict[str, re.Pattern[str]] = {
    SANTE: re.compile(
        r"\b(?:sante|medic\w*|medecin|psychiatr\w*|psycholog\w*|pedopsy\w*|cmp|cmpp|hopital|"
        r"hospitalis\w*|urgences|traitement|ordonnance medicale|diagnosti\w*|trouble\w*|"
        r"maladie|malade|pathologie|handicap\w*|mdph|aah|depress\w*|anxi\w*|suicid\w*|"
        r"automutil\w*|addict\w*|alcool\w*|drogue|cannabis|toxicomanie|sevrage|vih|sida|"
        r"hepatite|cancer|diabete|enceinte|grossesse|ivg|accouch\w*|post[- ]partum|"
        r"autis\w*|tdah|bipolaire|schizophren\w*|psychose|demence|alzheimer|anorexi\w*|"
        r"boulimi\w*|symptome\w*|medicament\w*|soins|infirmi\w*|tuberculose|gale)\b"
    ),
    MINEURS: re.compile(
        r"\b(?:enfants?|mineure?s?|bebes?|nourrissons?|ados?|adolescente?s?|collegien\w*|"
        r"lyceen\w*|ecole|maternelle|creche|fils|fille|filles|fratrie|jeune de 1[0-7] ans|"
        r"(?:[1-9]|1[0-7]) ?ans\b|pmi|mineur non accompagne|mna)\b"
    ),
    PENAL: re.compile(
        r"\b(?:penal\w*|casier|condamn\w*|prison|incarcer\w*|detention|detenu\w*|garde a vue|"
        r"plainte|proces|tribunal correctionnel|sursis|spip|pjj|delit\w*|crime\w*|infraction\w*|"
        r"recidiv\w*|bracelet electronique|controle judiciaire|casier judiciaire|"
        r"sortant de prison|placement sous main de justice|vol|vols|agression\w*|"
        r"violences? conjugales?)\b"
    ),
    PROTECTION_ENFANCE: re.compile(
        r"\b(?:ase|aide sociale a l'enfance|protection de l'enfance|information preoccupante|"
        r"\bip\b|signalement|crip|juge des enfants|placement|placee?s?|opp|aemo|aed|mecs|"
        r"famille d'accueil|assistante? familiale?|mainlevee|droits? de visite|"
        r"visites? mediatisees?|maltraitance|maltraite\w*|negligence|danger|contrat jeune majeur|"
        r"accueil provisoire|pouponniere|foyer de l'enfance)\b"
    ),
}


@memo_short_texts(maxsize=512)
def detect_sensitivity(text: str) -> frozenset[str]:
    """Special categories present in ``text`` (redacted or not): any of ``sante``,
    ``mineurs``, ``penal``, ``protection_enfance``.

    Read on the text as typed, without turning capitalised words into names: « Alzheimer »
    or « Placement » mid-sentence is still a topic. Memoised, because a conversation
    resends its earlier messages with every request (the gateway passes one redacted
    message at a time)."""
    norm = normalise(text, names=False)
    return frozenset(label for label, pattern in _PATTERNS.items() if pattern.search(norm))


def matched_words(text: str) -> dict[str, tuple[str, ...]]:
    """For ``policy explain``: which words made each category fire."""
    norm = normalise(text, names=False)
    return {
        label: tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(norm)))
        for label, pattern in _PATTERNS.items()
        if pattern.search(norm)
    }
