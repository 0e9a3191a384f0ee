"""Redaction of a conversation together with texts found outside its messages.

Stop strings, tool descriptions and schemas, response-format schemas… are free text too and
must be redacted with the *same* mapping as the messages: a name in a tool description must
become the placeholder the messages use, and a stop string must still match the model's
placeholder text. This module only uses :func:`redact_conversation`'s public contract: the
extra texts are appended as text-only messages after the conversation (so the numbering of
the conversation's own placeholders is unchanged: extras come last in order of appearance),
then split off again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.redaction.analyzer import Redactor
from gateway.redaction.placeholders import redact_conversation, segment_texts
from gateway.redaction.settings import RedactionSettings
from gateway.types import Redaction


def redact_with_texts(
    messages: list[dict[str, Any]],
    texts: Sequence[str],
    redactor: Redactor,
    settings: RedactionSettings,
) -> tuple[Redaction, list[str]]:
    """``messages`` and ``texts`` redacted with one conversation-wide mapping: the messages'
    :class:`Redaction` (whose mapping and counts cover the texts too) and the redacted texts,
    in order."""
    whole = redact_conversation([*messages, *_carriers(texts)], redactor, settings)
    cut = len(messages)
    redacted_texts = [str(m["content"]) for m in whole.messages[cut:]]
    return (
        Redaction(messages=whole.messages[:cut], mapping=whole.mapping, counts=whole.counts),
        redacted_texts,
    )


def texts_to_analyse(messages: list[dict[str, Any]], texts: Sequence[str]) -> list[str]:
    """Every text :func:`redact_with_texts` will analyse for these arguments, in order."""
    return segment_texts([*messages, *_carriers(texts)])


def _carriers(texts: Sequence[str]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text} for text in texts]
