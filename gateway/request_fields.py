"""What happens to every field of a chat-completions request, and the redaction of the whole
request built on it.

:data:`FIELDS` lists every path of the outgoing body (``*`` = any list index or map key)
with its treatment: ``redacted`` (free text, redacted with the conversation's mapping),
``json`` (a free JSON object: every key and string in it redacted, except JSON-Schema
vocabulary), ``validated`` (checked against a closed set or a pattern by
:mod:`gateway.api.chat_request`), ``replaced`` (tool-call ids, swapped for gateway ids) or
``dropped`` (never forwarded). :func:`redact_call` redacts all free text at once, then walks
the whole outgoing body and refuses it (fail closed) if any leaf has no treatment — so a
field added to the parsing without a treatment cannot leave unredacted.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from gateway.errors import RedactionFailed
from gateway.redaction.analyzer import Redactor
from gateway.redaction.request import redact_with_texts, texts_to_analyse
from gateway.redaction.settings import RedactionSettings
from gateway.types import Redaction

REDACTED, JSON, VALIDATED, REPLACED, DROPPED = "redacted", "json", "validated", "replaced", "dropped"

FIELDS: dict[str, str] = {
    "model": VALIDATED,  # a catalog name; the provider gets the catalog's own route
    "stream": VALIDATED,
    "stream_options": VALIDATED,
    "stream_options.include_usage": VALIDATED,
    "stream_options.include_obfuscation": DROPPED,
    "messages.*.role": VALIDATED,
    "messages.*.content": REDACTED,
    "messages.*.content.*.type": VALIDATED,
    "messages.*.content.*.text": REDACTED,
    "messages.*.tool_calls.*.id": REPLACED,
    "messages.*.tool_calls.*.type": VALIDATED,
    "messages.*.tool_calls.*.function.name": VALIDATED,
    "messages.*.tool_calls.*.function.arguments": REDACTED,
    "messages.*.tool_call_id": REPLACED,
    "messages.*.function_call.name": VALIDATED,
    "messages.*.function_call.arguments": REDACTED,
    "messages.*.name": VALIDATED,  # kept for role "function" (a function name), else dropped
    "messages.*.refusal": DROPPED,
    "messages.*.content.*.prompt_cache_breakpoint": DROPPED,
    "messages.*.audio": DROPPED,
    "temperature": VALIDATED,
    "top_p": VALIDATED,
    "presence_penalty": VALIDATED,
    "frequency_penalty": VALIDATED,
    "max_tokens": VALIDATED,
    "max_completion_tokens": VALIDATED,
    "n": VALIDATED,
    "seed": VALIDATED,
    "logprobs": VALIDATED,
    "top_logprobs": VALIDATED,
    "parallel_tool_calls": VALIDATED,
    "logit_bias.*": VALIDATED,  # keys are token ids (digits), values finite numbers
    "reasoning_effort": VALIDATED,
    "tool_choice": VALIDATED,
    "tool_choice.type": VALIDATED,
    "tool_choice.function.name": VALIDATED,
    "response_format.type": VALIDATED,
    "response_format.json_schema.name": VALIDATED,
    "response_format.json_schema.description": REDACTED,
    "response_format.json_schema.schema": JSON,
    "response_format.json_schema.strict": VALIDATED,
    "stop": REDACTED,
    "stop.*": REDACTED,
    "tools.*.type": VALIDATED,
    "tools.*.function.name": VALIDATED,
    "tools.*.function.description": REDACTED,
    "tools.*.function.parameters": JSON,
    "tools.*.function.strict": VALIDATED,
    # Never forwarded: litellm would act on some (redirecting the call), others carry free
    # text or identify the user, and none is needed to answer.
    **{name: DROPPED for name in (
        "audio", "function_call", "functions", "metadata", "modalities", "moderation",
        "prediction", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention",
        "safety_identifier", "service_tier", "store", "user", "verbosity",
        "web_search_options", "extra_headers", "extra_body", "api_base", "api_key",
        "fallbacks", "mock_response",
    )},
}

# JSON-Schema vocabulary inside free JSON: a closed set of words that carry no data, so they
# are not analysed (keeps a large schema cheap). Every other key or string is redacted.
SCHEMA_WORDS = frozenset({
    "type", "properties", "required", "items", "enum", "description", "title", "default",
    "examples", "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "additionalProperties", "anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "definitions",
    "nullable", "multipleOf", "patternProperties", "propertyNames", "minProperties",
    "maxProperties", "contains", "prefixItems", "strict", "$schema", "$id", "$comment", "if",
    "then", "else", "dependentRequired", "dependentSchemas", "unevaluatedProperties",
    "readOnly", "writeOnly", "deprecated",
    "string", "number", "integer", "boolean", "object", "array", "null",
    "date", "date-time", "time", "email", "uri", "uuid", "duration", "ipv4", "ipv6", "hostname",
})


def treatment(path: tuple[str | int, ...]) -> str | None:
    """The treatment of the leaf at ``path`` (list indexes and map keys match ``*``);
    anything below a ``json`` field is ``json``."""
    parts: list[str] = []
    for part in path:
        parts.append("*" if isinstance(part, int) else part)
        found = FIELDS.get(".".join(parts))
        if found == JSON:
            return JSON
        if found is None and len(parts) >= 2 and parts[-2] == "logit_bias":
            parts[-1] = "*"
    return FIELDS.get(".".join(parts))


def _texts(params: dict[str, Any]) -> Iterator[tuple[Callable[[str], None], str]]:
    """Each free-text string of ``params`` with a setter writing its redacted form back."""

    def walk(node: Any, path: tuple[str | int, ...], put: Callable[[Any], None]
             ) -> Iterator[tuple[Callable[[str], None], str]]:
        kind = treatment(path) if path else None
        if isinstance(node, str):
            if kind == REDACTED or (kind == JSON and node not in SCHEMA_WORDS):
                yield put, node
            return
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, (*path, i), _setter(node, i))
        elif isinstance(node, dict):
            for key in list(node):
                yield from walk(node[key], (*path, key), _setter(node, key))
                if kind == JSON and key not in SCHEMA_WORDS:
                    yield _key_renamer(node, key), key

    yield from walk(params, (), lambda _: None)


def _setter(holder: Any, key: Any) -> Callable[[Any], None]:
    def put(value: Any) -> None:
        holder[key] = value
    return put


def _key_renamer(holder: dict[str, Any], key: str) -> Callable[[str], None]:
    def put(new: str) -> None:
        if new != key:
            holder[new] = holder.pop(key)
    return put


def redact_call(
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    redactor: Redactor,
    settings: RedactionSettings,
) -> Redaction:
    """The whole outgoing request redacted with one mapping: messages (as
    :func:`redact_conversation` does) and every free text of ``params``; then every leaf of
    the result checked to have a treatment (fail closed otherwise)."""
    out_params = copy.deepcopy(params)
    slots, arg_keys, extra = _outside_texts(messages, out_params)
    redaction, texts = redact_with_texts(messages, extra, redactor, settings)
    for (put, _), text in zip(slots, texts, strict=False):
        put(text)
    # Tool-call arguments: the conversation redaction covers their values; their keys too.
    redacted_keys = iter(texts[len(slots):])
    for where, keys in arg_keys:
        _rename_keys(redaction.messages, where, [next(redacted_keys) for _ in keys])
    check_every_leaf({"messages": redaction.messages, **out_params})
    return Redaction(messages=redaction.messages, mapping=redaction.mapping,
                     counts=redaction.counts, params=out_params)


def analysis_texts(messages: list[dict[str, Any]], params: dict[str, Any]) -> list[str]:
    """Every text :func:`redact_call` analyses for this request, in order (so that their
    analyses can be computed elsewhere first: :mod:`gateway.workers`)."""
    *_, extra = _outside_texts(messages, params)
    return texts_to_analyse(messages, extra)


def _outside_texts(
    messages: list[dict[str, Any]], params: dict[str, Any]
) -> tuple[list[tuple[Callable[[str], None], str]], list[tuple[tuple[Any, ...], list[str]]],
           list[str]]:
    """The free texts outside the messages' contents: those of ``params`` (with their
    setters), the keys of tool-call arguments (with where they sit), and both as one list."""
    slots = list(_texts(params))
    arg_keys = [(where, _json_keys(raw)) for where, raw in _arguments(messages)]
    return slots, arg_keys, [t for _, t in slots] + [k for _, keys in arg_keys for k in keys]


def _arguments(messages: list[dict[str, Any]]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Where each tool-call ``arguments`` string sits in ``messages``, and its text."""
    for i, message in enumerate(messages):
        for j, call in enumerate(message.get("tool_calls") or []):
            yield (i, "tool_calls", j, "function", "arguments"), call["function"]["arguments"]
        if isinstance(message.get("function_call"), dict):
            yield (i, "function_call", "arguments"), message["function_call"]["arguments"]


