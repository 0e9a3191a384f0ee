"""Redaction end to end: what reaches the model, and what comes back to the worker."""

from __future__ import annotations

import json

import openai
import pytest

from tests.e2e.conftest import Gateway, upstream_requests
from tests.e2e.test_gateway_http import client

IDENTIFIERS = {
    "name": "Fatou Diallo",
    "phone": "06 12 34 56 78",
    "email": "fatou.diallo@example.org",
    "nir": "2 88 07 93 066 123 10",
    "caf": "2276391",
}
NOTE = (
    f"Mme {IDENTIFIERS['name']} (tél. {IDENTIFIERS['phone']}, {IDENTIFIERS['email']}) est venue "
    f"ce matin. NIR : {IDENTIFIERS['nir']}. N° allocataire CAF : {IDENTIFIERS['caf']}. "
    "Peux-tu mettre ces notes au propre ?"
)


def _sent_to_model(fake_upstream, since: int) -> str:
    return json.dumps(upstream_requests(fake_upstream)[since:], ensure_ascii=False)


def _assert_no_identifier(text: str) -> None:
    for kind, value in IDENTIFIERS.items():
        assert value not in text, f"{kind} reached the model"
    assert "Diallo" not in text and "Fatou" not in text


def test_model_receives_placeholders_and_answer_is_reidentified(gateway: Gateway, fake_upstream) -> None:
    since = len(upstream_requests(fake_upstream))
    reply = client(gateway).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": NOTE}]
    )
    sent = _sent_to_model(fake_upstream, since)
    _assert_no_identifier(sent)
    assert "<PERSONNE_1>" in sent
    assert reply.choices[0].message.content.startswith(NOTE)


def test_streamed_answer_is_reidentified_across_chunk_splits(gateway: Gateway, fake_upstream) -> None:
    since = len(upstream_requests(fake_upstream))
    stream = client(gateway).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": NOTE}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    _assert_no_identifier(_sent_to_model(fake_upstream, since))
    assert text.startswith(NOTE)


def test_placeholders_are_stable_across_turns(gateway: Gateway, fake_upstream) -> None:
    first = client(gateway).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": NOTE}]
    )
    since = len(upstream_requests(fake_upstream))
    client(gateway).chat.completions.create(
        model="echo",
        messages=[
            {"role": "user", "content": NOTE},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": f"Ajoute que Mme {IDENTIFIERS['name']} rappellera."},
        ],
    )
    sent = upstream_requests(fake_upstream)[since]["messages"]
    _assert_no_identifier(json.dumps(sent, ensure_ascii=False))
    assert "<PERSONNE_1>" in sent[0]["content"] and "<PERSONNE_1>" in sent[2]["content"]


@pytest.mark.parametrize("model", ["tools", "tools-litellm"])
def test_content_arrays_and_tool_calls(gateway: Gateway, fake_upstream, model: str) -> None:
    since = len(upstream_requests(fake_upstream))
    key = "staff_litellm" if "litellm" in model else "staff"
    reply = client(gateway, key).chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": [{"type": "text", "text": NOTE}]}],
        tools=[{"type": "function", "function": {"name": "save_note", "parameters": {
            "type": "object", "properties": {"note": {"type": "string"}}}}}],
    )
    _assert_no_identifier(_sent_to_model(fake_upstream, since))
    arguments = json.loads(reply.choices[0].message.tool_calls[0].function.arguments)
    assert arguments["note"] == NOTE


def test_demo_model_shows_what_the_provider_saw(gateway: Gateway) -> None:
    reply = client(gateway).chat.completions.create(
        model="demo", messages=[{"role": "user", "content": NOTE}]
    )
    shown = reply.choices[0].message.content
    assert "modèle de démonstration" in shown
    _assert_no_identifier(shown)
    assert "PERSONNE_1" in shown and "TELEPHONE_1" in shown


def test_redaction_counts_header_has_no_values(gateway: Gateway) -> None:
    raw = client(gateway).chat.completions.with_raw_response.create(
        model="echo", messages=[{"role": "user", "content": NOTE}]
    )
    header = raw.headers["x-gardefou-redactions"]
    assert "PERSON=" in header and "PHONE=" in header
    _assert_no_identifier(header)
    assert raw.headers["x-gardefou-action"] in {"allow", "warn"}


def test_blocked_decision_is_403_in_french(gateway: Gateway, fake_upstream) -> None:
    since = len(upstream_requests(fake_upstream))
    try:
        client(gateway).chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": f"{NOTE} D'après toi, faut-il placer ses enfants ? Réponds oui ou non."}],
        )
    except openai.PermissionDeniedError as exc:
        body = exc.body
    else:
        raise AssertionError("a placement decision must be blocked")
    assert body["code"] == "policy_blocked" and body["decision_id"] and body["policy_revision"]
    assert "Diallo" not in body["message"]
    assert len(upstream_requests(fake_upstream)) == since  # nothing was sent


def test_participant_name_field_is_not_forwarded(gateway: Gateway, fake_upstream) -> None:
    since = len(upstream_requests(fake_upstream))
    client(gateway).chat.completions.create(
        model="echo", messages=[{"role": "user", "name": "Fatou_Diallo", "content": "Bonjour"}]
    )
    sent = upstream_requests(fake_upstream)[since]["messages"][0]
    assert "name" not in sent


@pytest.mark.parametrize("model", ["tools", "tools-litellm"])
def test_streamed_tool_call_arguments_are_reidentified_as_json(gateway: Gateway, model: str) -> None:
    key = "staff_litellm" if "litellm" in model else "staff"
    stream = client(gateway, key).chat.completions.create(
        model=model, stream=True,
        messages=[{"role": "user", "content": NOTE}],
        tools=[{"type": "function", "function": {"name": "save_note", "parameters": {
            "type": "object", "properties": {"note": {"type": "string"}}}}}],
    )
    arguments = ""
    for chunk in stream:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                arguments += call.function.arguments or ""
    assert json.loads(arguments)["note"] == NOTE
