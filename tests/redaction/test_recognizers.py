"""Recognizer tables: text -> what must be covered (with its label) and what must stay readable."""

from __future__ import annotations

import pytest

from gateway.redaction import Redactor
from tests.redaction.conftest import covered, touched

# (text, value that must be fully covered, expected label)
MUST = [
    # NIR: spaces, dots, compact, Corsica, abroad, overseas
    ("NIR : 2 80 04 2B 282 307 80 à vérifier", "2 80 04 2B 282 307 80", "NIR"),
    ("sécu 270042019515280", "270042019515280", "NIR"),
    ("Numéro de sécurité sociale 1.85.05.99.352.107.65", "1.85.05.99.352.107.65", "NIR"),
    ("N° SS : 2 91 03 971 12 345 61", "2 91 03 971 12 345 61", "NIR"),
    # IBAN
    ("RIB : FR76 3000 4132 7693 0023 8392 028 merci", "FR76 3000 4132 7693 0023 8392 028", "IBAN"),
    ("virement sur FR7630004132769300238392028.", "FR7630004132769300238392028", "IBAN"),
    ("compte belge BE71 0961 2345 6769", "BE71 0961 2345 6769", "IBAN"),
    # phones
    ("tél. 06 12 34 56 78", "06 12 34 56 78", "PHONE"),
    ("portable 06.12.34.56.78", "06.12.34.56.78", "PHONE"),
    ("joindre au 0612345678 demain", "0612345678", "PHONE"),
    ("+33 6 12 34 56 78 (WhatsApp)", "+33 6 12 34 56 78", "PHONE"),
    ("son frère au +33612345678", "+33612345678", "PHONE"),
    ("fixe 01-45-67-89-10", "01-45-67-89-10", "PHONE"),
    ("numéro au Sénégal : +221 77 123 45 67", "+221 77 123 45 67", "PHONE"),
    ("appelle sa tante au 0044 20 7946 0958", "0044 20 7946 0958", "PHONE"),
    # e-mail
    ("écrire à fatou.diallo@gmail.com avant lundi", "fatou.diallo@gmail.com", "EMAIL"),
    ("contact : j-p.o'neil+caf@orange.fr", "j-p.o'neil+caf@orange.fr", "EMAIL"),
    # addresses
    (
        "hébergée au 12 rue des Lilas, 93200 Saint-Denis depuis mars",
        "12 rue des Lilas, 93200 Saint-Denis",
        "ADDRESS",
    ),
    (
        "Résidence Les Tilleuls, bât. C, appt 42, 3 bis rue des Lilas, 93200 Saint-Denis",
        "Résidence Les Tilleuls, bât. C, appt 42, 3 bis rue des Lilas, 93200 Saint-Denis",
        "ADDRESS",
    ),
    (
        "Adresse :\n45 ter avenue Jean Jaurès\n69007 Lyon\nTél",
        "45 ter avenue Jean Jaurès\n69007 Lyon",
        "ADDRESS",
    ),
    (
        "Lieu-dit La Bergerie, 61400 Mortagne-au-Perche",
        "Lieu-dit La Bergerie, 61400 Mortagne-au-Perche",
        "ADDRESS",
    ),
    ("BP 120, 75015 Paris CEDEX 15", "75015 Paris CEDEX 15", "ADDRESS"),
    ("vit au 8 impasse du Moulin", "8 impasse du Moulin", "ADDRESS"),
    (
        "vit au 12 rue des lilas 93200 saint-denis depuis 2019",
        "12 rue des lilas 93200 saint-denis",
        "ADDRESS",
    ),
    # dates of birth
    ("Adam, né le 10 avril 2012, va bien", "10 avril 2012", "DATE_OF_BIRTH"),
    ("née le 1er mars 2017", "1er mars 2017", "DATE_OF_BIRTH"),
    ("Date de naissance : 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("DN 12.03.85", "12.03.85", "DATE_OF_BIRTH"),
    ("(née le 1985-03-12)", "1985-03-12", "DATE_OF_BIRTH"),
    # CAF / France Travail / ID documents / case ids
    ("N° allocataire : 2276391", "2276391", "CAF_NUMBER"),
    ("numéro MSA 2276391", "2276391", "CAF_NUMBER"),
    ("identifiant France Travail 4206350N", "4206350N", "FT_ID"),
    ("inscrit sous le 4206350N", "4206350N", "FT_ID"),
    ("CNI n° 085439155642", "085439155642", "ID_DOCUMENT"),
    ("carte d'identité EMX8BT7KF valable", "EMX8BT7KF", "ID_DOCUMENT"),
    ("passeport 18FU13288", "18FU13288", "ID_DOCUMENT"),
    ("titre de séjour (AGDREF 9371956524)", "9371956524", "ID_DOCUMENT"),
    ("Réf. ASE : ASE-2024-0456", "ASE-2024-0456", "CASE_ID"),
    ("mesure AEMO/24/0387 en cours", "AEMO/24/0387", "CASE_ID"),
    ("N° de cabinet : 25/04624", "25/04624", "CASE_ID"),
    ("Demande SIAO-2025-3555", "SIAO-2025-3555", "CASE_ID"),
    ("Référence locataire : LOC-590185", "LOC-590185", "CASE_ID"),
]

# (text, value that must NOT be touched at all)
KEEP = [
    ("Appeler le 119 ou le 115 en cas d'urgence, le 3919 pour les violences.", "119"),
    ("Fil Santé Jeunes 0800 235 236, anonyme et gratuit", "0800 235 236"),
    ("SOS Amitié 09 72 39 40 50 jour et nuit", "09 72 39 40 50"),
    ("rendez-vous le 14 mars 2024 à 14h30", "14 mars 2024"),
    ("jugement du 12/03/2024 confirmé", "12/03/2024"),
    ("selon l'article L. 226-3 du CASF", "226-3"),
    ("article 375-2 du Code civil", "375-2"),
    ("loyer 450 €, dette de 1 936,40 €", "1 936,40"),
    ("SIRET 881 669 849 00162 du service", "881 669 849 00162"),
    ("FINESS 790678562", "790678562"),
    ("entre 2020-2022 elle a travaillé", "2020-2022"),
    ("une place en crèche à la rentrée", "place en crèche"),
    ("payé 15000 euros au total", "15000 euros"),
    ("chambre 12 au 2e étage", "chambre 12"),
]


@pytest.mark.parametrize(("text", "value", "label"), MUST)
def test_identifier_is_covered_with_its_label(
    redactor: Redactor, text: str, value: str, label: str
) -> None:
    spans = redactor.analyze(text)
    assert covered(text, spans, value), [text[s.start : s.end] for s in spans]
    start = text.index(value)
    assert any(s.label == label and s.start < start + len(value) and start < s.end for s in spans)


@pytest.mark.parametrize(("text", "value"), KEEP)
def test_trap_stays_readable(redactor: Redactor, text: str, value: str) -> None:
    spans = redactor.analyze(text)
    assert not touched(text, spans, value), [(text[s.start : s.end], s.label) for s in spans]


def test_birth_date_only_after_birth_marker(redactor: Redactor) -> None:
    text = "Née le 03/02/1990, elle a rendez-vous le 05/06/2024."
    labels = {text[s.start : s.end]: s.label for s in redactor.analyze(text)}
    assert labels.get("03/02/1990") == "DATE_OF_BIRTH"
    assert "05/06/2024" not in labels


def test_invalid_nir_key_needs_a_label(redactor: Redactor) -> None:
    bare = "Le code 185059935210799 figure en bas."  # wrong key, no label: a random number
    labelled = "NIR : 185059935210799"
    assert not redactor.analyze(bare)
    assert covered(labelled, redactor.analyze(labelled), "185059935210799")


MORE = [
    ("mail : fatou.diallo (at) gmail.com", "fatou.diallo (at) gmail.com", "EMAIL"),
    ("écrire à fatou arobase orange point fr", "fatou arobase orange point fr", "EMAIL"),
    ("son oncle au 00 212 6 12 34 56 78", "00 212 6 12 34 56 78", "PHONE"),
    ("Date de naissance :\n12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("Réf. dossier : 45871", "45871", "CASE_ID"),
    ("domicilié 5 r. des Écoles 35000 Rennes", "5 r. des Écoles 35000 Rennes", "ADDRESS"),
    # Birthdays told by an age reached, a childbirth, or a cue after the date.
    ("Tom a 18 ans depuis le 9 octobre, il quitte le foyer", "9 octobre", "DATE_OF_BIRTH"),
    ("Sa sœur a accouché le 2 février 2026 d'une fille", "2 février 2026", "DATE_OF_BIRTH"),
    ("Le 11 juillet, c'est son anniversaire : gâteau prévu", "11 juillet", "DATE_OF_BIRTH"),
    # English and passport layouts.
    ("the younger one, born 14 February 2019, attends nursery", "14 February 2019",
     "DATE_OF_BIRTH"),
    ("DOB: Oct. 2nd, 2007 (per the school)", "Oct. 2nd, 2007", "DATE_OF_BIRTH"),
    ("Date of birth / Date de naissance  21 NOV/NOV 1988", "21 NOV/NOV 1988", "DATE_OF_BIRTH"),
    # The establishment before its room and street is part of the address.
    ("Il dort à l'EHPAD Les Glycines, ch. 8, 2 rue Haute, 41000 Blois",
     "EHPAD Les Glycines, ch. 8, 2 rue Haute, 41000 Blois", "ADDRESS"),
    ("logé à l'auberge de jeunesse, dortoir 5, 7 quai Nord, 56100 Lorient",
     "auberge de jeunesse, dortoir 5, 7 quai Nord, 56100 Lorient", "ADDRESS"),
    ("Courrier : Accueil Solidaire – Domiciliation n° 2211\nBP 7012\n86000 Poitiers Cedex",
     "Accueil Solidaire – Domiciliation n° 2211\nBP 7012\n86000 Poitiers Cedex", "ADDRESS"),
    ("domicilié au CCAS de Niort – Domiciliation, BP 118, 79000 Niort Cedex",
     "CCAS de Niort – Domiciliation, BP 118, 79000 Niort Cedex", "ADDRESS"),
    ("- kante -> fjt le phare ch 7 2 av de la mer 17000 la rochelle",
     "fjt le phare ch 7 2 av de la mer 17000 la rochelle", "ADDRESS"),
    ("Adresse : 8 rés. du Moulin, bât. A, 87000 Limoges", "8 rés. du Moulin, bât. A, 87000 Limoges",
     "ADDRESS"),
]

# (text, value) a birth cue must not reach: an age at a reference date, other anniversaries.
NOT_BIRTH = [
    ("Il aura 16 ans au 1er septembre 2026, date de la rentrée.", "1er septembre 2026"),
    ("Le 4 mai, c'est son anniversaire de mariage.", "4 mai"),
    ("Anniversaire de la mesure : 12/03/2026.", "12/03/2026"),
    ("Il est en CDD de 2 ans depuis le 01/09/2023 chez un grossiste.", "01/09/2023"),
    ("Elle a accouché il y a peu, visite PMI le 3 mai 2024.", "3 mai 2024"),
    ("Birth certificate requested on 12 May 2020 from the registry.", "12 May 2020"),
    ("Signature le 12/03/2025 (anniv. du bail)", "12/03/2025"),
    ("Née le 03/02/1990, elle a rendez-vous le 05/06/2024.", "05/06/2024"),
]


@pytest.mark.parametrize(("text", "value"), NOT_BIRTH)
def test_other_dates_near_birth_words_are_no_birth_date(
    redactor: Redactor, text: str, value: str
) -> None:
    start = text.index(value)
    assert not any(s.label == "DATE_OF_BIRTH" and s.start < start + len(value) and start < s.end
                   for s in redactor.analyze(text))


@pytest.mark.parametrize(("text", "value", "label"), MORE)
def test_more_layouts(redactor: Redactor, text: str, value: str, label: str) -> None:
    spans = redactor.analyze(text)
    assert covered(text, spans, value), [text[s.start : s.end] for s in spans]
    assert any(s.label == label for s in spans)


def test_negation_is_no_birth_marker(redactor: Redactor) -> None:
    text = "Elle ne viendra pas le 12/03/2024."
    assert not redactor.analyze(text)


def test_iban_with_a_wrong_key_needs_a_label(redactor: Redactor) -> None:
    bare = "Code FR76 3000 4132 7693 0023 8392 029 en bas de page."
    labelled = "RIB : FR76 3000 4132 7693 0023 8392 029"
    assert not redactor.analyze(bare)
    assert covered(labelled, redactor.analyze(labelled), "FR76 3000 4132 7693 0023 8392 029")
