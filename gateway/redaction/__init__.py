"""Beneficiary-data redaction: detection (Presidio + spaCy French + French recognizers),
conversation-stable placeholders, and re-identification of answers (also streamed).

See ``docs/redaction.md``.
"""

from __future__ import annotations

from gateway.redaction.analyzer import Redactor, build_redactor
from gateway.redaction.cache import AnalysisCache, memory_cache, redis_cache
from gateway.redaction.placeholders import redact_conversation
from gateway.redaction.reidentify import StreamReidentifier, reidentify_message, reidentify_text
from gateway.redaction.settings import ALL_LABELS, PLACEHOLDER_STEMS, RedactionSettings

__all__ = [
    "ALL_LABELS",
    "PLACEHOLDER_STEMS",
    "AnalysisCache",
    "RedactionSettings",
    "Redactor",
    "StreamReidentifier",
    "build_redactor",
    "memory_cache",
    "redact_conversation",
    "redis_cache",
    "reidentify_message",
    "reidentify_text",
]
