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


DEV_SET = "300 documents fictifs (jeu de développement ../shared/eval/pii/dev.jsonl)"
DEV_RECALL = "0.995"
DEV_CAUGHT, DEV_GOLD = 2358, 2370
DEV_PRECISION = "0.999"
DEV_FALSE_POSITIVES, DEV_SPANS = 3, "2,445"
DEV_CLEAN_DOCS = "0.973"
DEV_CLEAN_COUNT = "292/300"
DEV_LEAKED_CHARS = "0.002"
HELDOUT_RECALL = "0.991"
HELDOUT_COUNT = "109/110"
HELDOUT_DOCS = 50
STOCK_PRESIDIO_RECALL = "0.709"

PER_LABEL: tuple[LabelRecall, ...] = (
    LabelRecall("PERSON", 1388, 1376, "0.991"),
    LabelRecall("PHONE", 232, 232, "1.000"),
    LabelRecall("EMAIL", 81, 81, "1.000"),
    LabelRecall("ADDRESS", 160, 160, "1.000"),
    LabelRecall("NIR", 49, 49, "1.000"),
    LabelRecall("IBAN", 31, 31, "1.000"),
    LabelRecall("CAF_NUMBER", 57, 57, "1.000"),
    LabelRecall("FT_ID", 32, 32, "1.000"),
    LabelRecall("ID_DOCUMENT", 30, 30, "1.000"),
    LabelRecall("DATE_OF_BIRTH", 191, 191, "1.000"),
    LabelRecall("CASE_ID", 119, 119, "1.000"),
)

# The "Known limits" section of docs/redaction.md, in French for the documents.
KNOWN_LIMITS: tuple[str, ...] = (
    "un prénom qui est aussi un mot courant, écrit sans aucun indice (« Le petit Timéo… », "
    "« - Prince doit… », un prénom en minuscules jamais accompagné d'un indice) peut ne pas "
    "être masqué ;",
    "un prénom employé comme nom de lieu (« à Nancy ») est masqué comme une personne ;",
    "le champ technique « name » des messages OpenAI n'est pas masqué ;",
    "les informations indirectes (une situation rare, une petite commune, un âge, une "
    "composition familiale) ne sont pas des identifiants directs : elles restent lisibles et "
    "peuvent, combinées, permettre de reconnaître une personne.",
)
