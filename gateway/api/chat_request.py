"""The chat-completions request, validated field by field before anything else sees it.

The body that leaves the gateway is rebuilt from these models, never forwarded as received:
every field of the OpenAI request is either free text (redacted later with the conversation's
mapping, see :mod:`gateway.request_fields`), a value validated here against a closed set
(enums, finite numbers, booleans, identifiers matching the OpenAI pattern), or dropped.
What the gateway cannot pseudonymise (images, files, audio) is refused with a 422.

Limits are checked on the raw JSON before any model is built: size (by the router), nesting
depth, and non-finite numbers (``NaN``/``Infinity`` are not JSON and would be forwarded as is).
Error messages name fields by their schema name, never by a key or value the client sent.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gateway.errors import InvalidRequest
from gateway.types import ChatCall

MAX_DEPTH = 64  # JSON nesting; tool schemas nest a few levels, never dozens
MAX_MESSAGES = 10_000
# The OpenAI spec's pattern for function (and response-schema) names.
FunctionName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]
# Tool-call ids are replaced by gateway ids before leaving; only their length is bounded here.
CallId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
TokenId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}$")]
Json = dict[str, Any]  # a free JSON object: every string in it (keys too) is redacted

UNSUPPORTED_PART = (
    "Les images, fichiers et sons ne sont pas acceptés : la passerelle ne peut pas en retirer "
    "les données personnelles. Envoyez du texte."
)
_STRICT = ConfigDict(extra="ignore", strict=True)


class TextPart(BaseModel):
    model_config = _STRICT
    type: Literal["text"]
    text: str


Content = str | list[TextPart]


class FunctionCallIn(BaseModel):
    model_config = _STRICT
    name: FunctionName
    arguments: str


class ToolCallIn(BaseModel):
    model_config = _STRICT
    id: CallId
    type: Literal["function"] = "function"
    function: FunctionCallIn


class SystemMessage(BaseModel):
    model_config = _STRICT
    role: Literal["system", "developer"]
    content: Content


class UserMessage(BaseModel):
    model_config = _STRICT
    role: Literal["user"]
    content: Content


class AssistantMessage(BaseModel):
    model_config = _STRICT
    role: Literal["assistant"]
    content: Content | None = None
    tool_calls: list[ToolCallIn] | None = Field(default=None, max_length=256)
    function_call: FunctionCallIn | None = None


class ToolMessage(BaseModel):
    model_config = _STRICT
    role: Literal["tool"]
    content: Content
    tool_call_id: CallId


class FunctionMessage(BaseModel):
    model_config = _STRICT
    role: Literal["function"]
    content: str | None = None
    name: FunctionName


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage,
    Field(discriminator="role"),
]


class FunctionDef(BaseModel):
    model_config = _STRICT
    name: FunctionName
    description: str | None = None
    parameters: Json | None = None
    strict: bool | None = None


class ToolDef(BaseModel):
    model_config = _STRICT
    type: Literal["function"]
    function: FunctionDef


class NamedFunction(BaseModel):
    model_config = _STRICT
    name: FunctionName


class NamedToolChoice(BaseModel):
    model_config = _STRICT
    type: Literal["function"]
    function: NamedFunction


class JsonSchemaFormat(BaseModel):
    model_config = _STRICT
    name: FunctionName
    description: str | None = None
    # ``schema`` shadows a BaseModel attribute: kept under another name, dumped by alias.
    schema_: Json | None = Field(default=None, alias="schema")
    strict: bool | None = None


class TextFormat(BaseModel):
    model_config = _STRICT
    type: Literal["text", "json_object"]


class SchemaFormat(BaseModel):
    model_config = _STRICT
    type: Literal["json_schema"]
    json_schema: JsonSchemaFormat


class StreamOptions(BaseModel):
    model_config = _STRICT
    include_usage: bool = False


class ChatBody(BaseModel):
    """Every field the gateway reads or forwards. Unknown fields are ignored (dropped)."""

    model_config = _STRICT
    model: str = Field(min_length=1, max_length=128)
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    # forwarded, validated
    temperature: Finite | None = None
    top_p: Finite | None = None
    presence_penalty: Finite | None = None
    frequency_penalty: Finite | None = None
    max_tokens: int | None = Field(default=None, ge=0)
    max_completion_tokens: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1, le=128)
    seed: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    parallel_tool_calls: bool | None = None
    logit_bias: dict[TokenId, Annotated[Finite, Field(ge=-100, le=100)]] | None = Field(
        default=None, max_length=1024)
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    response_format: Annotated[TextFormat | SchemaFormat, Field(discriminator="type")] | None = None
    tools: list[ToolDef] | None = Field(default=None, max_length=128)
    # forwarded, redacted
    stop: str | list[str] | None = Field(default=None, max_length=16)


# Every name a validation error may cite: schema names only, never a client's key.
_FIELD_NAMES = frozenset(
    name
    for model in (ChatBody, TextPart, FunctionCallIn, ToolCallIn, SystemMessage, UserMessage,
                  AssistantMessage, ToolMessage, FunctionMessage, FunctionDef, ToolDef,
                  NamedFunction, NamedToolChoice, JsonSchemaFormat, TextFormat, SchemaFormat,
                  StreamOptions)
    for name in model.model_fields
) | {"schema", "system", "developer", "user", "assistant", "tool", "function", "text",
     "json_object", "json_schema", "str", "list[TextPart]", "NamedToolChoice"}


def load_json(raw: bytes) -> Any:
    """The parsed body: 422 when it is not JSON, holds ``NaN``/``Infinity``, nests deeper
    than :data:`MAX_DEPTH` or holds a lone surrogate (``"\\ud800"``: not text, and not
    analysable) — all checked before any model is built."""

    def reject_constant(_: str) -> Any:
        raise ValueError("non-finite number")

    try:
        data = json.loads(raw, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        raise InvalidRequest(
            "Le corps de la requête n'est pas un JSON valide (les nombres NaN et Infinity "
            "ne sont pas acceptés)."
        ) from None
    problem = _tree_problem(data, MAX_DEPTH)
    if problem == "depth":
        raise InvalidRequest(f"Le corps de la requête est trop imbriqué (maximum {MAX_DEPTH} niveaux).")
    if problem == "surrogate":
        raise InvalidRequest("Le corps de la requête contient un caractère Unicode invalide.")
    return data


def _tree_problem(data: Any, limit: int) -> str | None:
    """``"depth"`` if containers nest deeper than ``limit``, ``"surrogate"`` if a string or
    key is not valid Unicode text; iterative, so no recursion to exhaust."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if not _is_text(node):
                return "surrogate"
            continue
        if isinstance(node, dict):
            if not all(_is_text(k) for k in node):
                return "surrogate"
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return "depth"
        stack.extend((child, depth + 1) for child in children)
    return None


