"""Tables and forms type their cells (``gateway/redaction/structure.py``).

The unit tests call ``structure_spans`` alone, with no recognizer spans, so they show what the
layout adds by itself; the last tests go through the whole redactor. Every table and form here
is written for this test.
"""

from __future__ import annotations

import pytest

from gateway.redaction import Redactor
from gateway.redaction.lexicons import Lexicons
from gateway.redaction.mrz import mrz_check_digit, mrz_numbers
from gateway.redaction.structure import (
    fold_header,
    header_cells,
    header_label,
    structure_spans,
)
from gateway.types import Span
from tests.redaction.conftest import covered, touched


@pytest.fixture(scope="module")
def lexicons(redactor: Redactor) -> Lexicons:
    return redactor.lexicons


def _values(text: str, spans: list[Span]) -> dict[str, str]:
    return {text[s.start:s.end]: s.label for s in spans}


@pytest.mark.parametrize(("header", "label"), [
    ("Né(e) le", "DATE_OF_BIRTH"),
    ("N° CAF", "CAF_NUMBER"),
    ("date_naiss", "DATE_OF_BIRTH"),
    ("Prénom(s)", "PERSON"),
    ("Nom de naissance", "PERSON"),
    ("Tél.", "PHONE"),
    ("Référent", "PERSON_ROLE"),
    ("Anniv.", "DATE_OF_BIRTH"),
    ("nomUsage", "PERSON"),
    ("nom_naissance", "PERSON"),
])
def test_headers_are_matched_whole_after_folding(header: str, label: str) -> None:
    assert header_label(header) == label


@pytest.mark.parametrize("header", ["Nom de l'école", "Date du rendez-vous", "Nombre", "Lien"])
def test_other_headers_type_nothing(header: str) -> None:
    assert header_label(header) is None
    assert fold_header(header) == fold_header(header.upper())


def test_semicolon_export_under_a_header_row(lexicons: Lexicons) -> None:
    text = ("nom;prenom;date_naiss;num_caf;tel\n"
            "BOULANGER;Maëlle;17/03/1984;4410287;06 12 48 90 33\n"
            "PETIT;Noé;02/11/2015;;\n")
    found = _values(text, structure_spans(text, [], lexicons))
    # Surnames that are ordinary words are still names under « nom ».
    assert found["BOULANGER"] == found["PETIT"] == "PERSON"
    assert found["Maëlle"] == found["Noé"] == "PERSON"
    assert found["17/03/1984"] == found["02/11/2015"] == "DATE_OF_BIRTH"
    assert found["4410287"] == "CAF_NUMBER"
    assert found["06 12 48 90 33"] == "PHONE"
    assert "nom" not in found and "prenom" not in found  # the header row stays readable


def test_quoted_csv_keeps_commas_inside_cells(lexicons: Lexicons) -> None:
    text = ('"Nom","Prénom","Adresse"\n'
            '"Ferreira","Inês","Bât. C, 14 allée des Cerisiers, 69200 Vénissieux"\n'
            '"Lopez","Hugo","3 impasse du Moulin, 38000 Grenoble"\n')
    found = _values(text, structure_spans(text, [], lexicons))
    assert found["Bât. C, 14 allée des Cerisiers, 69200 Vénissieux"] == "ADDRESS"
    assert found["Ferreira"] == found["Hugo"] == "PERSON"


def test_markdown_table_skips_its_separator_row(lexicons: Lexicons) -> None:
    text = ("| Jeune | Anniv. | Référent | Remarques |\n|:--|:--:|--|--|\n"
            "| Timéo | 11/08 | KL | idem |\n| Aya | 25/12 | père | voir juge |\n")
    found = _values(text, structure_spans(text, [], lexicons))
    assert found["Timéo"] == found["Aya"] == found["KL"] == "PERSON"
    assert found["11/08"] == found["25/12"] == "DATE_OF_BIRTH"
    # A role column's cell that is an ordinary word (« père ») is not a name.
    assert "père" not in found and "idem" not in found and "voir juge" not in found


