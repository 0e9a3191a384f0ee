"""How the learned model's prediction combines with what the rules read.

The floor comes first and the model is not consulted there; with the rules the model makes
the score of the graded answer (``classify.py``), names the topic of a rule finding, and
picks the use. Every choice it makes carries its evidence.
"""

from __future__ import annotations

from gateway.policy.features import readable
from gateway.policy.model import NONE, Prediction
from gateway.policy.schema import Policy
from gateway.types import Evidence

Labelled = tuple[str | None, tuple[Evidence, ...]]

# cross-source validation on our corpus: the model names the topic of a rule block right
# 95 % of the time, the rules 86 %: it relabels whenever it finds another topic likelier
_RELABEL_RATIO = 1.0


def topic(
    policy: Policy, rule_id: str, pred: Prediction | None
) -> tuple[str, tuple[Evidence, ...]]:
    """Which decision a rule block is about. The rules say *that* the model is asked to
    decide; when several topics are named they keep the strongest match, the model reads
    the whole wording better."""
    if pred is None or rule_id not in pred.forbidden:
        return rule_id, ()  # a decision of the organisation's own, unknown to the model
    best = pred.decision
    if (best == rule_id or policy.forbidden_decision(best) is None
            or pred.forbidden[best] < _RELABEL_RATIO * pred.forbidden.get(rule_id, 0.0)):
        return rule_id, ()
    return best, (Evidence(f"model:forbidden:{best}",
                           tuple(readable(f) for f in pred.top_features)),)


def blocked_use(policy: Policy, pred: Prediction | None, rule_use: str | None,
                rule_evidence: tuple[Evidence, ...]) -> Labelled:
    """The use of a blocked request: its legitimate part, or none when only the decision
    was asked."""
    if pred is None:
        return rule_use, rule_evidence
    known = {u.id for u in policy.uses}
    best = max((u for u in pred.use if u == NONE or u in known), key=pred.use.__getitem__)
    if best == NONE:
        return None, ()
    return best, rule_evidence if best == rule_use else _model_use(best, pred)


def allowed_use(policy: Policy, pred: Prediction | None, rule_use: str | None,
                rule_evidence: tuple[Evidence, ...]) -> tuple[str, tuple[Evidence, ...]]:
    """The use of an allowed request: the model's among the policy's uses it knows, else
    the rules', else the policy's fallback."""
    known = {u.id for u in policy.uses}
    if pred is not None:
        scored = [u for u in pred.use if u in known]
        if scored:
            best = max(scored, key=pred.use.__getitem__)
            return best, rule_evidence if best == rule_use else _model_use(best, pred)
    if rule_use is not None:
        return rule_use, rule_evidence
    return (policy.classifier.fallback_use or policy.uses[0].id,
            (Evidence("classifier:fallback_use"),))


def _model_use(use: str, pred: Prediction) -> tuple[Evidence, ...]:
    words = tuple(readable(f) for f in pred.use_features.get(use, ()))
    return (Evidence(f"model:use:{use}", words or ("model",)),)
