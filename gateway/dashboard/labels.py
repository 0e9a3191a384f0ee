"""Human French labels for every key a dashboard chart can show, so that a manager reads
« Synthèse et rapports de situation » rather than ``synthese_rapport``.

Uses and forbidden decisions take the labels of the organisation's own policy file (plus
the non-removable floor's); the other keys form closed sets known here.
"""

from __future__ import annotations

from typing import Any

from gateway.redaction.settings import PLACEHOLDER_STEMS

# Redaction labels, under both the label name and its placeholder stem (events carry either).
_REDACTION = {
    "PERSON": "Noms de personnes",
    "PHONE": "Numéros de téléphone",
    "EMAIL": "Adresses e-mail",
    "ADDRESS": "Adresses postales",
    "NIR": "Numéros de sécurité sociale (NIR)",
    "IBAN": "Coordonnées bancaires (IBAN)",
    "CAF_NUMBER": "Numéros d'allocataire CAF / MSA",
    "FT_ID": "Identifiants France Travail",
    "ID_DOCUMENT": "Pièces d'identité",
    "DATE_OF_BIRTH": "Dates de naissance",
    "CASE_ID": "Numéros de dossier",
    "BIRTHPLACE": "Lieux de naissance",
}
_FIXED = {
    "sante": "Santé",
    "mineurs": "Mineurs",
    "penal": "Justice pénale",
    "protection_enfance": "Protection de l'enfance",
    "self_hosted": "Auto-hébergé",
    "eu": "Fournisseur dans l'UE",
    "non_eu": "Fournisseur hors UE",
    "aucun": "Aucun (requête bloquée)",
    "non_classe": "Non classé",
    "autre_regle": "Autre règle",
    "(autres équipes)": "Autres équipes (regroupées)",
    "(ensemble)": "Ensemble des équipes",
}


def dashboard_labels(policy: Any | None) -> dict[str, str]:
    """Key → French label for the charts; ``policy`` is the org's :class:`Policy` (or None
    when no policy answers: the fixed sets and the floor still get labels)."""
    from gateway.policy.floor import FLOOR

    labels = dict(_FIXED)
    for label, text in _REDACTION.items():
        labels[label] = text
        labels[PLACEHOLDER_STEMS.get(label, label)] = text
    for rule in FLOOR:
        labels[rule.id] = rule.label
    if policy is not None:
        for entry in (*policy.uses, *policy.forbidden):
            labels[entry.id] = entry.label
    return labels
