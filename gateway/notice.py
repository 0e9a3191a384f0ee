"""Where the policy's notice (AI-use notice, reminder that a decision stays human) goes in an
answer: one rule for the streaming and the non-streaming paths.

Every choice that ends with text gets it — ``stop`` and ``length`` (a cut answer is still
an answer) — whatever its index; a choice that ends by calling tools or that the provider
filtered gets none (its content is not text for the worker).
"""

from __future__ import annotations

NOTICE_FINISH = frozenset({"stop", "length"})


def takes_notice(finish_reason: str | None) -> bool:
    """Whether a choice that finished with ``finish_reason`` carries the notice (a
    non-streamed choice without a finish reason counts as stopped)."""
    return (finish_reason or "stop") in NOTICE_FINISH


def notice_suffix(notice: str) -> str:
    """The notice as appended to an answer's text."""
    return f"\n\n— {notice}"