def test_form_labels_type_the_value_after_them(lexicons: Lexicons) -> None:
    text = ("Nom : GARNIER          Prénom : Lou\n"
            "Nom d'usage : Mme Carvalho épouse Garnier\n"
            "Téléphone : 07 55 21 40 18\nNom de l'école : Jean Jaurès\nMotif : impayés\n")
    found = _values(text, structure_spans(text, [], lexicons))
    assert found["GARNIER"] == found["Lou"] == "PERSON"
    assert found["07 55 21 40 18"] == "PHONE"
    assert "Carvalho épouse Garnier" in found  # the civility is left out
    assert not any("Jean" in value or "impayés" in value for value in found)


def test_a_value_that_does_not_fit_its_label_is_left(lexicons: Lexicons) -> None:
    text = ("Nom;Tél.;Né le\nDIAS;refuse de le donner;inconnue\nMOREL;-;vers 1990 ?\n")
    found = _values(text, structure_spans(text, [], lexicons))
    assert set(found) == {"DIAS", "MOREL"}


def test_a_column_mostly_found_types_its_other_cells(lexicons: Lexicons) -> None:
    text = "1;a;5512093\n2;b;4470128\n3;c;6613207\n4;d;7720014\n"
    spans = [Span(text.index(v), text.index(v) + 7, "CAF_NUMBER", 0.9)
             for v in ("5512093", "4470128", "6613207")]
    found = _values(text, structure_spans(text, spans, lexicons))
    assert found == {"7720014": "CAF_NUMBER"}


def test_a_strong_column_vote_types_a_name_that_is_also_a_word(lexicons: Lexicons) -> None:
    text = "Lina\t3e\nOmar\t4e\nClémence\t3e\nMerveille\t5e\nYacine\t4e\n"
    names = ("Lina", "Omar", "Clémence", "Yacine")
    spans = [Span(text.index(v), text.index(v) + len(v), "PERSON", 0.9) for v in names]
    assert _values(text, structure_spans(text, spans, lexicons)) == {"Merveille": "PERSON"}
    # Three of four is a vote, not one as strong as a header: a word stays a word.
    weak = spans[:3]
    text3 = text.replace("Yacine\t4e\n", "")
    assert "Merveille" not in _values(text3, structure_spans(text3, weak, lexicons))



def test_a_headerless_first_row_the_analysis_missed_is_typed_by_the_rows_under_it(
        lexicons: Lexicons) -> None:
    # No header row: the first row is data, and nothing was found in it.
    text = "Tessier\t2\nGarnaud\t1\nBellocq\t3\nVuillemin\t2\nRadiguet\t1\n"
    found_names = ("Garnaud", "Bellocq", "Vuillemin", "Radiguet")
    spans = [Span(text.index(v), text.index(v) + len(v), "PERSON", 0.9) for v in found_names]
    assert _values(text, structure_spans(text, spans, lexicons)) == {"Tessier": "PERSON"}
    # An unknown header row stays clear: its words are column names, not names.
    headed = "Résident\tEnfants\n" + text.split("\n", 1)[1]
    spans = [Span(headed.index(v), headed.index(v) + len(v), "PERSON", 0.9) for v in found_names]
    assert _values(headed, structure_spans(headed, spans, lexicons)) == {}

def test_a_birthday_heading_types_the_dates_listed_under_it(lexicons: Lexicons) -> None:
    text = ("Les anniversaires du trimestre pour le goûter :\n\n"
            "- Maëlys : 7 avril\n- Ruben et Tess : 30/05\n"
            "Prévoir la salle, le 12/06 à 16 h, avec les éducateurs.\n")
    found = _values(text, structure_spans(text, [], lexicons))
    assert found == {"7 avril": "DATE_OF_BIRTH", "30/05": "DATE_OF_BIRTH"}


