"""Offline classification of a redacted request: one use category and, if any, a forbidden
decision with its band (block / remind / log / allow), with the evidence (rule ids, matched
words) that explains it.

A forbidden decision scores high only when the request *asks the model to take it*: its
topic words (from the policy file) meet, in the same clause, a generic cue of delegation
(« à ton avis », « tranche », « note de 1 à 10 ») or a question about a real case (« faut-il
placer Léo ? »). The same topic words next to a decision owned by a human (« je recommande
le placement », « la commission a refusé »), in a general question, in a how-to question or
inside pasted material (notes, e-mails) stay allowed. The score (rules, then the learned
model) is compared with the decision's ``check`` in the policy file: block, remind the
worker inside the answer, or allow.

What is judged is what the model is asked to do now (``request.py``): the last user turn
with what a bare follow-up refers to, and every instruction of the request (system and
developer messages, tool and schema descriptions). Earlier user turns are context only.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from gateway.policy.combine import allowed_use, blocked_use, topic
from gateway.policy.features import RuleView, extract, readable
from gateway.policy.floor import FloorRule, check_floor
from gateway.policy.matching import compile_hints, compile_patterns, compile_phrases
from gateway.policy.memo import memo_short_texts
from gateway.policy.model import LinearModel, load_model, predict
from gateway.policy.request import message_text, read_request
from gateway.policy.schema import Check, ForbiddenDecision, Policy
from gateway.policy.text import IMPERATIVE_START, Clause, analyse, normalise, request_clauses
from gateway.types import Evidence

_DELIVERABLE_WEIGHT = 3
# a rule finding scores at least this much (the middle band): with the default checks
# (block_at 0.5) it blocks once the learned model gives the request a block probability
# of 1/6 — chosen on eval/uses/dev2.jsonl with the held-out sets as a check
RULE_BASE = 0.4
# the highest score the model alone gives a process question (below the default block_at)
_PROCESS_CAP = 0.45
_ASIDE = re.compile(r"\([^()?]{0,100}\)")
_FIRST_CLAUSE_WEIGHT = 2


@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier found. ``forbidden`` may be a policy id or a floor id (when the
    policy gives the floor rule no entry of its own). ``ambiguous`` marks a question about a
    forbidden decision for a real case that did not clearly hand it to the model."""

    use: str | None
    forbidden: str | None
    evidence: tuple[Evidence, ...]
    ambiguous: bool = False
    floor: str | None = None
    source: str = "offline"
    # graded answer: "block" (then ``forbidden`` is set), "remind", "log" or "allow";
    # ``concern`` names the decision a remind/log band is about, ``score`` how clearly the
    # request handed it to the model (0 to 1)
    band: str = "allow"
    concern: str | None = None
    score: float = 0.0


