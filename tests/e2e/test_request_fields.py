"""Every field of the request, malformed bodies and malformed provider answers, end to end:
openai SDK / httpx → gateway (uvicorn) → fake upstream, on both upstream transports."""

from __future__ import annotations

import json
import sqlite3
import time

import httpx
import openai
import pytest

from tests.conftest import Server, eventually
from tests.e2e.conftest import Gateway, upstream_requests

NAME, PHONE, NIR = "Eulalie Vandercruysse", "06 48 27 19 53", "2 91 05 75 112 042 85"
SECRETS = (NAME, "Vandercruysse", PHONE, NIR, PHONE.replace(" ", ""), NIR.replace(" ", ""))
NOTE = f"Peux-tu mettre au propre cette note : entretien avec Mme {NAME}, tél. {PHONE}, NIR {NIR}."
BOTH_PATHS = pytest.mark.parametrize("suffix", ["", "-litellm"], ids=["direct", "litellm"])


def _client(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base + "/v1", api_key=gateway.keys["staff_fields"],
                         max_retries=0)


def _post(gateway: Gateway, body: bytes | dict) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(gateway.base + "/v1/chat/completions", content=content, timeout=30,
                      headers={"Authorization": f"Bearer {gateway.keys['staff_fields']}",
                               "Content-Type": "application/json"})


def _assert_openai_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}
    for secret in SECRETS:
        assert secret not in response.text
    return error


def _usage_rows(gateway: Gateway, action: str, model: str) -> float:
    with sqlite3.connect(gateway.state_dir / "usage.sqlite3") as db:
        row = db.execute(
            "select coalesce(sum(value), 0) from counters where metric = 'requests' "
            "and action = ? and model = ?", (action, model)).fetchone()
    return float(row[0])


def _user(content: object = "Bonjour") -> list[dict]:
    return [{"role": "user", "content": content}]


def _deep(levels: int) -> bytes:
    return (b'{"model": "echo", "messages": [{"role": "user", "content": '
            + b"[" * levels + b"]" * levels + b"}]}")


MALFORMED = {
    "deep nesting": _deep(100_000),
    "nesting past the limit": _deep(70),
    "tool_calls a number": {"model": "echo", "messages": [
        {"role": "assistant", "content": None, "tool_calls": 5}, *_user()]},
    "tool_calls a string": {"model": "echo", "messages": [
        {"role": "assistant", "tool_calls": NAME}, *_user()]},
    "tool_calls of the wrong shape": {"model": "echo", "messages": [
        {"role": "assistant", "tool_calls": [[NAME], {"id": 3}, {"function": NAME}]}, *_user()]},
    "function_call a string": {"model": "echo", "messages": [
        {"role": "assistant", "function_call": NAME}, *_user()]},
    "NaN": b'{"model": "echo", "messages": [{"role": "user", "content": "x"}], "temperature": NaN}',
    "Infinity": b'{"model": "echo", "messages": [{"role": "user", "content": "x"}], "top_p": -Infinity}',
    "function name with a space": {"model": "echo", "messages": _user(), "tools": [
        {"type": "function", "function": {"name": NAME}}]},
    "logit_bias key that is no token id": {"model": "echo", "messages": _user(),
                                          "logit_bias": {NAME: 1}},
    "reasoning_effort outside its set": {"model": "echo", "messages": _user(),
                                         "reasoning_effort": NAME},
    "tool_choice outside its set": {"model": "echo", "messages": _user(), "tool_choice": NAME},
    "function message name": {"model": "echo", "messages": [
        {"role": "function", "name": NAME, "content": "x"}, *_user()]},
    "response_format name": {"model": "echo", "messages": _user(), "response_format": {
        "type": "json_schema", "json_schema": {"name": NAME, "schema": {}}}},
    "image part": {"model": "echo", "messages": _user([{"type": "image_url",
                                                       "image_url": {"url": NAME}}])},
    "content a number": {"model": "echo", "messages": _user(12)},
    "stop a number": {"model": "echo", "messages": _user(), "stop": 3},
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_bodies_are_422_in_the_openai_shape(gateway: Gateway, body: bytes | dict) -> None:
    error = _assert_openai_error(_post(gateway, body), 422)
    assert error["type"] == "invalid_request_error"


def test_framework_errors_are_in_the_openai_shape(gateway: Gateway) -> None:
    _assert_openai_error(httpx.get(gateway.base + f"/v1/{NAME}?note={PHONE}"), 404)
    response = httpx.get(gateway.base + "/v1/chat/completions")
    assert _assert_openai_error(response, 405)["code"] == "method_not_allowed"
    # an admin body with an unknown key: the key the client chose is not quoted
    response = httpx.post(gateway.base + "/admin/policies/org-a/explain",
                          headers={"Authorization": f"Bearer {gateway.keys['admin']}"},
                          json={"prompt": "x", NAME: 1})
    _assert_openai_error(response, 422)


def test_unknown_model_is_a_404_that_does_not_quote_it(gateway: Gateway) -> None:
    error = _assert_openai_error(_post(gateway, {"model": NAME, "messages": _user()}), 404)
    assert error["code"] == "model_not_found"


@BOTH_PATHS
def test_malformed_provider_answer_is_a_502_and_is_recorded(gateway: Gateway, suffix: str) -> None:
    model = "badtools" + suffix
    before = _usage_rows(gateway, "error", model)
    with pytest.raises(openai.APIStatusError) as info:
        _client(gateway).chat.completions.create(model=model, messages=_user(NOTE))
    assert info.value.status_code == 502
    assert eventually(lambda: _usage_rows(gateway, "error", model), before + 1) == before + 1


@BOTH_PATHS
def test_malformed_streamed_answer_never_crashes_and_is_recorded(
        gateway: Gateway, suffix: str) -> None:
    """Direct path: the malformed delta ends the stream with an error event. litellm
    rebuilds deltas itself (it drops the malformed ``tool_calls``), so the stream may end
    normally there; either way the usage event is written."""
    model = "badtools" + suffix
    before = _usage_rows(gateway, "error", model) + _usage_rows(gateway, "allow", model)
    try:
        for _ in _client(gateway).chat.completions.create(model=model, messages=_user(NOTE),
                                                          stream=True):
            pass
    except openai.APIError as exc:
        assert "illisible" in str(exc)
    else:
        assert suffix, "the direct path relays a malformed delta"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
            _usage_rows(gateway, "error", model) + _usage_rows(gateway, "allow", model)) == before:
        time.sleep(0.05)
    assert _usage_rows(gateway, "error", model) + _usage_rows(gateway, "allow", model) == before + 1


