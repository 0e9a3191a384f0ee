"""Conversation-level redaction: placeholders, stability across turns, message shapes."""

from __future__ import annotations

import copy
import json

from gateway.redaction import RedactionSettings, Redactor, redact_conversation, reidentify_message

SETTINGS = RedactionSettings()


def _turn1() -> list[dict]:
    return [
        {"role": "system", "content": "Tu aides une travailleuse sociale."},
        {
            "role": "user",
            "content": "Reformule : Mme Fatou Diallo (06 12 34 56 78) a vu M. Ibrahim Koné.",
        },
    ]


def test_placeholders_numbered_in_order_of_appearance(redactor: Redactor) -> None:
    red = redact_conversation(_turn1(), redactor, SETTINGS)
    content = red.messages[1]["content"]
    assert content == "Reformule : Mme <PERSONNE_1> (<TELEPHONE_1>) a vu M. <PERSONNE_2>."
    assert red.mapping == {
        "<PERSONNE_1>": "Fatou Diallo",
        "<TELEPHONE_1>": "06 12 34 56 78",
        "<PERSONNE_2>": "Ibrahim Koné",
    }
    assert red.counts == {"PERSON": 2, "PHONE": 1}


def test_input_is_never_mutated(redactor: Redactor) -> None:
    messages = _turn1()
    before = copy.deepcopy(messages)
    redact_conversation(messages, redactor, SETTINGS)
    assert messages == before


def test_same_value_same_placeholder_on_every_turn(redactor: Redactor) -> None:
    turn1 = _turn1()
    red1 = redact_conversation(turn1, redactor, SETTINGS)
    # The gateway re-identified the answer; the client sends it back in clear.
    answer = reidentify_message(
        {"role": "assistant", "content": "Mme <PERSONNE_1> a rencontré <PERSONNE_2>."}, red1.mapping
    )
    turn2 = turn1 + [
        answer,
        {"role": "user", "content": "Ajoute que Mme Diallo rappellera au 06 12 34 56 78."},
    ]
    red2 = redact_conversation(turn2, redactor, SETTINGS)
    assert red2.messages[1]["content"] == red1.messages[1]["content"]
    assert red2.messages[2]["content"] == "Mme <PERSONNE_1> a rencontré <PERSONNE_2>."
    assert red2.messages[3]["content"] == "Ajoute que Mme <PERSONNE_1> rappellera au <TELEPHONE_1>."
    for key, value in red1.mapping.items():
        assert red2.mapping[key] == value


def test_name_variants_share_a_placeholder(redactor: Redactor) -> None:
    messages = [
        {"role": "user", "content": "Mme DIALLO est venue. Fatou Diallo a signé. Fatou repart."}
    ]
    red = redact_conversation(messages, redactor, SETTINGS)
    assert (
        red.messages[0]["content"]
        == "Mme <PERSONNE_1> est venue. <PERSONNE_1> a signé. <PERSONNE_1> repart."
    )
    assert red.mapping["<PERSONNE_1>"] == "Fatou Diallo"


def test_ambiguous_surname_keeps_its_own_placeholder(redactor: Redactor) -> None:
    text = "Fatou Diallo et Moussa Diallo sont venus. Diallo a parlé."
    red = redact_conversation([{"role": "user", "content": text}], redactor, SETTINGS)
    out = red.messages[0]["content"]
    assert out.startswith("<PERSONNE_1> et <PERSONNE_2> sont venus.")
    assert "<PERSONNE_3> a parlé." in out


def test_content_arrays_and_tool_calls(redactor: Redactor) -> None:
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Appeler Mme Aminata Sow au 07 11 22 33 44."},
                {"type": "image_url", "image_url": {"url": "data:,"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {
                        "name": "send_sms",
                        "arguments": json.dumps(
                            {"to": "07 11 22 33 44", "body": "Bonjour Aminata Sow"}
                        ),
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "SMS envoyé à 07 11 22 33 44"},
    ]
    red = redact_conversation(messages, redactor, SETTINGS)
    assert red.messages[0]["content"][0]["text"] == "Appeler Mme <PERSONNE_1> au <TELEPHONE_1>."
    assert red.messages[0]["content"][1] == messages[0]["content"][1]
    args = json.loads(red.messages[1]["tool_calls"][0]["function"]["arguments"])
    assert args == {"to": "<TELEPHONE_1>", "body": "Bonjour <PERSONNE_1>"}
    assert red.messages[2]["content"] == "SMS envoyé à <TELEPHONE_1>"
    assert "07 11" not in json.dumps(red.messages)


def test_settings_labels_and_allow_list(redactor: Redactor) -> None:
    text = "L'association Maison Rouget accueille Mme Julie Rouget, tél 06 12 34 56 78."
    only_phone = RedactionSettings(labels=frozenset({"PHONE"}))
    red = redact_conversation([{"role": "user", "content": text}], redactor, only_phone)
    assert (
        "Julie Rouget" in red.messages[0]["content"]
        and "<TELEPHONE_1>" in red.messages[0]["content"]
    )
    allow = RedactionSettings(allow_list=("Maison Rouget",))
    red = redact_conversation([{"role": "user", "content": text}], redactor, allow)
    assert "Maison Rouget" in red.messages[0]["content"]
    assert "Julie Rouget" not in red.messages[0]["content"]


def test_existing_placeholders_are_left_alone(redactor: Redactor) -> None:
    messages = [{"role": "user", "content": "Reformule : <PERSONNE_1> a appelé <TELEPHONE_1>."}]
    red = redact_conversation(messages, redactor, SETTINGS)
    assert red.messages[0]["content"] == messages[0]["content"]
    assert red.mapping == {}


def test_typed_placeholders_keep_their_number_and_never_collide(redactor: Redactor) -> None:
    # A worker who pseudonymised by hand, or pasted an earlier answer back: the placeholder
    # already in the text must not be given to another person.
    messages = [{"role": "user", "content":
                 "<PERSONNE_1> a croisé Mme Fatou Diallo au CCAS ; [PERSONNE 2] était là."}]
    red = redact_conversation(messages, redactor, SETTINGS)
    content = red.messages[0]["content"]
    assert "<PERSONNE_1> a croisé Mme <PERSONNE_3>" in content
    assert "[PERSONNE 2]" in content
    assert red.mapping == {"<PERSONNE_3>": "Fatou Diallo"}
    # The answer speaks of both: only ours is restored, the typed one stays as typed.
    answer = {"role": "assistant", "content": "<PERSONNE_1> et <PERSONNE_3> se connaissent."}
    restored = reidentify_message(answer, red.mapping)
    assert restored["content"] == "<PERSONNE_1> et Fatou Diallo se connaissent."


def test_a_value_masked_once_is_masked_where_it_recurs() -> None:
    from gateway.redaction.recurrence import recurrences, recurring_values
    from gateway.types import Span

    first = "N° allocataire : 4417203, mail Karim.Haddad@Example.org"
    spans = [Span(17, 24, "CAF_NUMBER", 0.9), Span(31, 55, "EMAIL", 0.9)]
    values = recurring_values([(first, spans)])
    later = "le 4417203 est radié ; écrire à karim.haddad@example.org ou au 44172031"
    found = recurrences(later, [], values)
    assert [(later[s.start:s.end], s.label) for s in found] == [
        ("4417203", "CAF_NUMBER"), ("karim.haddad@example.org", "EMAIL")]