@pytest.mark.parametrize("text", [
    "Réunion du 3 mars :\n- Paul : 4 avril\n",
    "Anniversaire de la mesure le 02/01/2026.\nAudience : 14/05/2026\n",
    "La date anniversaire du contrat approche.\n- Renouvellement : 12/03/2025\n- Bilan : 15/04\n",
    "Bon anniversaire Kenza !\n12/03 : réunion de service\n15/04 : formation\n",
    "On a fêté les anniversaires hier soir avec les jeunes du groupe des grands.\n"
    "- Sortie : 14/06\n",
])
def test_only_a_birthday_heading_types_the_dates_of_its_list(
    lexicons: Lexicons, text: str
) -> None:
    assert not [s for s in structure_spans(text, [], lexicons) if s.label == "DATE_OF_BIRTH"]


def test_json_and_key_value_exports_type_their_values(lexicons: Lexicons) -> None:
    text = ('{"dossier": "x", "prenomEnfant": "Merveille", "dateNaissance": "2018-06-30",\n'
            ' "numAlloc": "6630172", "statut": "ACTIF", "commentaire": "voir juge"}')
    found = _values(text, structure_spans(text, [], lexicons))
    assert found == {"2018-06-30": "DATE_OF_BIRTH", "6630172": "CAF_NUMBER"}
    text = '<usager nom="OUEDRAOGO" prenom="Awa" tel="06 71 44 20 93" />'
    found = _values(text, structure_spans(text, [], lexicons))
    assert found == {"OUEDRAOGO": "PERSON", "Awa": "PERSON", "06 71 44 20 93": "PHONE"}


def test_a_column_of_companions_takes_initials(lexicons: Lexicons) -> None:
    text = ("date\theure\tjeune\tlieu\taccompagnant\n"
            "mar\t9h\t-\tsalle 1\tAM\njeu\t14h\t-\tbureau\tFLR\n")
    assert _values(text, structure_spans(text, [], lexicons)) == {"AM": "PERSON", "FLR": "PERSON"}


def test_a_form_laid_out_as_a_table_keeps_its_values_masked(redactor: Redactor) -> None:
    text = ("| Nom | Ouédraogo | Prénom | Salimata |\n"
            "| Né le | 12/03/2010 | Référent | Julien Marchand |\n")
    spans = redactor.analyze(text)
    for value in ("Ouédraogo", "Salimata", "12/03/2010", "Julien Marchand"):
        assert covered(text, spans, value), value
    assert not touched(text, spans, "Prénom")


def test_quoted_values_keep_their_apostrophes(lexicons: Lexicons) -> None:
    text = '{"prenom": "Awa", "nom": "N\'Guessan", "telephone": "06 18 27 36 45"}'
    found = _values(text, structure_spans(text, [], lexicons))
    assert found == {"Awa": "PERSON", "N'Guessan": "PERSON", "06 18 27 36 45": "PHONE"}


def test_header_rows_are_column_names_never_values() -> None:
    text = ("NOM        PRENOM     PAYS       REF SUIVI\n"
            "BARRY      Ismaël     Guinée     S-0412\n"
            "SOW        Aminata    Sénégal    S-0413\n")
    assert [text[a:b] for a, b in header_cells(text)] == ["NOM", "PRENOM", "PAYS"]
    # A first row with one known word or none is not taken for a header.
    assert header_cells("Lina;3e;Omar\nNoé;4e;Ilan\n") == []


def test_mrz_data_lines_give_their_numbers_when_check_digits_hold() -> None:
    # ICAO 9303's own specimens (passport TD3, identity card TD1).
    assert (mrz_check_digit("L898902C3"), mrz_check_digit("740812")) == (6, 2)
    td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
    assert _values(td3, mrz_numbers(td3)) == {"L898902C3": "ID_DOCUMENT", "740812": "DATE_OF_BIRTH"}
    td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<<<<<<<<<<<<<<<\n"
    assert _values(td1, mrz_numbers(td1)) == {"D23145890": "ID_DOCUMENT", "740812": "DATE_OF_BIRTH"}
    # A wrong check digit (retyped, scanned): still the data line of the name line above it;
    # alone, a line that merely has the shape is left to the other recognizers.
    wrong = td3.replace("L898902C36", "L898902C35")
    assert _values(wrong, mrz_numbers(wrong)) == {"L898902C3": "ID_DOCUMENT",
                                                  "740812": "DATE_OF_BIRTH"}
    alone = wrong.split("\n")[1]
    assert _values(alone, mrz_numbers(alone)) == {"740812": "DATE_OF_BIRTH"}


