"""The learned NER's greedy decoding, outside the token loop wherever no entity is open.

spaCy's transition-based NER reads one token per step: it checks the validity of each of its
46 moves through the parser state, takes the GIL back and calls BLIS's generic matrix
product for one row. On a 1,500-character note that loop was ~70 % of the learned NER's time
(a native profile, ``bench/README.md``), for a decision that, outside an entity, depends on
the token alone: the model's three state features are the next token, the entity's first
token and the token before, the last two padding when no entity is open. So this decoder
scores every token as if no entity were open in one matrix product, jumps to the next token
whose best valid move opens an entity, and steps token by token only inside entities (a few
tokens per note).

It computes what spaCy's ``Parser.greedy_parse`` computes on a fresh copy of the tokens
(no preset entities) — same layers, same features, same validity rules, the first best
valid move — so the entities are the same; the last bits of a score may differ, as the
products run through numpy rather than BLIS (``tests/redaction/test_ner_decode.py`` compares
both on the held-out corpora and on models with random weights). :func:`greedy_ner` refuses a
model of another shape, at start-up rather than on a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from spacy.attrs import IS_SPACE, SENT_START

from gateway.redaction.ner_vectors import (
    TokenVectors,
    best_piece,
    read_token_vectors,
    token_vectors,
)

Floats = NDArray[np.float32]
Ints = NDArray[np.intp]

# State features of spaCy's NER (``StateC.set_context_tokens`` with three features): the
# next token, the open entity's first token, the token before the next (these two padding
# when no entity is open).
_NER_FEATURES = 3


@dataclass(frozen=True)
class GreedyNer:
    """The weights and move table of a loaded spaCy NER component, read once: build it after
    the weights are loaded (the biases and the upper layer are read here, the other layers
    are called)."""

    tok2vec: TokenVectors  # the component's token-to-vector weights (to its projection)
    lower: Any  # spaCy's precomputable affine layer: per token and feature, before the bias
    lower_bias: Floats  # (hidden, pieces)
    upper_weights: Floats  # (moves, hidden)
    upper_bias: Floats  # (moves,)
    unseen: NDArray[np.bool_]  # moves the model never saw in training (scored at the minimum)
    labels: tuple[str, ...]  # entity labels, in the order of the move arrays below
    begin: Ints  # move index of B-label, per label
    inside: Ints
    last: Ints
    unit: Ints
    out: int  # move index of O
    label_of: Ints  # per move, the position of its label in ``labels`` (-1: O and U-)


def greedy_ner(pipe: Any) -> GreedyNer:
    """Read the weights and moves of spaCy NER component ``pipe`` (a transition-based parser
    with an upper layer and three state features, its token vectors of the shape
    :func:`~gateway.redaction.ner_vectors.read_token_vectors` accepts). Raises ``ValueError``
    for another shape, which this decoder would not decode as spaCy does."""
    model = pipe.model
    if not model.attrs.get("has_upper") or len(model.layers) != 3:
        raise ValueError("the NER model has no upper layer")
    tok2vec, lower, upper = model.layers
    if lower.get_dim("nF") != _NER_FEATURES:
        raise ValueError("the NER model does not read three state features")
    if pipe.cfg.get("beam_width", 1) != 1:
        raise ValueError("the NER component decodes with a beam")
    hidden, pieces = lower.get_dim("nO"), lower.get_dim("nP")
    upper_weights = np.asarray(upper.get_param("W"), dtype=np.float32)
    lower_bias = np.asarray(lower.get_param("b"), dtype=np.float32)
    if (upper_weights.shape != (pipe.moves.n_moves, hidden)
            or lower_bias.shape != (hidden, pieces)):
        raise ValueError("the NER model's layers do not fit its moves")
    names = [pipe.moves.get_class_name(i) for i in range(pipe.moves.n_moves)]
    index = {name: i for i, name in enumerate(names)}
    labels = tuple(sorted(str(label) for label in pipe.labels))
    expected = {"O", "U-"} | {f"{move}-{label}" for move in "BILU" for label in labels}
    if set(names) != expected or len(names) != len(expected):
        raise ValueError("the NER moves are not BILUO over its labels")
    unseen = np.zeros(len(names), dtype=bool)
    unseen[list(model.attrs.get("unseen_classes", ()))] = True

    def moves(kind: str) -> Ints:
        return np.array([index[f"{kind}-{label}"] for label in labels], dtype=np.intp)

    begin, inside, last, unit = moves("B"), moves("I"), moves("L"), moves("U")
    label_of = np.full(len(names), -1, dtype=np.intp)
    for table in (begin, inside, last, unit):
        label_of[table] = np.arange(len(labels))
    return GreedyNer(
        tok2vec=read_token_vectors(tok2vec),
        lower=lower,
        lower_bias=lower_bias,
        upper_weights=upper_weights,
        upper_bias=np.asarray(upper.get_param("b"), dtype=np.float32),
        unseen=unseen,
        labels=labels,
        begin=begin,
        inside=inside,
        last=last,
        unit=unit,
        out=index["O"],
        label_of=label_of,
    )


def _scores(ner: GreedyNer, summed: Floats) -> Floats:
    """Move scores for summed feature vectors (rows, hidden, pieces), as spaCy's
    ``predict_states``: bias, maxout, upper layer; unseen moves get the minimum score (spaCy
    takes it over the batch, which is one document here, so over the row)."""
    hidden = best_piece(summed + ner.lower_bias)  # maxout
    scores: Floats = hidden @ ner.upper_weights.T + ner.upper_bias
    if ner.unseen.any():
        scores[:, ner.unseen] = scores.min(axis=1, keepdims=True)
    return scores


def decode(ner: GreedyNer, doc: Any) -> list[tuple[int, int, str]]:
    """The entities (first token, end token, label) spaCy's greedy NER finds in a fresh copy
    of ``doc``'s tokens. Entities already set on ``doc`` are ignored, as on such a copy (spaCy
    would keep preset ones); nothing is written to ``doc``."""
    n = len(doc)
    if n == 0:
        return []
    flags = doc.to_array([IS_SPACE, SENT_START])
    space = flags[:, 0].astype(bool)
    # A B move needs a next token in the same sentence (spaCy: ``B_(1).sent_start != 1``).
    next_joins = np.zeros(n, dtype=bool)
    next_joins[:-1] = flags[1:, 1] != 1

    # Per token and feature, before the bias; row 0 is the padding (spaCy's layout).
    cached: Floats = ner.lower.predict(token_vectors(ner.tok2vec, doc))
    pad = cached[0]

    # Every token scored as if no entity were open: features (token, padding, padding),
    # summed in spaCy's order.
    closed = _scores(ner, cached[1:, 0] + pad[1] + pad[2])
    allowed = np.zeros_like(closed, dtype=bool)
    allowed[:, ner.out] = True
    allowed[:, ner.begin] = (next_joins & ~space)[:, None]
    allowed[:, ner.unit] = ~space[:, None]
    best = np.where(allowed, closed, -np.inf).argmax(axis=1)
    opening = np.flatnonzero(best != ner.out)

    found: list[tuple[int, int, str]] = []
    position = 0
    while True:
        k = int(np.searchsorted(opening, position))
        if k == len(opening):
            return found
        start = int(opening[k])
        move = int(best[start])
        label = int(ner.label_of[move])  # a U or B move: O and U- are never chosen here
        if move == ner.unit[label]:
            found.append((start, start + 1, ner.labels[label]))
            position = start + 1
            continue
        inside, last = int(ner.inside[label]), int(ner.last[label])
        token = start + 1  # a B move is valid only before the last token
        while True:
            features = (cached[1 + token, 0] + cached[1 + start, 1]) + cached[token, 2]
            scores = _scores(ner, features[None])[0]
            # I needs a next token in the same sentence; L is always valid. The first best
            # move in move order wins, as in spaCy's ``arg_max_if_valid``.
            can_continue = bool(next_joins[token])
            if can_continue and (scores[inside] > scores[last]
                                 or (scores[inside] == scores[last] and inside < last)):
                token += 1
                continue
            found.append((start, token + 1, ner.labels[label]))
            position = token + 1
            break
