"""Rebuild the learned classifier's weights from the project's own labelled corpus.

    python -m gateway.policy.train [--data tests/policy/data] [--out gateway/policy/model/weights.json.gz]

Reads every ``train_*.jsonl`` and ``tuning_*.jsonl`` of ``--data`` (never the shared
``dev.jsonl``, nor ``blind.jsonl``/``heldout.jsonl``, which only measure), extracts the
features of ``features.py`` with the default policy's rules, and fits two softmax heads
(forbidden decision incl. ``none``; use incl. ``none``) by full-batch gradient descent with
L2 — deterministic: same corpus, same weights. The block threshold is chosen by 5-fold
cross-validation on the same corpus: the one with the fewest out-of-fold allow/block
errors (rules + model). The sha256 of the training files is
recorded with the weights; a test fails when the corpus changed and the weights did not.

numpy is needed here only (it comes with spaCy); the gateway reads the weights in pure
Python.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from gateway.policy.classify import learned_features
from gateway.policy.model import NONE, WEIGHTS_PATH
from gateway.policy.store import DEFAULT_POLICY_PATH, load_policy_file

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "tests" / "policy" / "data"
PATTERNS = ("train_*.jsonl", "tuning_*.jsonl")
MIN_COUNT = 2
L2 = 3e-3
STEPS = 300
LEARNING_RATE = 0.05
# the block threshold is searched in this range (never below: the model must lean to block)
THRESHOLD_MIN = 0.30
THRESHOLD_MAX = 0.90
FOLDS = 5
DECIMALS = 3


def corpus_files(data: Path) -> list[Path]:
    """The training files, in a stable order."""
    return sorted(p for pattern in PATTERNS for p in data.glob(pattern))


def corpus_sha256(files: list[Path]) -> str:
    """One hash over the names and bytes of the training files."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_rows(files: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in files:
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip())
    return rows


def _fit(x: Any, y: Any, classes: int) -> Any:
    """Softmax regression by full-batch Adam (deterministic: zero init, fixed steps)."""
    import numpy as np

    n, d = x.shape
    w = np.zeros((d, classes), dtype=np.float64)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    onehot = np.eye(classes)[y]
    for step in range(1, STEPS + 1):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ (p - onehot) / n + L2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        mhat = m / (1 - 0.9**step)
        vhat = v / (1 - 0.999**step)
        w -= LEARNING_RATE * mhat / (np.sqrt(vhat) + 1e-8)
    return w


def _matrix(feats: list[frozenset[str]], vocab: dict[str, int]) -> Any:
    import numpy as np

    x = np.zeros((len(feats), len(vocab)), dtype=np.float64)
    for i, fs in enumerate(feats):
        for f in fs:
            j = vocab.get(f)
            if j is not None:
                x[i, j] = 1.0
    return x


def train(rows: list[dict[str, Any]], feats: list[frozenset[str]],
          forbidden_classes: list[str], use_classes: list[str]) -> tuple[dict[str, int], Any, Any]:
    """Vocabulary (features seen at least ``MIN_COUNT`` times) and both heads' weights."""
    import numpy as np

    counts = Counter(f for fs in feats for f in fs)
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    x = _matrix(feats, vocab)
    yf = np.array([forbidden_classes.index(r["forbidden"] or NONE) for r in rows])
    yu = np.array([use_classes.index(r["use"] or NONE) for r in rows])
    return vocab, _fit(x, yf, len(forbidden_classes)), _fit(x, yu, len(use_classes))


def _block_prob(x: Any, wf: Any, none_index: int) -> Any:
    import numpy as np

    z = x @ wf
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return 1.0 - p[:, none_index]


def choose_threshold(rows: list[dict[str, Any]], feats: list[frozenset[str]],
                     forbidden_classes: list[str], use_classes: list[str]) -> float:
    """The threshold with the fewest out-of-fold allow/block errors, rules included (a
    missed block and a false block count the same; ties go to the higher threshold)."""
    import numpy as np

    probs = np.zeros(len(rows))
    for k in range(FOLDS):
        test = [i for i in range(len(rows)) if i % FOLDS == k]
        train_ = [i for i in range(len(rows)) if i % FOLDS != k]
        vocab, wf, _ = train([rows[i] for i in train_], [feats[i] for i in train_],
                             forbidden_classes, use_classes)
        x = _matrix([feats[i] for i in test], vocab)
        probs[test] = _block_prob(x, wf, forbidden_classes.index(NONE))
    ruled = np.array(["rule_forbidden:none" not in fs for fs in feats])
    gold = np.array([bool(r["forbidden"]) for r in rows])
    best: tuple[int, float] | None = None
    for t in np.arange(THRESHOLD_MIN, THRESHOLD_MAX + 1e-9, 0.01):
        blocked = ruled | (probs >= t)
        errors = int((blocked != gold).sum())
        if best is None or errors <= best[0]:
            best = (errors, round(float(t), 2))
    assert best is not None
    blocked = ruled | (probs >= best[1])
    print(f"threshold {best[1]:.2f}: out-of-fold block recall "
          f"{(blocked & gold).sum() / max(1, gold.sum()):.3f}, false-block "
          f"{(blocked & ~gold).sum() / max(1, (~gold).sum()):.3f} (rules + model)")
    return best[1]


def main(argv: list[str] | None = None) -> int:
    """Train and write the weights; prints the corpus size and cross-validated figures."""
    parser = argparse.ArgumentParser(prog="python -m gateway.policy.train")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)

    policy = load_policy_file(DEFAULT_POLICY_PATH).policy
    files = corpus_files(args.data)
    rows = load_rows(files)
    feats = [learned_features(policy, [{"role": "user", "content": r["text"]}]) for r in rows]
    forbidden_classes = [NONE, *(d.id for d in policy.forbidden)]
    use_classes = [*(u.id for u in policy.uses), NONE]
    print(f"corpus: {len(rows)} prompts from {len(files)} files, "
          f"{sum(bool(r['forbidden']) for r in rows)} block")
    threshold = choose_threshold(rows, feats, forbidden_classes, use_classes)
    vocab, wf, wu = train(rows, feats, forbidden_classes, use_classes)
    weights: dict[str, list[float]] = {}
    for f, i in vocab.items():
        row = [round(float(x), DECIMALS) for x in (*wf[i], *wu[i])]
        if any(row):
            weights[f] = row
    out = {
        "version": 1,
        "data_sha256": corpus_sha256(files),
        "forbidden_classes": forbidden_classes,
        "use_classes": use_classes,
        "threshold": threshold,
        "weights": dict(sorted(weights.items())),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()
    # no name, no mtime in the header: the same corpus gives byte-identical weights
    with args.out.open("wb") as raw, \
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(blob)
    print(f"{len(weights)} features, {args.out.stat().st_size} bytes -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
