"""Background task prompts of chat front-ends: a title, tags, follow-up questions, search
queries, an autocompletion, a summary of the history before context compaction.

They are not staff requests: counted apart (their own use in usage data, so they do not
skew the study), still redacted, never refused, and their answers get no notice (the
front-end parses them as JSON or shows them as a title).

Two ways to know one:

- the task header (``X-Gardefou-Client-Task``): Open WebUI's per-connection custom headers
  accept a ``{{TASK}}`` placeholder, replaced by the task name (empty for a chat turn). Its
  value is client input: it is matched against a closed set of names, never stored;
- the shape of the prompt, as a fallback: Open WebUI's templates (« ### Task: » … a
  ``<chat_history>`` block) and LibreChat's title prompt.

A task is recognised only for what it *is*: the conversation it quotes was judged when it
was asked; what the task prompt itself asks, outside the quoted history, is still judged
(a forbidden question placed around a fake history is not a task's instruction).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.policy.request import message_text

TASK_HEADER = "x-gardefou-client-task"
# the use recorded for client tasks in usage data (not one of the policy's uses)
TASK_USE = "tache_client"

# Open WebUI task names (its ``{{TASK}}`` values) and ours for shapes without a header
TASKS: dict[str, str] = {
    "title_generation": "titre",
    "tags_generation": "etiquettes",
    "follow_up_generation": "suites",
    "query_generation": "requetes",
    "autocomplete_generation": "autocompletion",
    "image_prompt_generation": "prompt_image",
    "emoji_generation": "emoji",
    "moa_response_generation": "synthese_reponses",
    "function_calling": "appel_outils",
    "context_compaction": "compaction",
}
_NO_TASK = frozenset({"", "none", "null", "chat", "default", "{{task}}"})

_HISTORY = re.compile(r"<chat_history>.*?(?:</chat_history>|\Z)", re.DOTALL | re.IGNORECASE)
_TEXT = re.compile(r"<(text|type)>.*?(?:</\1>|\Z)", re.DOTALL | re.IGNORECASE)
_LIBRECHAT_CONVO = re.compile(r"(?:\|\|>User:|Conversation:|User:).*", re.DOTALL)
_OWUI_TASK = re.compile(r"^\s*#{2,4}\s*(?:\*\*)?Task:?(?:\*\*)?", re.IGNORECASE)
# (task, what its instruction says), checked in order on the text outside the history
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("context_compaction", re.compile(r"summari[sz]e the conversation history that will be "
                                      r"compacted|compacted out of the (?:active )?chat context",
                                      re.IGNORECASE)),
    ("autocomplete_generation", re.compile(r"autocompletion system|continue the text in",
                                           re.IGNORECASE)),
    ("title_generation", re.compile(r"\btitle\b", re.IGNORECASE)),
    ("tags_generation", re.compile(r"\btags?\b", re.IGNORECASE)),
    ("follow_up_generation", re.compile(r"follow[- ]?up", re.IGNORECASE)),
    ("query_generation", re.compile(r"search quer|\bqueries\b", re.IGNORECASE)),
    ("image_prompt_generation", re.compile(r"image generation", re.IGNORECASE)),
)
_LIBRECHAT_TITLE = re.compile(
    r"5-word-or-less title for the conversation|concise title \(max \d+ characters\) for a "
    r"conversation|concise title in the detected language|\|\|>Title:",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ClientTask:
    """A recognised front-end task: its name (a key of :data:`TASKS`), how it was known,
    and the task prompt's own instruction (the quoted history and text removed)."""

    name: str
    source: str  # "header" or "shape"
    instruction: str


def header_task(value: str | None) -> str | None:
    """The task a header names, if it is one we know (closed set); None otherwise."""
    if value is None:
        return None
    name = value.strip().lower()
    if name in _NO_TASK:
        return None
    return name if name in TASKS else None


def instruction_of(text: str) -> str:
    """A task prompt without the conversation it quotes (history, text to complete)."""
    text = _TEXT.sub(" ", _HISTORY.sub(" ", text))
    if _LIBRECHAT_TITLE.search(text):
        text = _LIBRECHAT_CONVO.sub(" ", text)
    return text


def shape_task(text: str) -> str | None:
    """The task a prompt's shape says it is (Open WebUI or LibreChat templates)."""
    if _LIBRECHAT_TITLE.search(text):
        return "title_generation"
    if not (_OWUI_TASK.search(text) and _HISTORY.search(text)):
        return None
    head = instruction_of(text)
    for name, pattern in _SHAPES:
        if pattern.search(head):
            return name
    return None


def task_name(messages: Sequence[Mapping[str, Any]], header: str | None = None) -> str | None:
    """The task a request is, read on the request *as sent* (before redaction, which may
    take a template's English words for names): only a name from a closed set comes out,
    never content."""
    found = recognise(messages, header)
    return found.name if found is not None else None


def recognise(messages: Sequence[Mapping[str, Any]], header: str | None = None) -> ClientTask | None:
    """The client task this request is, from the header when it names one, else from the
    shape of its last user message (Open WebUI sends the filled template as one user
    message); None for a staff request."""
    users = [m for m in messages if m.get("role") == "user"]
    last = message_text(users[-1]) if users else ""
    named = header_task(header)
    if named is not None:
        return ClientTask(named, "header", instruction_of(last))
    shaped = shape_task(last)
    if shaped is not None:
        return ClientTask(shaped, "shape", instruction_of(last))
    return None
