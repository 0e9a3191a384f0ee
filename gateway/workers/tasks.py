"""What a worker process does: analyse texts for redaction, classify a redacted request.

Jobs carry texts and small settings in, spans or a classification out. A text longer than
one analysis window may be analysed in shares of its windows by several workers at once, then
completed by one of them (:class:`AnalyseWindows`, :class:`CompleteAnalysis`). The redactor
and the classifier's model are the parent's, inherited by the fork; a policy travels pickled
(a few tens of KB) with a digest, and each worker keeps the last few it has unpickled.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from gateway.policy.classify import Classification, classify
from gateway.policy.schema import Policy
from gateway.redaction.analyzer import Redactor
from gateway.redaction.settings import RedactionSettings
from gateway.types import Span
from gateway.workers.pool import Handler

_POLICIES_KEPT = 16


@dataclass(frozen=True, slots=True)
class AnalyseTexts:
    """Find the identifiers in each text (cache misses only: the parent asked its cache)."""

    texts: tuple[str, ...]
    settings: RedactionSettings


@dataclass(frozen=True, slots=True)
class AnalyseWindows:
    """What the recognizers find in the ``part``-th of ``parts`` shares of ``text``'s
    analysis windows (see :meth:`Redactor.analyze_windows`)."""

    text: str
    part: int
    parts: int


@dataclass(frozen=True, slots=True)
class CompleteAnalysis:
    """The spans of ``text`` from what every share of its windows found."""

    text: str
    found: tuple[Span, ...]
    settings: RedactionSettings


@dataclass(frozen=True, slots=True)
class ClassifyRequest:
    """Classify a redacted request under the policy pickled in ``policy_blob``."""

    policy_digest: bytes
    policy_blob: bytes
    messages: list[dict[str, Any]]
    params: dict[str, Any] | None


class _NoCache:
    """The worker never caches: the parent owns the analysis cache (memory or Redis)."""

    def get(self, key: str) -> list[Span] | None:
        return None

    def put(self, key: str, spans: list[Span]) -> None:
        return None


def analysis_handler(redactor: Redactor) -> Handler:
    """The function a worker runs on each job (built in the parent, before the fork)."""
    uncached = dataclasses.replace(redactor, cache=_NoCache())
    policies: OrderedDict[bytes, Policy] = OrderedDict()

    def policy_of(job: ClassifyRequest) -> Policy:
        policy = policies.get(job.policy_digest)
        if policy is None:
            policy = pickle.loads(job.policy_blob)  # noqa: S301 - from our own parent
            if not isinstance(policy, Policy):
                raise TypeError("not a policy")
            policies[job.policy_digest] = policy
            while len(policies) > _POLICIES_KEPT:
                policies.popitem(last=False)
        policies.move_to_end(job.policy_digest)
        return policy

    def handle(job: object) -> list[list[Span]] | list[Span] | Classification:
        if isinstance(job, AnalyseTexts):
            return [uncached.analyze(text, job.settings) for text in job.texts]
        if isinstance(job, AnalyseWindows):
            return uncached.analyze_windows(job.text, job.part, job.parts)
        if isinstance(job, CompleteAnalysis):
            return uncached.complete(job.text, list(job.found), job.settings)
        if isinstance(job, ClassifyRequest):
            return classify(policy_of(job), job.messages, job.params)
        raise TypeError("unknown job")

    return handle
