"""English lines, names in other scripts, and what the learned model may not mask alone."""

from __future__ import annotations

from gateway.redaction import Redactor
from gateway.redaction.language import beside, english_ranges, foreign_script_runs
from gateway.redaction.learned import plausible_name
from gateway.redaction.vetoes import never_personal, vetoed


def test_english_lines_are_told_from_french_ones() -> None:
    text = ("Bonjour, voici le mail de la collègue :\n"
            "Hi all, please find the summary of the meeting below.\n"
            "Kind regards,\n"
            "Merci de le traduire pour la famille.")
    ranges = english_ranges(text)
    english = "".join(text[a:b] for a, b in ranges)
    assert "please find the summary" in english and "Kind regards" in english
    assert "voici le mail" not in english and "Merci de le traduire" not in english


def test_a_name_in_its_own_script_beside_its_transliteration() -> None:
    text = "ses enfants Maksym (Максим) et Sofiia ; la grand-mère parle russe : привет всем"
    runs = foreign_script_runs(text)
    assert [text[a:b] for a, b in runs] == ["Максим", "привет всем"]
    maksym = (text.index("Maksym"), text.index("Maksym") + 6)
    assert beside(text, runs[0], [maksym]) and not beside(text, runs[1], [maksym])


def test_ordinary_words_are_no_plausible_name(redactor: Redactor) -> None:
    lex = redactor.lexicons
    for word in ("the school", "des", "chat_history", "Loyer", "demander"):
        assert not plausible_name(word, lex), word
    for name in ("Rose", "kevin", "Okonkwo", "JB", "Fatou Diallo"):
        assert plausible_name(name, lex), name


def test_what_the_model_may_not_mask_alone() -> None:
    def veto(text: str, value: str, label: str) -> bool:
        start = text.index(value)
        return vetoed(text, start, start + len(value), label)

    assert veto("Fil Santé Jeunes 0800 235 236, gratuit", "0800 235 236", "ID_DOCUMENT")
    assert veto("entre 2020-2022 elle a travaillé", "2020-2022", "CASE_ID")
    assert veto("Elle ne viendra pas le 12/03/2024.", "12/03/2024", "DATE_OF_BIRTH")
    assert veto("Code FR76 3000 4132 7693 0023 8392 029 en bas", "FR76 3000 4132 7693 0023 8392 029",
                "IBAN")
    # the same shapes where they identify someone
    assert not veto("Noa (°12/07/2015), Timéo", "12/07/2015", "DATE_OF_BIRTH")
    assert not veto("DUPONT;Léa;04/09/1971;3318207", "04/09/1971", "DATE_OF_BIRTH")
    assert not veto("son portable 06 12 34 56 78", "06 12 34 56 78", "PHONE")
    text = "Vu la loi n° 2022-140 et le cerfa 15692*01 ; dossier ASE-2024-0456"
    for value, label in (("2022-140", "CASE_ID"), ("15692", "CASE_ID")):
        start = text.index(value)
        assert never_personal(text, start, start + len(value), label)
    start = text.index("ASE-2024-0456")
    assert not never_personal(text, start, start + 13, "CASE_ID")
    assert never_personal("Permanences : Lun. 9h", 14, 17, "PERSON")
