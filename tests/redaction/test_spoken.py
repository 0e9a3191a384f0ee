"""Dictated numbers, spelled names and dictated e-mails read in the normalised view."""

from __future__ import annotations

import pytest

from gateway.redaction.normalize import normalize
from gateway.redaction.spoken import find_all


@pytest.mark.parametrize(("text", "said", "written"), [
    ("rappelle-moi au zéro six, quarante-deux, dix-huit, soixante-treize, zéro cinq stp",
     "zéro six, quarante-deux, dix-huit, soixante-treize, zéro cinq", "06 42 18 73 05"),
    ("allocataire : quatre, huit, deux, zéro, un, un, sept.",
     "quatre, huit, deux, zéro, un, un, sept", "4820117"),
    ("en Belgique : plus trente-deux, quatre cent septante-huit, douze, trente-quatre",
     "plus trente-deux, quatre cent septante-huit, douze, trente-quatre", "+32 478 12 34"),
    ("le numéro : 1, quatre-vingt-huit, zéro cinq, quatre-vingt-dix-neuf, trois cent trente",
     "1, quatre-vingt-huit, zéro cinq, quatre-vingt-dix-neuf, trois cent trente",
     "1 88 05 99 330"),
    ("son nom : K, O, W, A, L, S, K, I.", "K, O, W, A, L, S, K, I", "KOWALSKI"),
    ("ça s'écrit T-R-A-N, D comme Denis, U, C", "T-R-A-N, D comme Denis, U, C", "TRANDUC"),
    ("mon mail c'est lea point martin quatre-vingt-dix arobase free point fr",
     "lea point martin quatre-vingt-dix arobase free point fr", "lea.martin90@free.fr"),
])
def test_dictated_values_are_written(text: str, said: str, written: str) -> None:
    runs = find_all(text)
    assert [(text[r.start:r.end], r.written) for r in runs] == [(said, written)]


def test_dates_in_words_only_beside_a_month() -> None:
    text = "née le vingt-trois avril deux mille onze, elle a deux frères et trois sœurs"
    runs = find_all(text)
    assert [(text[r.start:r.end], r.written) for r in runs] == [
        ("vingt-trois", "23"), ("deux mille onze", "2011")]


@pytest.mark.parametrize("text", [
    "il a deux enfants et trois chats", "Options A, B ou C.", "la réunion du 12 mars à 14h",
    "deux ou trois fois par semaine",
])
def test_ordinary_numbers_stay_as_written(text: str) -> None:
    assert find_all(text) == []


def test_view_maps_digits_back_to_the_words() -> None:
    original = "Tél : zéro sept, douze, trente-quatre, cinquante-six, soixante-dix-huit. Mme Ana Gonçal-\nves"
    view = normalize(original)
    start = view.text.index("07 12 34 56 78")
    a, b = view.to_original(start, start + len("07 12 34 56 78"))
    assert original[a:b] == "zéro sept, douze, trente-quatre, cinquante-six, soixante-dix-huit"
    start = view.text.index("Gonçalves")
    a, b = view.to_original(start, start + len("Gonçalves"))
    assert original[a:b] == "Gonçal-\nves"


@pytest.mark.parametrize("text", [
    "mon mail c'est lea point martin quatre-vingt-dix arobase free point fr",
    "MON MAIL : LEA POINT MARTIN AROBASE FREE POINT FR",
    "mail : lea point martin ArObAsE free point fr",
    "mail : lea point martin arobaſe free point fr",  # U+017F reads as « s » under IGNORECASE
    "écrire à jean tiret luc arobase orange point fr demain",
])
def test_dictated_emails_survive_the_arobase_precheck(text: str) -> None:
    from gateway.redaction.spoken import _EMAIL, _EMAIL_WORD, find_spoken_emails

    assert _EMAIL.search(text) and _EMAIL_WORD.search(text)
    assert [(r.start, r.end) for r in find_spoken_emails(text)] == [
        m.span() for m in _EMAIL.finditer(text)]


@pytest.mark.parametrize("text", [
    "mon mail c'est lea point martin at free point fr",  # « at » is the e-mail recognizer's
    "lea.martin@free.fr, arobase seul, ou arrobase free point fr",
])
def test_no_dictated_email_without_the_word(text: str) -> None:
    from gateway.redaction.spoken import _EMAIL, find_spoken_emails

    assert find_spoken_emails(text) == [] and _EMAIL.search(text) is None
