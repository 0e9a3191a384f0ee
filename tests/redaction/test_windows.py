"""A text analysed in shares of its windows (as the analysis processes do on an idle pool),
then completed, gives the spans of the analysis in one piece."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.errors import RedactionFailed
from gateway.redaction import Redactor, RedactionSettings
from gateway.redaction.analyzer import WINDOW, windows
from gateway.redaction.normalize import normalize

SETTINGS = RedactionSettings(allow_list=("Villeurbanne",))


def _document() -> str:
    """Several windows; a view shorter and longer than the text (zero-width spaces, a
    ligature, a soft hyphen, a dictated number); a name found with a cue in the first window
    and bare in the last."""
    filler = ("La réunion de synthèse a rappelé les objectifs du projet d'accompagne\u00adment "
              "et les démarches en cours, notamment le dossier de la CAF\u200b. ")
    parts = ["Mme Awa KONATÉ, née le 03/05/1979, 5 allée des Tilleuls 69100 Villeurbanne, "
             "tél. zéro six douze trente-quatre cinquante-six soixante-dix-huit."]
    parts += [filler * 8 + f"Point {i} : le ﬁchier avance." for i in range(10)]
    parts.append("Konaté souhaite poursuivre l'accompagnement.")
    return "\n\n".join(parts)


def test_shares_of_the_windows_completed_give_the_spans_of_one_analysis(
        redactor: Redactor) -> None:
    text = _document()
    assert len(normalize(text).text) != len(text) and len(windows(normalize(text).text)) >= 3
    expected = redactor.analyze(text, SETTINGS)
    whole = redactor.analyze_windows(text)
    for parts in (2, 3, 10):  # 10: more shares than windows, some of them empty
        shares = [span for part in range(parts)
                  for span in redactor.analyze_windows(text, part, parts)]
        assert shares == whole
    assert redactor.complete(text, whole, SETTINGS) == expected
    last = text.rindex("Konaté")
    assert any(s.start <= last < s.end and s.label == "PERSON" for s in expected)


def test_a_short_text_is_one_window(redactor: Redactor) -> None:
    text = "Rendez-vous avec M. Pierre Martin jeudi."
    assert len(text) < WINDOW
    assert redactor.analyze_windows(text, 0, 2) == []  # the one window is the last share's
    assert redactor.complete(text, redactor.analyze_windows(text, 1, 2), SETTINGS) == (
        redactor.analyze(text, SETTINGS))


class _Broken:
    """An engine that fails with the text in its message."""

    def analyze(self, text: str, **_: object) -> list[object]:
        raise KeyError(text)


def test_a_share_that_fails_fails_closed_without_the_text(redactor: Redactor) -> None:
    broken = dataclasses.replace(redactor, engine=_Broken())  # type: ignore[arg-type]
    with pytest.raises(RedactionFailed) as failed:
        broken.analyze_windows(_document(), 0, 2)
    assert "KONAT" not in str(failed.value.to_body()) and "KeyError" in str(failed.value)
    with pytest.raises(RedactionFailed) as failed:
        redactor.complete(_document(), [dataclasses.replace(
            redactor.analyze_windows(_document())[0], start=10**6, end=10**6 + 5)], SETTINGS)
    assert "KONAT" not in str(failed.value.to_body())
