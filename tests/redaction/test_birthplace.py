"""Places of birth are masked next to a birth marker, and only there."""

from __future__ import annotations

import pytest

from gateway.redaction.recognizers.birthplace import BirthplaceRecognizer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mme Lefebvre, née le 12/03/1984 à Roubaix, demeurant", ["Roubaix"]),
        ("né à Bamako (Mali) en 1990", ["Bamako (Mali)"]),
        ("née le 3 mars 2012 à Saint-Denis.", ["Saint-Denis"]),
        ("Lieu de naissance : La Roche-sur-Yon", ["La Roche-sur-Yon"]),
        ("NÉE LE 12/03/1984 À ROUBAIX", ["ROUBAIX"]),
        ("il est né en 1990 à Lyon", ["Lyon"]),
        # traps: a town named for another reason, or a lower-case place
        ("Elle a rendez-vous à Lyon le 12/03.", []),
        ("né le 12/03/1984 à l'hôpital Necker", []),
        ("Le bébé est né hier, tout va bien.", []),
    ],
)
def test_birthplace(text: str, expected: list[str]) -> None:
    found = BirthplaceRecognizer().analyze(text, ["BIRTHPLACE"])
    assert [text[r.start:r.end] for r in found] == expected


def test_birthplace_gets_its_own_placeholder(redactor) -> None:
    from gateway.redaction import RedactionSettings, redact_conversation

    messages = [{"role": "user", "content": "Mme Lefebvre, née le 12/03/1984 à Roubaix."}]
    redaction = redact_conversation(messages, redactor, RedactionSettings())
    assert "Roubaix" not in redaction.messages[0]["content"]
    assert "<LIEU_NAISSANCE_1>" in redaction.messages[0]["content"]
