"""The typed values that flow through the request pipeline.

Every stage of :mod:`gateway.pipeline` is a function of these values; there is no shared
dictionary of metadata. None of them may ever be logged whole: ``ChatCall.messages`` and
``Redaction.mapping`` hold beneficiary data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a key may do. Staff chat; managers read dashboards; researchers export; admins
    manage policies and keys."""

    STAFF = "staff"
    ADMIN = "admin"
    MANAGER = "manager"
    RESEARCHER = "researcher"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as far as the gateway needs to know. ``key_id`` is for authorisation
    and revocation only: it never reaches usage data. ``subject`` stays the same when a key
    is rotated, so that one worker counts once among distinct users (only its rotating
    pseudonym is stored).

    Behind a shared chat front-end (:mod:`gateway.frontend`), ``user`` is the digest of the
    user the front-end vouched for, and ``team``/``role`` come from the directory: every
    per-worker figure then follows that user, never the shared key."""

    org: str
    team: str
    role: Role
    key_id: str
    subject: str = ""
    user: str = ""
    frontend: bool = False
    # Digest of the front-end's conversation id (X-OpenWebUI-Chat-Id): scopes the redaction
    # caches to that conversation. Empty for plain keys.
    conversation: str = ""

    @property
    def worker(self) -> str:
        """What distinct-user counting is keyed on (never stored as such): the asserted user
        behind a front-end key, else the key's holder."""
        return self.user or self.subject or self.key_id


@dataclass(slots=True)
class ChatCall:
    """An OpenAI chat-completions request after parsing.

    ``messages`` keeps the client's message dicts untouched (content strings or content
    arrays, tool calls…); ``params`` holds every other OpenAI parameter we pass through.
    """

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    # a chat front-end's background task named by the task header (closed set, validated)
    client_task: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A detected identifier in one text: ``text[start:end]`` carries ``label``."""

    start: int
    end: int
    label: str
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class Redaction:
    """The outcome of redacting a whole conversation.

    ``messages`` is a redacted deep copy of the request's messages. ``mapping`` goes from
    placeholder (``<PERSONNE_1>``) to the original value; it lives for the request only.
    ``counts`` is the number of redacted occurrences per label (no values). ``params`` are
    the request's other forwarded parameters, their free text redacted with the same mapping
    (see :mod:`gateway.request_fields`).
    """

    messages: list[dict[str, Any]]
    mapping: dict[str, str]
    counts: dict[str, int]
    params: dict[str, Any] = field(default_factory=dict)


class Action(StrEnum):
    """What the policy decided for a request."""

    ALLOW = "allow"
    WARN = "warn"
    # answered, with a reminder to the worker that the decision stays human
    REMIND = "remind"
    # answered as usual; the concern is recorded for the operator only
    LOG = "log"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a rule fired: its id and the words (from the redacted text) that matched."""

    rule_id: str
    matched: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's verdict on one request; cites the policy revision (sha256 of the file)."""

    id: str
    action: Action
    use: str | None
    forbidden: str | None
    evidence: tuple[Evidence, ...]
    policy_revision: str
    sensitivity: frozenset[str] = frozenset()
    message: str | None = None
    notice: str | None = None