def test_prose_with_commas_is_not_a_table(lexicons: Lexicons) -> None:
    text = ("Nous avons vu la mère, le père, puis la tante.\n"
            "Elle viendra lundi, mardi, ou jeudi matin.\n")
    assert structure_spans(text, [], lexicons) == []


def test_redactor_masks_a_roster_row_the_model_alone_could_miss(redactor: Redactor) -> None:
    text = ("Liste de la permanence\n"
            "Nom;Prénom;N° allocataire;Réf.\n"
            "CHARPENTIER;Rose;4417302;AB\n"
            "NGUYEN;Bao;5528913;CD\n")
    spans = redactor.analyze(text)
    for value in ("CHARPENTIER", "Rose", "4417302", "NGUYEN", "Bao", "5528913"):
        assert covered(text, spans, value), value
    assert not touched(text, spans, "Liste de la permanence")


def test_mrz_name_parts_are_one_span(redactor: Redactor) -> None:
    """No filler left between masked parts shows how a name was cut."""
    text = "P<UKRSHEVCHENKO<<MARIIA<OLEKSANDRIVNA<<<<<<<"  # 44 characters, as ICAO 9303
    spans = [s for s in redactor.analyze(text) if s.label == "PERSON"]
    assert len(spans) == 1 and covered(text, spans, "SHEVCHENKO<<MARIIA<OLEKSANDRIVNA")


def test_code_keys_and_blank_form_values_type_nothing(lexicons: Lexicons) -> None:
    text = ("class Child:\n    name: str\n    surname: str\n"
            "Nom : à compléter\nPrénom : non communiqué\nname: Build and test\n")
    assert structure_spans(text, [], lexicons) == []


def test_a_table_before_a_long_line_of_pipes(lexicons: Lexicons) -> None:
    """The table is still read, and the pasted line of pipes after it is no table row (the
    Markdown rule-row check once backtracked quadratically on such a line)."""
    text = "| Nom | Prénom |\n| Ferrand | Lila |\n" + "|" * 200_000 + "x\n"
    found = _values(text, structure_spans(text, [], lexicons))
    assert found == {"Ferrand": "PERSON", "Lila": "PERSON"}


def test_a_span_never_runs_on_into_the_next_cell_of_a_row(redactor: Redactor) -> None:
    # Tabs are read as spaces by the analysis: the address must not swallow the next cell's
    # label and number (one ADDRESS placeholder for both would mislead the model).
    text = "Adresse\t7 impasse des Tilleuls 31200 Toulouse\tTéléphone\t06 41 27 83 95\n"
    found = _values(text, redactor.analyze(text))
    assert found == {"7 impasse des Tilleuls 31200 Toulouse": "ADDRESS",
                     "06 41 27 83 95": "PHONE"}


@pytest.mark.parametrize("seed", range(20))
def test_csv_cells_of_a_line_without_quotes_are_its_split(seed: int) -> None:
    """Without a double quote, every delimiter of a CSV line cuts it (``str.split``), each
    cell trimmed as in a quoted line."""
    import random

    from gateway.redaction.structure import _csv_pieces, _trim

    rng = random.Random(seed)
    for delimiter in ",;":
        text = "".join(rng.choice("ab ,;\t'") for _ in range(rng.randint(0, 60)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        expected, pos = [], start
        for piece in text[start:end].split(delimiter):
            expected.append(_trim(text, pos, pos + len(piece)))
            pos += len(piece) + 1
        assert _csv_pieces(text, start, end, delimiter) == expected
