"""The gateway process's side of the analysis pool: redaction and classification with their
CPU-bound part computed in worker processes (:mod:`gateway.workers.pool`).

Redaction: the parent lists the texts the request's redaction will analyse, answers what it
can from the analysis cache (memory or Redis, kept here), sends only the misses to the
workers (split across them when there are several; on an idle pool, a text longer than one
analysis window is itself split into shares of its windows, one per idle worker), stores
the spans they return, then runs the redaction itself (propagation of names, placeholders,
the mapping) on those spans — exactly what the in-process path computes, from the same
analyses.

Classification: the redacted request and the policy go to a worker; the parent keeps the
results of the last requests by digest (no text), so a request sent again (regenerate,
retries, a note repeated) is answered without a round trip.

A full queue raises :class:`AnalysisBusy` (503 with ``Retry-After``); a worker that dies or
overruns fails the request closed (503, nothing sent) and is replaced.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import pickle
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import AnalysisBusy, PolicyUnavailable, RedactionFailed
from gateway.policy.classify import Classification
from gateway.policy.model import load_model
from gateway.policy.schema import Policy
from gateway.redaction.analyzer import OVERLAP, WINDOW, Redactor
from gateway.redaction.cache import AnalysisCache, MemoryCache
from gateway.redaction.settings import RedactionSettings
from gateway.request_fields import analysis_texts, redact_call
from gateway.types import Redaction, Span
from gateway.workers.pool import JobFailed, PoolBusy, ProcessPool, WorkerLost
from gateway.workers.tasks import (
    AnalyseTexts,
    AnalyseWindows,
    ClassifyRequest,
    CompleteAnalysis,
    analysis_handler,
)

RETRY_AFTER_S = 1
# Up to this many characters of analysed text (and parts), the redaction is finished on the
# event loop (~0.3 ms for a 1,500-character note); above, in a thread, so that a long
# document, or a body of many repeated messages, does not hold up the other requests' streams.
INLINE_FINISH_CHARS = 4_000
INLINE_FINISH_PARTS = 64  # messages, and texts in them and in the parameters
_RECENT_CLASSIFICATIONS = 2048
_POLICY_BLOBS = 32


@dataclass
class Analysis:
    """Redaction and classification through a started :class:`ProcessPool`."""

    pool: ProcessPool
    redactor: Redactor
    _blobs: OrderedDict[int, tuple[Policy, bytes, bytes]] = field(default_factory=OrderedDict)
    _recent: OrderedDict[bytes, Classification] = field(default_factory=OrderedDict)

    async def redact(self, messages: list[dict[str, Any]], params: dict[str, Any],
                     settings: RedactionSettings) -> Redaction:
        """What :func:`gateway.request_fields.redact_call` returns, its analyses computed
        in the workers. Raises ``AnalysisBusy`` or ``RedactionFailed``."""
        every = analysis_texts(messages, params)
        texts = [t for t in dict.fromkeys(every) if t.strip()]
        keys = {text: self.redactor.key(text, settings) for text in texts}
        cache = self.redactor.cache
        if isinstance(cache, MemoryCache):
            known = _lookup(cache, keys)
        else:  # Redis: a network round trip, off the event loop
            known = await asyncio.to_thread(_lookup, cache, keys)
        missing = [text for text in texts if keys[text] not in known]
        fresh = {keys[text]: spans
                 for text, spans in (await self._analyse(missing, settings)).items()}
        if (isinstance(cache, MemoryCache) and len(messages) <= INLINE_FINISH_PARTS
                and len(every) <= INLINE_FINISH_PARTS
                and sum(map(len, every)) <= INLINE_FINISH_CHARS):
            # placeholders for a short request take a fraction of a millisecond: less than
            # a thread hand-off, which on a busy server cost more than the work. Counted
            # over every text and message, repeats included: the placeholders are set in
            # each of them.
            return self._finish(messages, params, settings, known, fresh)
        return await asyncio.to_thread(self._finish, messages, params, settings, known, fresh)

    async def _analyse(self, texts: list[str],
                       settings: RedactionSettings) -> dict[str, list[Span]]:
        """The spans of each text, computed by the workers at once: texts in groups of
        similar length, and a long one (several analysis windows), when workers are idle, in
        shares of its windows that they analyse side by side, then completed by one of them
        (:meth:`_shares`). Same spans as :meth:`Redactor.analyze` either way."""
        if not texts:  # every text answered by the cache
            return {}
        shares = self._shares(texts)
        groups = [g for g in _balanced([t for t in texts if t not in shares], self.pool.workers)
                  if g]
        jobs: list[AnalyseTexts | AnalyseWindows] = [AnalyseTexts(tuple(g), settings)
                                                     for g in groups]
        jobs += [AnalyseWindows(text, part, parts)
                 for text, parts in shares.items() for part in range(parts)]
        results = iter(await asyncio.gather(*(self._run(job, RedactionFailed) for job in jobs)))
        spans: dict[str, list[Span]] = {}
        for group in groups:
            spans.update(zip(group, next(results), strict=True))
        completions: list[CompleteAnalysis] = []
        for text, parts in shares.items():  # the shares' findings in window order
            found = [span for _ in range(parts) for span in next(results)]
            completions.append(CompleteAnalysis(text, tuple(found), settings))
        for job, done in zip(completions, await asyncio.gather(
                *(self._run(job, RedactionFailed) for job in completions)), strict=True):
            spans[job.text] = done
        return spans

    def _shares(self, texts: list[str]) -> dict[str, int]:
        """In how many shares to analyse each long text: as many as the idle workers left
        by the request's other texts (and its windows) allow, so that one long document
        does not keep the other cores idle. On a busy pool a long text stays one job: its
        shares would only queue behind other requests' jobs, and its completion after them
        again."""
        long = sorted((t for t in texts if len(t) > WINDOW), key=len, reverse=True)
        others = len(texts) - len(long)
        spare = 0 if self.pool.waiting else self.pool.idle - min(others, self.pool.workers)
        shares: dict[str, int] = {}
        for text in long:
            # no more shares than the text has windows, by the windows' stride on its length
            # (an empty share would normalise the whole text for nothing)
            parts = min(spare, -(-(len(text) - OVERLAP) // (WINDOW - OVERLAP)))
            if parts < 2:
                break
            shares[text] = parts
            spare -= parts
        return shares

    def _finish(self, messages: list[dict[str, Any]], params: dict[str, Any],
                settings: RedactionSettings, known: dict[str, list[Span]],
                fresh: dict[str, list[Span]]) -> Redaction:
        for key, spans in fresh.items():
            self.redactor.cache.put(key, spans)
        answered = dataclasses.replace(
            self.redactor, cache=_Answered({**known, **fresh}, self.redactor.cache))
        return redact_call(messages, params, answered, settings)

    async def classify(self, policy: Policy, messages: list[dict[str, Any]],
                       params: dict[str, Any] | None = None) -> Classification:
        """:func:`gateway.policy.classify` computed in a worker. Raises ``AnalysisBusy`` or
        ``PolicyUnavailable``."""
        policy_blob, policy_digest = self._policy_blob(policy)
        digest = hashlib.blake2b(digest_size=20)
        digest.update(policy_digest)
        digest.update(pickle.dumps((messages, params), protocol=pickle.HIGHEST_PROTOCOL))
        key = digest.digest()
        cached = self._recent.get(key)
        if cached is not None:
            self._recent.move_to_end(key)
            return cached
        result = await self._run(
            ClassifyRequest(policy_digest, policy_blob, messages, params), PolicyUnavailable)
        if not isinstance(result, Classification):
            raise PolicyUnavailable("La classification a échoué : la requête n'a pas été envoyée.")
        self._recent[key] = result
        while len(self._recent) > _RECENT_CLASSIFICATIONS:
            self._recent.popitem(last=False)
        return result

    async def close(self) -> None:
        """Stop the workers."""
        await self.pool.close()

    async def _run(self, job: AnalyseTexts | AnalyseWindows | CompleteAnalysis | ClassifyRequest,
                   failure: type[RedactionFailed] | type[PolicyUnavailable]) -> Any:
        try:
            return await self.pool.run(job)
        except PoolBusy:
            raise AnalysisBusy(
                "La passerelle est surchargée : la requête n'a pas été analysée ni envoyée. "
                "Réessayez dans un instant.", retry_after=RETRY_AFTER_S) from None
        except (WorkerLost, JobFailed) as exc:
            error_class = exc.error_class if isinstance(exc, JobFailed) else "WorkerLost"
            what = ("La pseudonymisation" if failure is RedactionFailed
                    else "L'évaluation de la politique d'usage")
            raise failure(f"{what} a échoué : la requête n'a pas été envoyée au modèle.",
                          error_class=error_class) from None

    def _policy_blob(self, policy: Policy) -> tuple[bytes, bytes]:
        entry = self._blobs.get(id(policy))
        if entry is None or entry[0] is not policy:
            blob = pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL)
            entry = (policy, blob, hashlib.blake2b(blob, digest_size=20).digest())
            self._blobs[id(policy)] = entry
            while len(self._blobs) > _POLICY_BLOBS:
                self._blobs.popitem(last=False)
        self._blobs.move_to_end(id(policy))
        return entry[1], entry[2]


class _Answered:
    """The analyses already in hand for this request, then the real cache."""

    def __init__(self, known: dict[str, list[Span]], cache: AnalysisCache) -> None:
        self._known = known
        self._cache = cache

    def get(self, key: str) -> list[Span] | None:
        found = self._known.get(key)
        return list(found) if found is not None else self._cache.get(key)

    def put(self, key: str, spans: list[Span]) -> None:
        self._cache.put(key, spans)


def _lookup(cache: AnalysisCache, keys: dict[str, str]) -> dict[str, list[Span]]:
    found: dict[str, list[Span]] = {}
    for key in keys.values():
        spans = cache.get(key)
        if spans is not None:
            found[key] = spans
    return found


def _balanced(texts: list[str], parts: int) -> list[list[str]]:
    """``texts`` in at most ``parts`` groups of similar total length (longest first)."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(parts, len(texts))))]
    sizes = [0] * len(groups)
    for text in sorted(texts, key=len, reverse=True):
        i = sizes.index(min(sizes))
        groups[i].append(text)
        sizes[i] += len(text)
    return groups


def start_analysis(redactor: Redactor, workers: int, queue: int,
                   timeout_s: float = 30.0) -> Analysis:
    """Fork ``workers`` analysis processes sharing ``redactor`` and the classifier's model
    (call from the event loop, once everything is loaded)."""
    load_model()  # loaded before the fork: shared, not loaded again in every worker
    pool = ProcessPool(analysis_handler(redactor), workers=workers, queue=queue,
                       timeout_s=timeout_s)
    pool.start()
    return Analysis(pool, redactor)
