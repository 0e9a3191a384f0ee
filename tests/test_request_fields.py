"""Every field of the OpenAI request has a treatment (redacted, validated, replaced or
dropped), derived from the ``openai`` SDK's own request types: a field added by the next SDK
fails here until it is given one. And the walk refuses a body with an untreated leaf."""

from __future__ import annotations

import typing

import pytest
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionContentPartTextParam,
    ChatCompletionDeveloperMessageParam,
    ChatCompletionFunctionMessageParam,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageFunctionToolCallParam,
    ChatCompletionNamedToolChoiceParam,
    ChatCompletionStreamOptionsParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionUserMessageParam,
    completion_create_params,
)
from openai.types.shared_params import FunctionDefinition, ResponseFormatJSONSchema
from openai.types.shared_params import response_format_json_schema

from gateway.api.chat_request import ChatBody, validate_body
from gateway.errors import InvalidRequest, RedactionFailed
from gateway.request_fields import FIELDS, check_every_leaf, treatment

SDK_TYPES = {
    "": (completion_create_params.CompletionCreateParamsStreaming,
         completion_create_params.CompletionCreateParamsNonStreaming),
    "messages.*": (ChatCompletionSystemMessageParam, ChatCompletionDeveloperMessageParam,
                   ChatCompletionUserMessageParam, ChatCompletionAssistantMessageParam,
                   ChatCompletionToolMessageParam, ChatCompletionFunctionMessageParam),
    "messages.*.content.*": (ChatCompletionContentPartTextParam,),
    "messages.*.tool_calls.*": (ChatCompletionMessageFunctionToolCallParam,),
    "tools.*": (ChatCompletionFunctionToolParam,),
    "tools.*.function": (FunctionDefinition,),
    "tool_choice": (ChatCompletionNamedToolChoiceParam,),
    "response_format": (ResponseFormatJSONSchema,),
    "response_format.json_schema": (response_format_json_schema.JSONSchema,),
    "stream_options": (ChatCompletionStreamOptionsParam,),
}


def _sdk_fields() -> set[str]:
    fields = set()
    for prefix, types in SDK_TYPES.items():
        for cls in types:
            for name in typing.get_type_hints(cls):
                fields.add(f"{prefix}.{name}" if prefix else name)
    return fields


def _covered(path: str) -> bool:
    """A path has a treatment itself, or every leaf below it has one (a prefix in FIELDS)."""
    return path in FIELDS or any(f.startswith(path + ".") for f in FIELDS)


def test_the_sdk_types_are_read() -> None:
    fields = _sdk_fields()
    assert {"stop", "tools", "logit_bias", "messages.*.tool_calls.*.id",
            "tools.*.function.parameters", "response_format.json_schema.schema"} <= fields
    assert len(fields) > 50


def test_every_sdk_request_field_has_a_treatment() -> None:
    missing = sorted(f for f in _sdk_fields() if not _covered(f))
    assert not missing, f"request fields without a treatment: {missing}"


def test_every_forwarded_field_has_a_treatment_and_no_dropped_one_is_parsed() -> None:
    for name in ChatBody.model_fields:
        assert _covered(name), name
        assert FIELDS.get(name) != "dropped", name
    for name, kind in FIELDS.items():
        if kind == "dropped" and "." not in name:
            assert name not in ChatBody.model_fields


def test_treatment_follows_paths() -> None:
    assert treatment(("messages", 3, "tool_calls", 0, "id")) == "replaced"
    assert treatment(("tools", 0, "function", "parameters", "properties", "x", "enum", 2)) == "json"
    assert treatment(("logit_bias", "1234")) == "validated"
    assert treatment(("stop", 1)) == "redacted"
    assert treatment(("metadata", "x")) is None


def test_an_untreated_leaf_refuses_the_request() -> None:
    check_every_leaf({"messages": [{"role": "user", "content": "x"}], "stop": ["a"]})
    with pytest.raises(RedactionFailed):
        check_every_leaf({"messages": [{"role": "user", "content": "x"}], "metadata": {"a": "b"}})
    with pytest.raises(RedactionFailed):
        check_every_leaf({"messages": [{"role": "user", "content": "x", "extra": "y"}]})


def test_unknown_fields_are_dropped_and_unknown_message_keys_too() -> None:
    call = validate_body({
        "model": "m", "user": "u", "metadata": {"a": 1}, "api_base": "http://evil",
        "messages": [{"role": "user", "content": "x", "name": "Jean", "extra": 1}],
    })
    assert call.params == {} and call.messages == [{"role": "user", "content": "x"}]


@pytest.mark.parametrize("params", [
    {"temperature": float("nan")}, {"top_p": float("inf")}, {"logit_bias": {"12a": 1}},
    {"logit_bias": {"1": 101}}, {"reasoning_effort": "maximum"}, {"n": 0},
    {"tools": [{"type": "function", "function": {"name": "a b"}}]},
    {"tools": [{"type": "custom", "custom": {"name": "a"}}]},
    {"tool_choice": {"type": "function", "function": {"name": "x" * 65}}},
    {"response_format": {"type": "json_schema", "json_schema": {"name": "é"}}},
    {"stop": ["a"] * 17}, {"temperature": "0.5"}, {"stream": "yes"},
])
def test_values_outside_their_closed_set_are_422(params: dict) -> None:
    with pytest.raises(InvalidRequest):
        validate_body({"model": "m", "messages": [{"role": "user", "content": "x"}], **params})


def test_tool_call_ids_are_replaced_consistently() -> None:
    call = validate_body({"model": "m", "messages": [
        {"role": "assistant", "tool_calls": [
            {"id": "Jean Dupont", "type": "function", "function": {"name": "f", "arguments": "{}"}},
            {"id": "call_2", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_2", "content": "b"},
        {"role": "tool", "tool_call_id": "Jean Dupont", "content": "a"},
    ]})
    ids = [c["id"] for c in call.messages[0]["tool_calls"]]
    assert ids == ["gf0000001", "gf0000002"]
    assert [m["tool_call_id"] for m in call.messages[1:]] == ["gf0000002", "gf0000001"]


@pytest.mark.parametrize("arguments", ["[" * 5000 + "]" * 5000, "[" * 70 + "]" * 70,
                                       '{"a": "\\ud800"}'])
def test_tool_arguments_too_deep_or_not_text_are_422(arguments: str) -> None:
    with pytest.raises(InvalidRequest):
        validate_body({"model": "m", "messages": [{"role": "assistant", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": arguments}}]}]})


@pytest.mark.parametrize("arguments", ["null", "{}", "not json", '{"note": "x"}'])
def test_ordinary_tool_arguments_pass(arguments: str) -> None:
    validate_body({"model": "m", "messages": [{"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": arguments}}]}]})