def _json_keys(raw: str) -> list[str]:
    """The object keys of a JSON text, depth first in document order (none if not JSON)."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    keys: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                keys.append(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    return keys


def _rename_keys(messages: list[Any], where: tuple[Any, ...], new_keys: list[str]) -> None:
    """Replace the keys of the JSON text at ``where`` by ``new_keys`` (same walk order)."""
    if not new_keys:
        return
    holder: Any = messages
    for part in where[:-1]:
        holder = holder[part]
    new = iter(new_keys)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {next(new): walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    holder[where[-1]] = json.dumps(walk(json.loads(holder[where[-1]])), ensure_ascii=False)


def check_every_leaf(body: dict[str, Any]) -> None:
    """Raise :class:`RedactionFailed` if a leaf of ``body`` has no treatment but ``redacted``,
    ``validated`` or ``replaced`` (free JSON was redacted key by key by :func:`_texts`)."""

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        kind = treatment(path) if path else None
        if kind == JSON:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))
        elif kind not in (REDACTED, VALIDATED, REPLACED):
            where = ".".join("*" if isinstance(p, int) else p for p in path)
            raise RedactionFailed(
                "Un champ de la requête n'a pas de traitement défini : rien n'a été envoyé.",
                field=where[:120],
            )

    walk(body, ())
