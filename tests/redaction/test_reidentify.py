"""Re-identification, whole and streamed."""

from __future__ import annotations

import json

import pytest

from gateway.redaction import StreamReidentifier, reidentify_message, reidentify_text
from gateway.redaction.reidentify import MAX_PLACEHOLDER

MAPPING = {
    "<PERSONNE_1>": "Fatou Diallo",
    "<PERSONNE_12>": "Ibrahim Koné",
    "<TELEPHONE_1>": "06 12 34 56 78",
    "<ID_FRANCE_TRAVAIL_1>": "4206350N",
    "<NUM_DOSSIER_2>": "ASE-2024-0456",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour <PERSONNE_1>.", "Bonjour Fatou Diallo."),
        ("<personne_1> et <PERSONNE_12>", "Fatou Diallo et Ibrahim Koné"),
        ("PERSONNE_1 appelle", "Fatou Diallo appelle"),
        ("[PERSONNE_1] appelle", "Fatou Diallo appelle"),
        ("< PERSONNE_1 > appelle", "Fatou Diallo appelle"),
        ("<PERSONNE 1> appelle", "Fatou Diallo appelle"),
        ("{TELEPHONE_1}", "06 12 34 56 78"),
        ("id <ID_FRANCE_TRAVAIL_1>, dossier <NUM_DOSSIER_2>", "id 4206350N, dossier ASE-2024-0456"),
        # never issued: left exactly as written
        ("<PERSONNE_3> et <ADRESSE_1>", "<PERSONNE_3> et <ADRESSE_1>"),
        ("PERSONNE_2", "PERSONNE_2"),
        # ordinary words are not placeholders
        ("une personne 1 fois par semaine", "une personne 1 fois par semaine"),
        ("XPERSONNE_1", "XPERSONNE_1"),
    ],
)
def test_reidentify_text(text: str, expected: str) -> None:
    assert reidentify_text(text, MAPPING) == expected


ANSWER = "Madame <PERSONNE_1>, votre dossier <NUM_DOSSIER_2> : rappelez au <TELEPHONE_1>. Cordialement, <PERSONNE_12>"
EXPECTED = reidentify_text(ANSWER, MAPPING)


def _stream(chunks: list[str]) -> str:
    stream = StreamReidentifier(MAPPING)
    return "".join(stream.feed(c) for c in chunks) + stream.flush()


@pytest.mark.parametrize("cut", range(1, len(ANSWER)))
def test_stream_split_at_every_offset(cut: int) -> None:
    assert _stream([ANSWER[:cut], ANSWER[cut:]]) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_stream_in_small_chunks(size: int) -> None:
    chunks = [ANSWER[i : i + size] for i in range(0, len(ANSWER), size)]
    assert _stream(chunks) == EXPECTED


def test_stream_restores_altered_and_keeps_unissued() -> None:
    text = "Voir [personne_1] et <PERSONNE_7> puis PERSONNE_12."
    chunks = [text[i : i + 2] for i in range(0, len(text), 2)]
    assert _stream(chunks) == "Voir Fatou Diallo et <PERSONNE_7> puis Ibrahim Koné."


def test_stream_holds_back_a_bounded_tail_only() -> None:
    stream = StreamReidentifier(MAPPING)
    emitted = ""
    long_text = "mot " * 500
    for i in range(0, len(long_text), 3):
        emitted += stream.feed(long_text[i : i + 3])
        assert len(long_text[: i + 3]) - len(emitted) <= MAX_PLACEHOLDER
    assert emitted + stream.flush() == long_text


def test_reidentify_message_covers_content_arrays_and_tool_calls() -> None:
    message = {
        "role": "assistant",
        "content": [{"type": "text", "text": "Pour <PERSONNE_1> :"}],
        "tool_calls": [
            {
                "id": "1",
                "type": "function",
                "function": {
                    "name": "sms",
                    "arguments": json.dumps(
                        {"to": "<TELEPHONE_1>", "text": 'Bonjour "<PERSONNE_1>"'}
                    ),
                },
            }
        ],
    }
    out = reidentify_message(message, MAPPING)
    assert out["content"][0]["text"] == "Pour Fatou Diallo :"
    args = json.loads(out["tool_calls"][0]["function"]["arguments"])
    assert args == {"to": "06 12 34 56 78", "text": 'Bonjour "Fatou Diallo"'}
    assert message["content"][0]["text"] == "Pour <PERSONNE_1> :"  # input untouched


def test_reidentify_message_string_content() -> None:
    assert (
        reidentify_message({"role": "assistant", "content": "<PERSONNE_12>"}, MAPPING)["content"]
        == "Ibrahim Koné"
    )


def test_stream_of_tool_arguments_escapes_values() -> None:
    mapping = {"<PERSONNE_1>": 'Fatou "Fifi" Diallo'}
    raw = json.dumps({"body": "Bonjour <PERSONNE_1>"})
    stream = StreamReidentifier(mapping, json_string=True)
    out = "".join(stream.feed(raw[i : i + 4]) for i in range(0, len(raw), 4)) + stream.flush()
    assert json.loads(out) == {"body": 'Bonjour Fatou "Fifi" Diallo'}
