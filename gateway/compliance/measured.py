"""Redaction figures as measured and published in ``docs/redaction.md``.

The compliance documents quote these numbers; they are copied here (the package may be
installed without the docs) and ``tests/compliance/test_measured.py`` fails as soon as they
stop matching the published page. Never edit a number here without re-measuring it there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelRecall:
    label: str
    gold: int
    caught: int
    recall: str


DEV_SET = ("169 documents fictifs écrits à la main un par un, par un autre rédacteur (jeu de "
           "développement ../shared/eval/pii/dev2.jsonl : frappe rapide, transcriptions, tableaux, "
           "formulaires, passages en anglais)")
DEV_RECALL = "0.985"
DEV_CAUGHT, DEV_GOLD = 1625, 1650
DEV_PRECISION = "0.984"
DEV_FALSE_POSITIVES, DEV_SPANS = 27, "1,697"
DEV_CLEAN_DOCS = "0.899"
DEV_CLEAN_COUNT = "152/169"
DEV_LEAKED_CHARS = "0.007"
HELDOUT_RECALL = "0.989"
HELDOUT_COUNT = "623/630"
HELDOUT_DOCS = 90
STOCK_PRESIDIO_RECALL = "0.668"

PER_LABEL: tuple[LabelRecall, ...] = (
    LabelRecall("PERSON", 1010, 988, "0.978"),
    LabelRecall("PHONE", 166, 166, "1.000"),
    LabelRecall("EMAIL", 25, 25, "1.000"),
    LabelRecall("ADDRESS", 128, 126, "0.984"),
    LabelRecall("NIR", 27, 27, "1.000"),
    LabelRecall("IBAN", 16, 16, "1.000"),
    LabelRecall("CAF_NUMBER", 23, 23, "1.000"),
    LabelRecall("FT_ID", 18, 17, "0.944"),
    LabelRecall("ID_DOCUMENT", 29, 29, "1.000"),
    LabelRecall("DATE_OF_BIRTH", 128, 128, "1.000"),
    LabelRecall("CASE_ID", 80, 80, "1.000"),
)

# The "Known limits" section of docs/redaction.md, in French for the documents.
KNOWN_LIMITS: tuple[str, ...] = (
    "un prénom qui est aussi un mot courant, écrit sans aucun indice (« Le petit Timéo… », "
    "« - Prince doit… », un prénom en minuscules jamais accompagné d'un indice) peut ne pas "
    "être masqué ;",
    "un prénom employé comme nom de lieu (« à Nancy ») est masqué comme une personne ;",
    "une adresse de forme rare (la présentation d'un autre pays, un lieu décrit sans adresse) "
    "ou un numéro de dossier dicté en toutes lettres peut rester en partie en clair ;",
    "les informations indirectes (une situation rare, une petite commune, un âge, une "
    "composition familiale) ne sont pas des identifiants directs : elles restent lisibles et "
    "peuvent, combinées, permettre de reconnaître une personne.",
)