def user_turns(messages: list[dict[str, Any]]) -> list[str]:
    return [message_text(m) for m in messages if m.get("role") == "user"]


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the rules read in the last user message (the learned part's input too)."""

    clauses: list[Clause]
    floor: tuple[FloorRule, str] | None
    found: tuple[ForbiddenDecision, tuple[Evidence, ...]] | None
    use: str | None
    use_evidence: tuple[Evidence, ...]
    ambiguous: tuple[str, tuple[str, ...]] | None

    def view(self) -> RuleView:
        forbidden = self.floor[0].id if self.floor else self.found[0].id if self.found else None
        return RuleView(forbidden, self.use, self.ambiguous[0] if self.ambiguous else None)


@memo_short_texts(maxsize=256)  # redacted turns: placeholders, never the values
def _context_clauses(turn: str) -> tuple[Clause, ...]:
    """An earlier user turn, analysed once per conversation rather than once per request
    (a 40-turn conversation would otherwise re-read 39 turns on every message)."""
    return tuple(analyse(turn))


def _read(policy: Policy, turns: list[str]) -> _Reading:
    last = turns[-1]
    every = analyse(last)
    # pasted notes, e-mails and tables are context: only the clauses that speak to the
    # model are read as the request (a real case named anywhere still counts as one)
    clauses = request_clauses(last, every)
    case = any(c.specific for c in every)
    context = [c for turn in turns[:-1] for c in _context_clauses(turn)]
    floor_hit = floor_in(clauses)
    found = None if floor_hit else _forbidden(policy, clauses, context, case)
    use, use_ev = _use(policy, last, analyse(last, keep_titles=True), blocked=False)
    if use is None and context:
        use, use_ev = _use(policy, turns[-2], analyse(turns[-2], keep_titles=True),
                           blocked=False)
    return _Reading(clauses, floor_hit, found, use, use_ev, _ambiguous(policy, clauses))


def learned_features(policy: Policy, messages: list[dict[str, Any]]) -> frozenset[str]:
    """The features the learned model sees for ``messages`` (used by ``train.py``)."""
    turns = user_turns(messages) or [""]
    reading = _read(policy, turns)
    return extract(policy, reading.clauses, reading.view())


class _RecentClassifications:
    """Classifications of the last conversations seen, by a digest of their user turns.

    Classification is a pure function of the policy, the learned model and the user turns,
    and clients resend the same turns (regenerate, retries, several choices). Keys are
    digests, so the cache holds no text; an entry only answers for the very policy and
    model objects it was computed with, so a reloaded policy never sees a stale result."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, tuple[Policy, object, Classification]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(turns: list[str]) -> bytes:
        digest = hashlib.blake2b(digest_size=20)
        for turn in turns:
            data = turn.encode("utf-8", "surrogatepass")
            # length-prefixed: no turn content can fake a boundary (["a\x00b"] vs ["a", "b"])
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.digest()

    def get(self, policy: Policy, model: object, key: bytes) -> Classification | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] is not policy or entry[1] is not model:
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def put(self, policy: Policy, model: object, key: bytes, value: Classification) -> None:
        with self._lock:
            self._entries[key] = (policy, model, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_RECENT = _RecentClassifications()


_SEVERITY = {"allow": 0, "log": 1, "remind": 2, "block": 3}


def classify(policy: Policy, messages: list[dict[str, Any]],
             params: dict[str, Any] | None = None) -> Classification:
    """Classify what ``messages`` (already redacted) ask the model to do now.

    The request (last user turn, or a bare follow-up with what it refers to) gives the use
    and a band; each instruction (system/developer message, tool or ``response_format``
    description in ``params``) is judged as a request too, and the most severe band wins.
    Order within one text: the floor (code, whatever else says), then the rules about who
    decides, then the learned model, which scores the request and picks the use. A request
    classified moments ago under the same policy is answered from a small cache."""
    view = read_request(messages, params)
    if not view.request.strip() and not view.instructions:
        return Classification(None, None, (Evidence("classifier:no_user_message"),))
    model = load_model()
    key = _RecentClassifications.key(
        [*view.context, "\x01" + view.request, *("\x02" + t for t in view.instructions)])
    cached = _RECENT.get(policy, model, key)
    if cached is not None:
        return cached
    result = _classify_turns(policy, model, [*view.context, view.request])
    for text in view.instructions:
        # an instruction counts by the rules (and the floor) only: the learned model was
        # trained on staff requests, not on system prompts or schema field names
        found = _classify_turns(policy, model, [text], model_alone=False)
        if _SEVERITY[found.band] > _SEVERITY[result.band]:
            result = Classification(
                result.use if found.band != "block" or result.use else found.use,
                found.forbidden, (Evidence("request:instruction"), *found.evidence),
                found.ambiguous, found.floor, found.source, found.band, found.concern,
                found.score)
    if view.follow_up:
        result = replace(result, evidence=(Evidence("request:follow_up"), *result.evidence))
    _RECENT.put(policy, model, key, result)
    return result


def band_of(policy: Policy, decision_id: str, score: float) -> str:
    """The band a score falls in for one decision, by the policy's ``check``."""
    entry = policy.forbidden_decision(decision_id)
    check = entry.check if entry is not None else Check()
    if score >= check.block_at:
        return check.action
    if score >= check.remind_at:
        return "log" if check.action == "log" else "remind"
    return "allow"


def _classify_turns(
    policy: Policy, model: LinearModel | None, turns: list[str], *, model_alone: bool = True
) -> Classification:
    last = turns[-1]
    reading = _read(policy, turns)
    pred = None
    if model is not None:
        pred = predict(model, extract(policy, reading.clauses, reading.view()))

    if reading.floor is not None:
        # non-removable: always a block, whatever the decision's check says
        rule, words = reading.floor
        entry = next((f for f in policy.forbidden if rule.id in f.floor), None)
        forbidden_id = entry.id if entry else rule.id
        use, use_ev = blocked_use(policy, pred, *_use_of_blocked(policy, last))
        evidence = (Evidence(f"floor:{rule.id}", (words,)), *use_ev)
        return Classification(use, forbidden_id, evidence, floor=rule.id, band="block",
                              concern=forbidden_id, score=1.0)

    decision_id: str | None = None
    evidence = ()
    score = 0.0
    if reading.found is not None:
        decision, evidence = reading.found
        decision_id, relabel = topic(policy, decision.id, pred)
        evidence = (*evidence, *relabel)
        # the rules saw the decision handed to the model: at least the middle band; the
        # model's agreement decides how sure
        score = 1.0 if pred is None else RULE_BASE + (1 - RULE_BASE) * pred.block_probability
    elif pred is not None and model_alone and _grounded(policy, reading.clauses):
        best = pred.decision
        if policy.forbidden_decision(best) is not None:
            decision_id, score = best, pred.block_probability
            if _process_only(policy, reading.clauses):
                # « son exclusion, on en parle à quelle réunion ? »: a question about the
                # process names the decision without handing it over — at most a reminder
                score = min(score, _PROCESS_CAP)
            evidence = (Evidence(f"model:forbidden:{best}",
                                 tuple(readable(f) for f in pred.top_features)),
                        Evidence("model:probabilite_blocage", (f"{score:.2f}",)))
    if decision_id is not None:
        evidence = (*evidence, Evidence("score", (f"{score:.2f}",)))
    band = band_of(policy, decision_id, score) if decision_id is not None else "allow"

    if band == "block":
        assert decision_id is not None
        use, use_ev = blocked_use(policy, pred, *_use_of_blocked(policy, last))
        return Classification(use, decision_id, (*evidence, *use_ev), band=band,
                              concern=decision_id, score=score)

    use, use_ev = allowed_use(policy, pred, reading.use, reading.use_evidence)
    concern = decision_id if band != "allow" else None
    evidence = (*use_ev, *(evidence if concern else ()))
    if reading.ambiguous is not None:
        evidence = (*evidence, Evidence(f"ambiguous:{reading.ambiguous[0]}",
                                        reading.ambiguous[1]))
        if band == "allow" and policy.classifier.warn_on_ambiguous:
            band, concern = "remind", reading.ambiguous[0]
    return Classification(use, None, evidence, ambiguous=reading.ambiguous is not None,
                          band=band, concern=concern, score=score)


def _process_only(policy: Policy, clauses: list[Clause]) -> bool:
    """Every clause naming a decision asks about the process (when, how, with whom), and
    nothing is delegated to the model."""
    topical = [c for c in clauses if _has_topic(policy, c)]
    return bool(topical) and not any(c.delegate or c.validate_human for c in clauses) and all(
        (c.process_question or c.howto) and not c.decide_modal for c in topical)


def _grounded(policy: Policy, clauses: list[Clause]) -> bool:
    """The model may score a decision only where the text gives it something to stand on:
    a real case, a question, a request handed to the model or a topic of a forbidden
    decision — and not where the request is written for a human who decides and hands
    nothing to the model. « Bonjour » or « Merci ! » is never flagged."""
    delegated = any(c.delegate or c.validate_human for c in clauses)
    human = any(c.human_owned for c in clauses)
    return (delegated or not human) and any(
        c.specific or c.question or c.delegate or c.validate_human or _has_topic(policy, c)
        for c in clauses
    )


def _use_of_blocked(policy: Policy, text: str) -> tuple[str | None, tuple[Evidence, ...]]:
    return _use(policy, text, analyse(text, keep_titles=True), blocked=True)


def floor_in(clauses: list[Clause]) -> tuple[FloorRule, str] | None:
    """The first floor rule any clause triggers, with the matched words."""
    for clause in clauses:
        hit = check_floor(clause)
        if hit is not None:
            return hit
    return None


def _asks_model(clause: Clause, case: bool) -> bool:
    """Whether a clause that names a forbidden decision hands it to the model; ``case``
    says the message is about a real case (names, pasted notes) even if this clause is
    not (« Voici mes notes… Est-ce que ça justifie une IP ? »)."""
    if clause.delegate or clause.validate_human:
        return True
    if not clause.question or clause.howto:
        return False
    if clause.human_owned:
        return False
    if clause.general and not clause.specific:
        return False
    if clause.process_question and not clause.decide_modal:
        # « on en parle quand ? », « comment l'annoncer ? »: about the process, not a verdict
        return False
    return clause.specific or case or clause.decide_modal or clause.first_person_question


def _forbidden(
    policy: Policy, clauses: list[Clause], context: list[Clause], case: bool
) -> tuple[ForbiddenDecision, tuple[Evidence, ...]] | None:
    best: tuple[int, int, ForbiddenDecision, tuple[Evidence, ...]] | None = None
    for rank, decision in enumerate(policy.forbidden):
        objects = compile_hints(decision.objects)
        requests = compile_hints(decision.requests)
        for clause in clauses:
            req = requests.find(clause.text)
            # « Pour Lina (8 ans, en famille d'accueil), … ? »: a decision named in an aside
            # describes the situation, it is not what the question is about
            obj = objects.find(_ASIDE.sub(" ", clause.text))
            score = 0
            if req and not _excused(clause):
                score = 3 + len(req)
            elif obj and _asks_model(clause, case):
                score = 1 + len(obj)
            if score and (best is None or (score, -rank) > (best[0], -best[1])):
                cues = clause.delegate or (("?",) if clause.question else ())
                ev = (Evidence(f"forbidden:{decision.id}", (*req, *obj)),
                      Evidence("cue:demande_au_modele", cues))
                best = (score, rank, decision, ev)
    if best is not None:
        return best[2], best[3]
    return _dangling_delegation(policy, clauses, context)


def _excused(clause: Clause) -> bool:
    """A request phrasing inside a general, how-to or human-owned clause is not a request."""
    if clause.delegate or clause.validate_human:
        return False
    if clause.human_owned or clause.howto:
        return True
    return clause.general and not clause.specific


def _dangling_delegation(
    policy: Policy, clauses: list[Clause], context: list[Clause]
) -> tuple[ForbiddenDecision, tuple[Evidence, ...]] | None:
    """« Tranche. », « Donne-moi ta décision. »: a delegation with no topic of its own
    reaches back to the topics of the other clauses, then of earlier turns."""
    lone = [c for c in clauses if (c.delegate or c.validate_human) and not _has_topic(policy, c)]
    if not lone:
        return None
    for pool in (clauses, context):
        for clause in pool:
            if clause.human_owned and not clause.delegate:
                continue
            for decision in policy.forbidden:
                words = (*compile_hints(decision.requests).find(clause.text),
                         *compile_hints(decision.objects).find(clause.text))
                if words:
                    return decision, (
                        Evidence(f"forbidden:{decision.id}", words),
                        Evidence("cue:demande_au_modele", lone[0].delegate or ("valider",)),
                    )
    return None


def _has_topic(policy: Policy, clause: Clause) -> bool:
    return any(
        compile_hints(d.objects).find(clause.text) or compile_hints(d.requests).find(clause.text)
        for d in policy.forbidden
    )


def _ambiguous(policy: Policy, clauses: list[Clause]) -> tuple[str, tuple[str, ...]] | None:
    """A question about a real case that names a forbidden decision without handing it over."""
    for clause in clauses:
        if not (clause.question and clause.specific) or clause.howto or clause.human_owned:
            continue
        for decision in policy.forbidden:
            words = compile_hints(decision.objects).find(clause.text)
            if words:
                return decision.id, words
    return None


def _use(
    policy: Policy, text: str, clauses: list[Clause], *, blocked: bool
) -> tuple[str | None, tuple[Evidence, ...]]:
    """The use whose deliverable the request names. For a blocked request only deliverable
    patterns count: pasted notes or context are not a use."""
    scores: dict[str, float] = {}
    words: dict[str, list[str]] = {}
    for i, clause in enumerate(clauses):
        # the instruction weighs more: the first clause, or one that opens with an order
        instruction = i == 0 or bool(IMPERATIVE_START.search(clause.text))
        weight = _FIRST_CLAUSE_WEIGHT if instruction else 1
        for use in policy.uses:
            strong = compile_patterns(use.hints).find(clause.text)
            weak = () if blocked else compile_phrases(use.hints).find(clause.text)
            gained = weight * (_DELIVERABLE_WEIGHT * len(strong) + len(weak))
            if gained:
                scores[use.id] = scores.get(use.id, 0) + gained
                words.setdefault(use.id, []).extend((*strong, *weak))
    if not scores:
        return None, ()
    order = {u.id: i for i, u in enumerate(policy.uses)}
    best = max(scores, key=lambda u: (scores[u], -order[u]))
    return best, (Evidence(f"use:{best}", tuple(dict.fromkeys(words[best]))[:8]),)


def normalised_preview(text: str) -> str:
    """The normalised form the rules see (for ``policy explain``)."""
    return normalise(text)
