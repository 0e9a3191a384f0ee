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
DEV_RECALL = "0.967"
DEV_CAUGHT, DEV_GOLD = 1595, 1650
DEV_PRECISION = "0.966"
DEV_FALSE_POSITIVES, DEV_SPANS = 59, "1,730"
DEV_CLEAN_DOCS = "0.769"
DEV_CLEAN_COUNT = "130/169"
DEV_LEAKED_CHARS = "0.028"
HELDOUT_RECALL = "0.949"
HELDOUT_COUNT = "598/630"
HELDOUT_DOCS = 90
STOCK_PRESIDIO_RECALL = "0.668"

PER_LABEL: tuple[LabelRecall, ...] = (
    LabelRecall("PERSON", 1010, 976, "0.966"),
    LabelRecall("PHONE", 166, 166, "1.000"),
    LabelRecall("EMAIL", 25, 25, "1.000"),
    LabelRecall("ADDRESS", 128, 114, "0.891"),
    LabelRecall("NIR", 27, 27, "1.000"),
    LabelRecall("IBAN", 16, 15, "0.938"),
    LabelRecall("CAF_NUMBER", 23, 22, "0.957"),
    LabelRecall("FT_ID", 18, 18, "1.000"),
    LabelRecall("ID_DOCUMENT", 29, 28, "0.966"),
    LabelRecall("DATE_OF_BIRTH", 128, 127, "0.992"),
    LabelRecall("CASE_ID", 80, 77, "0.963"),
)

# The "Known limits" section of docs/redaction.md, in French for the documents.
KNOWN_LIMITS: tuple[str, ...] = (
    "un prénom qui est aussi un mot courant, écrit sans aucun indice (« Le petit Timéo… », "
    "« - Prince doit… », un prénom en minuscules jamais accompagné d'un indice) peut ne pas "
    "être masqué ;",
    "un prénom employé comme nom de lieu (« à Nancy ») est masqué comme une personne ;",
    "une adresse de forme rare (domiciliation avec BP et Cedex, lieu-dit, adresse étrangère) "
    "ou un numéro dicté mêlé de lettres (« R comme Robert ») peut rester en clair ;",
    "les informations indirectes (une situation rare, une petite commune, un âge, une "
    "composition familiale) ne sont pas des identifiants directs : elles restent lisibles et "
    "peuvent, combinées, permettre de reconnaître une personne.",
)
