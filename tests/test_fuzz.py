"""A bounded property-based fuzz of the HTTP surface, in process (the real app, its real
services and the built-in ``demo`` model; no network): ``/v1/chat/completions``, the admin,
dashboard and research-export routes. Whatever is sent, the answer is never a 500, always
JSON in the OpenAI error shape when it is an error, and never quotes the canary it carries.

Fixed seed (``derandomize``) and a few hundred examples in total, so the suite stays fast
and reproducible. ``FIGURES`` collects the statuses (printed with ``pytest -s``).
"""

from __future__ import annotations

import json
import string
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import build_services, create_app
from gateway.auth import FileKeyStore, mint_key
from gateway.settings import Settings
from gateway.types import Role

CANARY = "Eulalie Vandercruysse"
FIGURES: Counter[str] = Counter()
FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, base_redactor: Any
        ) -> Iterator[tuple[TestClient, dict[str, list[str]]]]:
    state = tmp_path_factory.mktemp("fuzz")
    store = FileKeyStore(state / "keys.json")
    keys: dict[str, list[str]] = {}
    # several staff keys, so the per-key quota (20 a minute) leaves room for whole requests
    for role, count in ((Role.STAFF, 12), (Role.ADMIN, 1), (Role.MANAGER, 1), (Role.RESEARCHER, 1)):
        for _ in range(count):
            key, record = mint_key("org-fuzz", "equipe", role)
            store.put(record)
            keys.setdefault(role.value, []).append(key)
    settings_ = Settings(state_dir=state, redis_url=None, models_file=None, worker_salt=None)
    services = build_services(settings_, redactor=base_redactor)
    with TestClient(create_app(settings_, services), raise_server_exceptions=False) as client:
        yield client, keys
    print(f"\nfuzz figures: {sum(FIGURES.values())} requests, statuses {dict(sorted(FIGURES.items()))}")


def _check(response: Any) -> None:
    route = response.request.url.path.split("/")[1] if response.request.url.path.count("/") > 1 else ""
    FIGURES[f"{route} {response.status_code}"] += 1
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        error = response.json()["error"]
        assert {"message", "type", "code"} <= set(error)
        assert CANARY not in response.text


_text = st.one_of(st.text(max_size=30), st.just(CANARY), st.sampled_from(
    ["", "user", "assistant", "tool", "function", "system", "developer", "text", "function",
     "demo", "auto", "none", "required", "json_schema", "0", "NaN", "save_note"]))
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                     st.floats(allow_nan=False, allow_infinity=False), _text)
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)), max_leaves=12)


def _message() -> st.SearchStrategy[Any]:
    role = st.one_of(st.sampled_from(["user", "system", "developer", "assistant", "tool",
                                      "function"]), _text)
    content = st.one_of(_text, st.none(), _json, st.lists(st.fixed_dictionaries(
        {"type": st.one_of(st.just("text"), _text), "text": st.one_of(_text, _json)}), max_size=3))
    tool_call = st.one_of(_json, st.fixed_dictionaries({
        "id": st.one_of(_text, _json), "type": st.one_of(st.just("function"), _json),
        "function": st.one_of(_json, st.fixed_dictionaries({
            "name": st.one_of(st.just("save_note"), _text, _json),
            "arguments": st.one_of(st.just('{"note": "x"}'), _text, _json)}))}))
    return st.one_of(_json, st.fixed_dictionaries(
        {"role": role, "content": content},
        optional={"tool_calls": st.one_of(_json, st.lists(tool_call, max_size=3)),
                  "tool_call_id": st.one_of(_text, _json), "name": st.one_of(_text, _json),
                  "function_call": st.one_of(_json, _text)}))


_PARAMS = {
    name: st.one_of(_json, valid)
    for name, valid in {
        "temperature": st.floats(0, 2), "top_p": st.floats(0, 1), "max_tokens": st.integers(0, 50),
        "n": st.integers(1, 2), "seed": st.integers(), "stop": st.lists(_text, max_size=4),
        "logit_bias": st.dictionaries(st.integers(0, 10**6).map(str), st.integers(-100, 100), max_size=3),
        "tools": st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
            {"name": st.sampled_from(["save_note", "f"]), "description": _text, "parameters": _json})}), max_size=2),
        "tool_choice": st.sampled_from(["auto", "none", "required"]),
        "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
        "reasoning_effort": st.sampled_from(["low", "high"]), "stream": st.booleans(),
        "stream_options": st.fixed_dictionaries({"include_usage": st.booleans()}),
        "user": _text, "metadata": _json,
    }.items()
}
_VALID_PARAMS = {
    "temperature": st.floats(0, 2), "max_tokens": st.integers(1, 50), "seed": st.integers(0, 9),
    "stop": st.lists(st.text(min_size=1, max_size=8), max_size=2),
    "tools": st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
        {"name": st.just("save_note"), "description": _text,
         "parameters": st.dictionaries(_text, _json, max_size=3)})}), max_size=1),
    "reasoning_effort": st.sampled_from(["low", "high"]), "stream": st.booleans(),
}
_valid_message = st.fixed_dictionaries({
    "role": st.sampled_from(["user", "system", "assistant"]),
    "content": st.one_of(_text, st.just(f"Note sur Mme {CANARY}, tél. 06 48 27 19 53."))})
