"""Features of a request for the learned part of the classifier.

Two kinds, both read on the normalised request (no accents, lower case, placeholders and
names as ``<p>``, long quotes as ``"cite"``):

- wording: word unigrams, bigrams and 5-letter prefixes (a cheap stemmer that also absorbs
  conjugations, plurals and many typos);
- the rule cues of ``text.py`` and the policy's topic words, so the learned weights sit on
  top of the rules instead of replacing them: *who is asked to decide* is still read by the
  cues (delegation, question about a real case, decision owned by a human, general or
  training question), and the model learns how much each counts next to which wording.

Pure Python (no numpy at inference time), deterministic, ~0.3 ms per prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.policy.matching import compile_hints
from gateway.policy.memo import memo_short_texts
from gateway.policy.schema import Hints, Policy
from gateway.policy.text import Clause

_TOKEN = re.compile(r"<p>|\"cite\"|[a-z0-9]+(?:'|-(?=[a-z]))?|\?")
_PERSON = re.compile(r"<[a-z_]+_\d+>|<name>")
_DIGITS = re.compile(r"\d+")
# words too frequent to carry meaning on their own (they still appear inside bigrams)
_STOP = frozenset(
    ["le", "la", "les", "l'", "un", "une", "des", "de", "d'", "du", "et", "a", "au", "aux", "en", "ce", "cet", "cette", "ces", "pour", "par", "sur", "dans", "avec", "que", "qu'", "qui", "se", "s'", "sa", "son", "ses", "il", "elle", "ils", "elles", "on"]
)
_CUES = ("question", "delegate", "decide_modal", "general", "human_owned",
         "validate_human", "howto", "specific", "process_question", "first_person_question")


@dataclass(frozen=True, slots=True)
class RuleView:
    """What the rules concluded, fed to the model as features."""

    forbidden: str | None
    use: str | None
    ambiguous: str | None


def tokens(text: str) -> list[str]:
    """Tokens of a normalised request, people collapsed to ``<p>`` and numbers to ``0``."""
    text = _DIGITS.sub("0", _PERSON.sub("<p>", text))
    return _TOKEN.findall(text)


def wording_features(clauses: list[Clause]) -> list[str]:
    """Word unigrams, bigrams and prefixes, clause by clause (bigrams never cross clauses)."""
    feats: list[str] = []
    for clause in clauses:
        toks = tokens(clause.text)
        for i, tok in enumerate(toks):
            if tok not in _STOP:
                feats.append("w:" + tok)
                if len(tok) > 5 and tok[0].isalpha():
                    feats.append("p:" + tok[:5])
            if i:
                feats.append(f"b:{toks[i - 1]} {tok}")
        if toks:
            feats.append("first:" + toks[0])
    return feats


def cue_features(policy: Policy, clauses: list[Clause]) -> list[str]:
    """Rule cues per clause, alone and crossed with the decision topics the clause names."""
    feats: list[str] = []
    for clause in clauses:
        on = [name for name in _CUES if getattr(clause, name)]
        feats.extend("cue:" + name for name in on)
        for decision in policy.forbidden:
            if not _names_topic(decision.objects, decision.requests, clause.text):
                continue
            feats.append("topic:" + decision.id)
            feats.extend(f"topic:{decision.id}&{name}" for name in on)
            feats.extend(f"topic&{name}" for name in on)
    return feats


@memo_short_texts(maxsize=8192, max_chars=2000)
def _names_topic(objects: Hints, requests: Hints, text: str) -> bool:
    # the rules matched the same clause a moment ago; the cache spares a second pass
    return bool(compile_hints(objects).find(text) or compile_hints(requests).find(text))


def rule_features(view: RuleView) -> list[str]:
    """The rules' own conclusions."""
    return [
        f"rule_forbidden:{view.forbidden or 'none'}",
        f"rule_use:{view.use or 'none'}",
        f"rule_ambiguous:{view.ambiguous or 'none'}",
    ]


def extract(policy: Policy, clauses: list[Clause], view: RuleView) -> frozenset[str]:
    """All features of one request, as a set (the model reads presence, not counts)."""
    return frozenset(("bias", *wording_features(clauses), *cue_features(policy, clauses),
                      *rule_features(view)))


def readable(feature: str) -> str:
    """A feature as shown in evidence: the words for wording features, the name otherwise."""
    kind, _, value = feature.partition(":")
    return value + "…" if kind == "p" else value if kind in ("w", "b", "first") else feature