def every_field_request(model: str, NAME: str = NAME, PHONE: str = PHONE,  # noqa: N803
                        NIR: str = NIR) -> dict:  # noqa: N803
    """A request with the canaries in every field the SDK lets a client fill."""
    NOTE = f"Peux-tu mettre au propre cette note : entretien avec Mme {NAME}, tél. {PHONE}, NIR {NIR}."  # noqa: N806
    schema = {"type": "object", "description": f"Fiche de {NAME}",
              "properties": {NAME: {"type": "string", "description": f"tél. {PHONE}",
                                    "enum": [NAME, PHONE, NIR]}},
              "required": [NAME]}
    return dict(
        model=model,
        messages=[
            {"role": "system", "content": f"Dossier de {NAME}", "name": NAME},
            {"role": "developer", "content": [{"type": "text", "text": NIR}]},
            {"role": "user", "content": NOTE, "name": "Eulalie_Vandercruysse"},
            {"role": "assistant", "content": None, "name": NAME, "refusal": NAME,
             "tool_calls": [{"id": NAME, "type": "function",
                             "function": {"name": "save_note",
                                          "arguments": json.dumps({"note": NOTE})},
                             "note": NAME}],
             "function_call": {"name": "save_note", "arguments": json.dumps({NAME: PHONE})}},
            {"role": "tool", "tool_call_id": NAME, "content": f"Enregistré pour {NAME}"},
            {"role": "function", "name": "save_note", "content": f"ok {PHONE}"},
            {"role": "user", "content": [{"type": "text", "text": NOTE}]},
        ],
        stop=[NAME, PHONE],
        tools=[{"type": "function", "function": {
            "name": "save_note", "description": f"Enregistre une note sur {NAME} ({NIR})",
            "parameters": schema, "strict": False}}],
        tool_choice={"type": "function", "function": {"name": "save_note"}},
        response_format={"type": "json_schema", "json_schema": {
            "name": "fiche", "description": f"Fiche de {NAME}", "schema": schema}},
        logit_bias={"1234": 1},
        reasoning_effort="low",
        temperature=0.5, top_p=1, presence_penalty=0, frequency_penalty=0, max_tokens=500,
        max_completion_tokens=500, n=1, seed=1, logprobs=False, parallel_tool_calls=True,
        user=NAME, metadata={"note": NAME}, safety_identifier=NAME, prompt_cache_key=NAME,
        prediction={"type": "content", "content": NAME}, store=False, verbosity="low",
        service_tier="auto", modalities=["text"],
    )


@BOTH_PATHS
def test_no_request_field_leaves_unredacted(gateway: Gateway, fake_upstream: Server,
                                            suffix: str) -> None:
    seen = len(upstream_requests(fake_upstream))
    request = every_field_request("echo" + suffix)
    reply = _client(gateway).chat.completions.create(**request)
    sent = upstream_requests(fake_upstream)[seen:]
    assert len(sent) == 1
    blob = json.dumps(sent[0], ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in blob
    body = sent[0]
    # redacted with the conversation's mapping: stop strings still match its placeholders
    assert "<PERSONNE_1>" in body["stop"] and "<PERSONNE_1>" in body["messages"][0]["content"]
    assert body["tools"][0]["function"]["parameters"]["required"] == ["<PERSONNE_1>"]
    ids = {body["messages"][3]["tool_calls"][0]["id"], body["messages"][4]["tool_call_id"]}
    assert len(ids) == 1 and ids != {NAME}  # replaced, and still paired
    for dropped in ("user", "metadata", "safety_identifier", "prompt_cache_key", "prediction",
                    "service_tier"):
        assert dropped not in body
    # re-identified on the way back
    assert NAME in (reply.choices[0].message.content or "")