_valid_body = st.fixed_dictionaries(
    {"model": st.just("demo"), "messages": st.lists(_valid_message, min_size=1, max_size=3)},
    optional=_VALID_PARAMS)
_any_body = st.fixed_dictionaries(
    {"model": st.one_of(st.just("demo"), _text, _json),
     "messages": st.one_of(st.lists(_message(), min_size=1, max_size=4), _json)},
    optional=_PARAMS)
_body = st.one_of(_any_body, _valid_body)


@settings(FUZZ, max_examples=150)
@given(body=_body, key_index=st.integers(0, 11))
def test_chat_completions_never_500(app, body: dict, key_index: int) -> None:
    client, keys = app
    response = client.post("/v1/chat/completions", json=body,
                           headers={"Authorization": f"Bearer {keys['staff'][key_index]}"})
    _check(response)


@settings(FUZZ, max_examples=60)
@given(raw=st.one_of(
    st.binary(max_size=200),
    st.integers(1, 5000).map(lambda n: b'{"model": "demo", "messages": ' + b"[" * n + b"]" * n + b"}"),
    st.text(alphabet=string.printable, max_size=200).map(str.encode),
    st.builds(lambda k, v: json.dumps({"model": "demo", "messages": [{"role": "user", "content": "x"}],
                                       k: v}).encode(), _text, _json),
    st.sampled_from([b'{"model":"demo","messages":[{"role":"user","content":"x"}],"temperature":NaN}',
                     b'{"model":"demo","messages":[{"role":"user","content":"x"}],"top_p":Infinity}',
                     b'{"model":"demo","messages":[{"role":"user","content":"\\ud800"}]}']),
))
def test_raw_bodies_never_500(app, raw: bytes) -> None:
    client, keys = app
    response = client.post("/v1/chat/completions", content=raw,
                           headers={"Authorization": f"Bearer {keys['staff'][0]}",
                                    "Content-Type": "application/json"})
    _check(response)


_month = st.one_of(st.sampled_from(["2025-01", "2025-12", "2025-13", "0000-00", "9999-99"]), _text)


@settings(FUZZ, max_examples=60)
@given(org=st.one_of(st.just("org-fuzz"), _text),
       body=st.one_of(_json, st.fixed_dictionaries(
           {"prompt": st.one_of(_text, _json)},
           optional={"role": st.one_of(st.sampled_from(["staff", "admin"]), _json),
                     "model": st.one_of(st.just("demo"), _text, _json)})))
def test_admin_routes_never_500(app, org: str, body: Any) -> None:
    client, keys = app
    headers = {"Authorization": f"Bearer {keys['admin'][0]}"}
    _check(client.post(f"/admin/policies/{quote(org, safe='')}/explain", json=body,
                       headers=headers))
    _check(client.get("/admin/policies", headers=headers))


@settings(FUZZ, max_examples=40)
@given(chart=_text, start=_month, end=_month,
       team=st.one_of(st.none(), _text), role=st.sampled_from(["manager", "staff"]))
def test_dashboard_routes_never_500(app, chart: str, start: str, end: str, team: str | None,
                                    role: str) -> None:
    client, keys = app
    headers = {"Authorization": f"Bearer {keys[role][0]}"}
    params = {"from": start, "to": end, **({"team": team} if team is not None else {})}
    _check(client.get("/dashboard/api/data.json", params=params, headers=headers))
    _check(client.get(f"/dashboard/api/charts/{quote(chart, safe='')}.json", params=params,
                      headers=headers))


@settings(FUZZ, max_examples=40)
@given(start=_month, end=_month, fmt=st.one_of(st.sampled_from(["csv", "jsonl"]), _text),
       epsilon=st.one_of(st.none(), st.sampled_from(["0.5", "nan", "inf", "-1", "1e400"]), _text))
def test_export_route_never_500(app, start: str, end: str, fmt: str, epsilon: str | None) -> None:
    client, keys = app
    params = {"from": start, "to": end, "format": fmt, **({"epsilon": epsilon} if epsilon else {})}
    _check(client.get("/v1/usage/export", params=params,
                      headers={"Authorization": f"Bearer {keys['researcher'][0]}"}))
