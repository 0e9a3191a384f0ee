"""A text analysed in shares of its windows (as the analysis processes do on an idle pool),
then completed, gives the spans of the analysis in one piece."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.errors import RedactionFailed
from gateway.redaction import Redactor, RedactionSettings
from gateway.redaction.analyzer import WINDOW, windows
from gateway.redaction.normalize import normalize
from tests.conftest import long_note

SETTINGS = RedactionSettings(allow_list=("Villeurbanne",))


def test_shares_of_the_windows_completed_give_the_spans_of_one_analysis(
        redactor: Redactor) -> None:
    text = long_note()
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
        broken.analyze_windows(long_note(), 0, 2)
    assert "KONAT" not in str(failed.value.to_body()) and "KeyError" in str(failed.value)
    with pytest.raises(RedactionFailed) as failed:
        redactor.complete(long_note(), [dataclasses.replace(
            redactor.analyze_windows(long_note())[0], start=10**6, end=10**6 + 5)], SETTINGS)
    assert "KONAT" not in str(failed.value.to_body())
