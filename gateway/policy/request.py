"""What a chat request asks the model to do *now*, read over the whole request.

Checking only the last user message lets a forbidden question through when it sits in the
system message, in a tool or schema description, or in an earlier turn followed by a bare
« alors ? ». Re-judging the whole history, on the other hand, keeps refusing innocent turns
after one flagged message. So the request is read as three parts:

- ``request``: the last user turn; when it is a bare follow-up (« alors ? », « oui vas-y »,
  « réponds »), it carries the message it refers to (the previous user turn and whatever
  assistant or tool message came after it: the client controls those too);
- ``context``: a bounded window of earlier user turns, read only to resolve a delegation
  with no topic of its own (« tranche ») — never judged again on their own;
- ``instructions``: system and developer messages, tool and ``response_format`` schema
  descriptions — instructions to the model, each judged as a request.

Every text here is already redacted (the pipeline redacts before the policy stage), and
nothing here leaves the process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.textfold import strip_marks

# earlier user turns kept as context (bounded: a 40-turn conversation is not re-read)
CONTEXT_TURNS = 3
# instruction texts judged (system prompt, tool and schema descriptions), each bounded
MAX_INSTRUCTIONS = 8
MAX_INSTRUCTION_CHARS = 4000
# a follow-up is short; longer last turns stand on their own
_FOLLOW_UP_MAX = 60
_ACK = r"(?:ok|okay|merci|thanks|thank you|d'accord|dac|bon|c'est bon|super|parfait|top|cool)"
_ASK = (
    r"(?:alors|donc|et alors|et donc|oui|ouais|yes|yep|so|well|and|allez|vas[- ]y|vas y|go|"
    r"stp|svp|please|ben|bah|hein|eh bien|reponds?|repondez|reponse|answer|reply|tell me|"
    r"dis[- ]moi|dites[- ]moi|decide|tranche|conclus|continue|poursuis|encore|sinon|du coup|"
    r"ta reponse|ton avis|your answer|go ahead|on y va|je t'ecoute|j'attends|j'ecoute|"
    r"fais[- ]le|fais le|fais[- ]moi ca|tu peux|peux[- ]tu|juste|simplement|seulement|"
    r"oui ou non|yes or no|en un mot|in one word|franchement|honnetement|honestly|"
    r"sans detour|clairement|bref|alors tu|tu en dis quoi|t'en dis quoi|qu'en penses[- ]tu|"
    r"what do you think|donc tu|et toi|and you|ta decision|your decision|ton choix|"
    r"your call|la suite|next)"
)
# only follow-up words, at least one of which asks for something (« merci » closes)
_FOLLOW_UP = re.compile(rf"^\W*(?:(?:{_ACK}|{_ASK})\b[\W\s]*)*{_ASK}\b[\W\s]*"
                        rf"(?:(?:{_ACK}|{_ASK})\b[\W\s]*)*$")


@dataclass(frozen=True, slots=True)
class RequestView:
    """The parts of a chat request the policy judges (texts only, already redacted)."""

    request: str
    context: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    follow_up: bool = False


def message_text(message: Mapping[str, Any]) -> str:
    """The text of an OpenAI message (string content or text parts of a content array)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def is_follow_up(text: str) -> bool:
    """« alors ? », « oui, vas-y », « réponds » — a turn that asks nothing of its own."""
    plain = strip_marks(text.strip().lower(), "NFKD").replace("’", "'")
    return len(plain) <= _FOLLOW_UP_MAX and bool(_FOLLOW_UP.match(plain))


def read_request(messages: Sequence[Mapping[str, Any]],
                 params: Mapping[str, Any] | None = None) -> RequestView:
    """The request the model is asked to answer now, its bounded context, and the
    instructions of system/developer messages and tool or schema descriptions."""
    instructions = [message_text(m) for m in messages
                    if m.get("role") in ("system", "developer")]
    instructions.extend(schema_descriptions(params or {}))
    instructions = [t[:MAX_INSTRUCTION_CHARS] for t in instructions if t.strip()]
    kept = tuple(instructions[:MAX_INSTRUCTIONS])

    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if not users:
        return RequestView("", (), kept)
    last = users[-1]
    request = message_text(messages[last])
    earlier = users[:-1]
    follow_up = bool(earlier) and is_follow_up(request)
    if follow_up:
        # the previous user turn and any assistant/tool message after it: what « alors ? »
        # refers to (a planted assistant message is client text like any other)
        start = earlier[-1]
        referent = [message_text(m) for m in messages[start:last]
                    if m.get("role") in ("user", "assistant", "tool")]
        request = "\n".join([*(t for t in referent if t.strip()), request])
        earlier = earlier[:-1]
    context = tuple(message_text(messages[i]) for i in earlier[-CONTEXT_TURNS:])
    return RequestView(request, context, kept, follow_up)


def schema_descriptions(params: Mapping[str, Any]) -> list[str]:
    """Every description a client gives the model through ``tools`` / ``functions`` and
    ``response_format``: they are instructions too (« réponds dans le champ
    decision_placement : oui ou non »)."""
    found: list[str] = []
    for tool in params.get("tools") or []:
        if isinstance(tool, Mapping):
            found.extend(_descriptions(tool.get("function") or tool))
    for function in params.get("functions") or []:
        found.extend(_descriptions(function))
    response_format = params.get("response_format")
    if isinstance(response_format, Mapping):
        found.extend(_descriptions(response_format.get("json_schema") or response_format))
    return found


def _descriptions(node: Any, depth: int = 0) -> Iterator[str]:
    """``description`` / ``title`` strings of a JSON schema tree (bounded depth), and
    property names of three words or more (a field named ``faut_il_placer_leo`` is an
    instruction)."""
    if depth > 8:
        return
    if isinstance(node, Mapping):
        for key in ("description", "title"):
            value = node.get(key)
            if isinstance(value, str) and value.strip():
                yield value
        props = node.get("properties")
        if isinstance(props, Mapping):
            # « faut_il_placer_leo » reads as a question; « note » or « title » says nothing
            for key in props:
                words = str(key).replace("_", " ").replace("-", " ").split()
                if len(words) >= 3:
                    yield " ".join(words)
        for key, value in node.items():
            if key not in ("description", "title", "enum", "const", "default"):
                yield from _descriptions(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _descriptions(item, depth + 1)
