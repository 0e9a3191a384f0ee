"""The learned part of the offline classifier: two linear (softmax) heads over the features
of ``features.py`` — which forbidden decision, if any, the request hands to the model, and
which use it has. Weights are trained by ``python -m gateway.policy.train`` on the
project's own labelled corpus and shipped in ``gateway/policy/model/weights.json.gz``.

Inference is pure Python (a sum of weights per class over ~100 active features), so the
gateway needs no numpy and each prediction takes well under a millisecond.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WEIGHTS_PATH = Path(__file__).parent / "model" / "weights.json.gz"
NONE = "none"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Trained weights: ``weights[feature]`` holds one weight per forbidden class, then one
    per use class. ``threshold`` is the block probability above which the model blocks."""

    forbidden_classes: tuple[str, ...]
    use_classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    threshold: float
    data_sha256: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """Probabilities of both heads, and the features that pushed the best decision."""

    forbidden: dict[str, float]
    use: dict[str, float]
    top_features: tuple[str, ...]
    use_features: dict[str, tuple[str, ...]]

    @property
    def block_probability(self) -> float:
        return 1.0 - self.forbidden.get(NONE, 0.0)

    @property
    def decision(self) -> str:
        """The most likely forbidden decision (ignoring ``none``)."""
        return max((k for k in self.forbidden if k != NONE), key=self.forbidden.__getitem__)


def model_from_dict(data: dict[str, object]) -> LinearModel:
    """Build a model from its serialised form (see ``train.py``)."""
    feats = data["weights"]
    assert isinstance(feats, dict)
    return LinearModel(
        forbidden_classes=tuple(data["forbidden_classes"]),  # type: ignore[arg-type]
        use_classes=tuple(data["use_classes"]),  # type: ignore[arg-type]
        weights={k: tuple(v) for k, v in feats.items()},
        threshold=float(data["threshold"]),  # type: ignore[arg-type]
        data_sha256=str(data["data_sha256"]),
    )


@lru_cache(maxsize=4)
def load_model(path: Path = WEIGHTS_PATH) -> LinearModel | None:
    """The shipped model, or None when no weights are installed (the rules then work
    alone). A corrupt file raises: the caller fails closed."""
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return model_from_dict(json.load(fh))


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def predict(model: LinearModel, features: frozenset[str], *, explain: int = 5) -> Prediction:
    """Both heads' probabilities for ``features``; ``top_features`` are the features that
    most raised the best forbidden decision over ``none`` (the block's explanation)."""
    nf = len(model.forbidden_classes)
    scores = [0.0] * (nf + len(model.use_classes))
    active = [(f, w) for f in features if (w := model.weights.get(f)) is not None]
    for _, w in active:
        for i, x in enumerate(w):
            scores[i] += x
    p_forbidden = dict(zip(model.forbidden_classes, _softmax(scores[:nf]), strict=True))
    p_use = dict(zip(model.use_classes, _softmax(scores[nf:]), strict=True))
    best = max((k for k in p_forbidden if k != NONE), key=p_forbidden.__getitem__)
    bi, ni = model.forbidden_classes.index(best), model.forbidden_classes.index(NONE)
    pushed = sorted(((w[bi] - w[ni], f) for f, w in active if _telling(f)), reverse=True)
    top = tuple(f for gain, f in pushed[:explain] if gain > 0)
    # the features that most support the two likeliest uses (their evidence if chosen)
    use_top: dict[str, tuple[str, ...]] = {}
    for use in sorted(p_use, key=p_use.__getitem__, reverse=True)[:2]:
        ui = nf + model.use_classes.index(use)
        ranked = sorted(((w[ui], f) for f, w in active if _telling(f)), reverse=True)
        use_top[use] = tuple(f for gain, f in ranked[:explain] if gain > 0)
    return Prediction(p_forbidden, p_use, top, use_top)


def _telling(feature: str) -> bool:
    """Whether a feature says something to a reader: not the bias, not an absence
    (« no rule fired »), not a bare function word or punctuation."""
    if feature == "bias" or feature.endswith(":none"):
        return False
    kind, _, value = feature.partition(":")
    if kind in ("w", "first"):
        return sum(c.isalpha() for c in value) >= 4
    return True