def _is_text(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def field_list(exc: ValidationError) -> str:
    """The fields a validation error is about, by schema name (indexes kept, anything the
    client named replaced by ``*``): never a value or key from the request."""
    fields = set()
    for error in exc.errors():
        parts = []
        for part in error["loc"]:
            if isinstance(part, int):
                parts.append(str(part))
            elif isinstance(part, str) and part in _FIELD_NAMES:
                parts.append(part)
            else:
                parts.append("*")
        fields.add(".".join(parts))
    return ", ".join(sorted(fields)[:10])


def _check_parts(data: dict[str, Any]) -> None:
    """Content parts other than text get their own message (before the model's generic one)."""
    for index, message in enumerate(data.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") not in (None, "text"):
                    raise InvalidRequest(UNSUPPORTED_PART, param=f"messages.{index}.content")


def validate_body(data: Any) -> ChatCall:
    """The request as a :class:`ChatCall` whose messages and params hold only validated
    fields; tool-call ids replaced by gateway ids (consistently across the conversation)."""
    if not isinstance(data, dict):
        raise InvalidRequest("Le corps de la requête doit être un objet JSON.")
    _check_parts(data)
    try:
        body = ChatBody.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(f"Requête invalide, champs en cause : {field_list(exc)}.") from None
    _check_arguments(body.messages)
    ids = _CallIds()
    messages = [_message_out(m, ids) for m in body.messages]
    params = body.model_dump(
        exclude_none=True, by_alias=True,
        exclude={"model", "messages", "stream", "stream_options"},
    )
    return ChatCall(
        model=body.model,
        messages=messages,
        stream=body.stream,
        include_usage=bool(body.stream_options and body.stream_options.include_usage),
        params=params,
    )


_TOO_DEEP = object()


def _check_arguments(messages: list[Any]) -> None:
    """Tool-call arguments are JSON inside a string: the same depth limit applies to them
    (they are parsed to be redacted value by value)."""
    for message in messages:
        if not isinstance(message, AssistantMessage):
            continue
        calls = [c.function for c in message.tool_calls or []]
        if message.function_call is not None:
            calls.append(message.function_call)
        for function in calls:
            try:
                doc = json.loads(function.arguments)
            except ValueError:
                continue  # not JSON: redacted as plain text
            except RecursionError:
                doc = _TOO_DEEP
            if doc is _TOO_DEEP or _tree_problem(doc, MAX_DEPTH) is not None:
                raise InvalidRequest("Les arguments d'un appel d'outil sont trop imbriqués ou invalides.")


class _CallIds:
    """Client tool-call ids → gateway ids (``gf0000001``…, nine alphanumerics as some
    providers demand), in order of first appearance, so an assistant's call and the tool
    message answering it keep matching. Provider answers carry the provider's own new ids,
    so nothing needs mapping back."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def __call__(self, client_id: str) -> str:
        if client_id not in self._ids:
            self._ids[client_id] = f"gf{len(self._ids) + 1:07d}"
        return self._ids[client_id]


def _content_out(content: Content | None) -> Any:
    if isinstance(content, list):
        return [{"type": "text", "text": part.text} for part in content]
    return content


def _message_out(message: BaseModel, ids: _CallIds) -> dict[str, Any]:
    """The outgoing message: only the keys of its role, rebuilt from validated values. The
    optional participant ``name`` of other roles is dropped (it may be a person's name)."""
    out: dict[str, Any] = {"role": message.role}  # type: ignore[attr-defined]
    if isinstance(message, AssistantMessage):
        out["content"] = _content_out(message.content)
        if message.tool_calls:
            out["tool_calls"] = [
                {"id": ids(call.id), "type": "function",
                 "function": {"name": call.function.name, "arguments": call.function.arguments}}
                for call in message.tool_calls
            ]
        if message.function_call is not None:
            out["function_call"] = {"name": message.function_call.name,
                                    "arguments": message.function_call.arguments}
    elif isinstance(message, ToolMessage):
        out["content"] = _content_out(message.content)
        out["tool_call_id"] = ids(message.tool_call_id)
    elif isinstance(message, FunctionMessage):
        out["content"] = message.content
        out["name"] = message.name
    else:
        out["content"] = _content_out(message.content)  # type: ignore[attr-defined]
    return out
