"""Person names: forms, triggers, coreference, and common words that are not names."""

from __future__ import annotations

import pytest

from gateway.redaction import Redactor
from gateway.redaction.names import collect_name_tokens
from tests.redaction.conftest import covered, touched

NAMES = [
    ("Entretien avec Mme Fatou Diallo ce matin.", "Fatou Diallo"),
    ("Madame DIALLO Fatou, née le 03/04/1990", "DIALLO Fatou"),
    ("Reçu M. Kevin Neveu pour son dossier.", "Kevin Neveu"),
    ("vu mme diallo au guichet", "diallo"),
    ("Courrier signé par F. Diallo hier.", "F. Diallo"),
    ("É. Blanchard, assistante sociale", "É. Blanchard"),
    ("Visite chez Mme de La Fontaine, calme.", "de La Fontaine"),
    ("Rencontré M. N'Diaye et son fils.", "N'Diaye"),
    ("Famille LEROY : trois enfants.", "LEROY"),
    ("La juge Martin a renouvelé la mesure.", "Martin"),
    ("Bonjour Claire, peux-tu me rappeler ?", "Claire"),
    ("Jean-Baptiste Martin-Lefèvre est arrivé en retard.", "Jean-Baptiste Martin-Lefèvre"),
    ("Mme Nguyen Thi Lan a signé le contrat.", "Nguyen Thi Lan"),
    ("Aya, née le 30/11/2014, est scolarisée.", "Aya"),
    ("Artem (8 ans) gardait ses frères.", "Artem"),
    ("absentéisme scolaire d'Arthur cette année", "Arthur"),
    ("rappeler océane demain matin", "océane"),
    ("Sa fille Rose est en CM2.", "Rose"),
    ("Mme Grâce Kalonji est arrivée.", "Grâce Kalonji"),
    ("Le docteur Ben Salah a vu l'enfant.", "Ben Salah"),
]

NOT_NAMES = [
    ("Grâce à la gardienne, nous avons pu entrer.", "Grâce"),
    ("Petit à petit la situation s'améliore.", "Petit"),
    ("une grande maison rose au fond de la cour", "rose"),
    ("un marchand de sommeil loue le logement", "marchand"),
    ("L'enfant est suivi par l'ASE et la PMI, dossier MDPH en cours.", "ASE"),
    ("Elle a rencontré la juge des enfants et l'éducatrice.", "juge des enfants"),
    ("Traitement : Ventoline et Ritaline.", "Ventoline"),
    ("Inscrite à France Travail et à la Mission locale.", "France Travail"),
    ("lecture du Petit Prince en classe", "Petit Prince"),
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_name_is_covered(redactor: Redactor, text: str, name: str) -> None:
    spans = redactor.analyze(text)
    assert covered(text, spans, name), [text[s.start : s.end] for s in spans]


@pytest.mark.parametrize(("text", "word"), NOT_NAMES)
def test_common_words_and_institutions_stay(redactor: Redactor, text: str, word: str) -> None:
    spans = redactor.analyze(text)
    assert not touched(text, spans, word), [text[s.start : s.end] for s in spans]


def test_civility_is_left_outside_the_span(redactor: Redactor) -> None:
    text = "Reçu Mme Diallo."
    spans = redactor.analyze(text)
    assert [text[s.start : s.end] for s in spans] == ["Diallo"]


def test_surname_seen_once_is_masked_everywhere(redactor: Redactor) -> None:
    text = "Mme Sandrine Vautrin est venue. Vautrin dit que Sandrine va mieux."
    spans = redactor.analyze(text)
    assert text.count("Vautrin") == 2
    for start in (i for i in range(len(text)) if text.startswith("Vautrin", i)):
        assert any(s.start <= start < s.end for s in spans)
    assert covered(text, spans, "Sandrine va") is False  # "va" stays
    assert touched(text, spans, "Sandrine va")


def test_name_tokens_come_only_from_person_spans(redactor: Redactor) -> None:
    text = "Mme Lucie Ferrand habite 12 rue Victor Hugo, 69003 Lyon."
    spans = redactor.analyze(text)
    tokens = collect_name_tokens([(text, spans)], frozenset())
    assert {"lucie", "ferrand"} <= tokens.words
    assert "hugo" not in tokens.words


def test_a_word_listed_with_names_is_a_name(redactor: Redactor) -> None:
    """« Bienvenue » is a common word, but listed with two names it is the third child."""
    text = "Les enfants de Mme Tshala sont Kalonji, Mbuyi et Bienvenue (4 ans)."
    spans = redactor.analyze(text)
    assert covered(text, spans, "Bienvenue")
    kept = "Pour Kalonji, Liberté reste un mot abstrait."  # one name is no list
    assert not touched(kept, redactor.analyze(kept), "Liberté")
