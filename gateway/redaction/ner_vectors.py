"""The learned NER's token vectors, computed from its layers' weights in a few numpy calls.

thinc runs the model's token-to-vector network as a tree of some forty layer objects, each
called through its Python wrapper, each keeping what training would need to go back through
it (maxout's winning pieces, layer norm's moments, closures). On a 1,500-character note that
bookkeeping cost about as much again as the matrix products themselves (``bench/README.md``).
At inference nothing of it is needed, so :func:`token_vectors` runs the same operations in
order: the same hashing (thinc's own ``hash``), the same matrix products through the model's
own ``ops``, the same padding between the encoder's windows, and the layer norm with the same
numpy reductions in the same order. One step is rearranged: the mixing layer's product of the
embedding sums is a sum of rows multiplied once at load (:func:`mixed_rows`). So the result is
thinc's but for the last bits of a float32 where those sums run in another order
(``tests/redaction/test_ner_vectors.py`` bounds the difference; the entities are spaCy's,
``test_ner_decode.py``), and for the sign of a zero where two maxout pieces tie at zero
(``np.maximum`` may keep the other one: a masked ``copyto`` keeping the first was ten times
slower; −0 and +0 compare equal).

:func:`read_token_vectors` accepts exactly the shape spaCy builds for ``spacy.Tok2Vec.v2``
over ``MultiHashEmbed`` (no static vectors) and ``MaxoutWindowEncoder``, then a linear
projection, as the parser's ``tok2vec`` (``training/redaction/ner.cfg``); it refuses any other
at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float32]

# thinc's layer norm adds this to the variance before the inverse square root
_NORM_EPSILON = 1e-08


@dataclass(frozen=True)
class Maxout:
    """A maxout layer's weights, laid out as thinc multiplies them."""

    weights: Floats  # (width * pieces, inputs)
    bias: Floats  # (width * pieces,)
    width: int
    pieces: int


@dataclass(frozen=True)
class LayerNorm:
    """A layer norm's gain and bias."""

    gain: Floats
    bias: Floats


@dataclass(frozen=True)
class HashEmbed:
    """One hashed embedding table: the feature column it reads, its hash seed, its size, and
    where its rows start in :attr:`TokenVectors.mixed_rows`."""

    seed: int
    column: int
    rows: int
    first_row: int


@dataclass(frozen=True)
class TokenVectors:
    """The weights of a parser's token-to-vector network, read once."""

    ops: Any  # the model's thinc ops: its hash, gather_add, seq2col and matrix product
    attributes: tuple[str, ...]  # token attributes read per token, in column order
    embeddings: tuple[HashEmbed, ...]
    # every row of every embedding table times its share of the mixing layer's weights,
    # tables stacked: (rows of all tables, width * pieces); see :func:`mixed_rows`
    mixed_rows: Floats
    # the concatenated embeddings mixed to the width: its weights are read once, into
    # ``mixed_rows``; a note uses its bias, width, pieces and layer norm
    mix: tuple[Maxout, LayerNorm]
    encoder: tuple[tuple[Maxout, LayerNorm], ...]  # residual window layers, in order
    window: int  # tokens on each side read by an encoder layer
    padding: int  # zero rows thinc puts around the tokens before the encoder
    projection_weights: Floats  # (outputs, width)
    projection_bias: Floats


def _chain(node: Any) -> list[Any]:
    """The layers ``node`` runs in order: a chain's layers, nested chains flattened (thinc
    names a chain after its layers joined by ``>>``)."""
    if node.layers and node.name == ">>".join(layer.name for layer in node.layers):
        return [leaf for layer in node.layers for leaf in _chain(layer)]
    return [node]


def _without_dropout(layers: list[Any]) -> list[Any]:
    # dropout does nothing at inference
    return [layer for layer in layers if layer.name != "dropout"]


def _expect(layer: Any, name: str) -> Any:
    if layer.name != name and not layer.name.startswith(name + "("):
        raise ValueError(f"the NER's token vectors have a '{layer.name[:40]}' layer where "
                         f"'{name}' was expected")
    return layer


def _maxout_norm(layers: list[Any]) -> tuple[Maxout, LayerNorm]:
    layers = _without_dropout(layers)
    if len(layers) != 2:
        raise ValueError("the NER's token vectors have a mixing layer of another shape")
    maxout, norm = _expect(layers[0], "maxout"), _expect(layers[1], "layernorm")
    width, pieces = maxout.get_dim("nO"), maxout.get_dim("nP")
    weights = maxout.get_param("W")
    return (Maxout(weights=weights.reshape((width * pieces, weights.shape[-1])),
                   bias=maxout.get_param("b").reshape((width * pieces,)),
                   width=width, pieces=pieces),
            LayerNorm(gain=norm.get_param("G"), bias=norm.get_param("b")))


def _embedding(branch: Any) -> tuple[Floats, int, int]:
    """One branch's table, hash seed and feature column."""
    layers = _chain(branch)
    if len(layers) != 2:
        raise ValueError("the NER's token vectors have an embedding of another shape")
    getitem, embed = _expect(layers[0], "ints-getitem"), _expect(layers[1], "hashembed")
    index = getitem.attrs["index"]
    if (not isinstance(index, tuple) or len(index) != 2
            or index[0] not in (slice(None), slice(0, None))
            or not isinstance(index[1], int)):
        raise ValueError("the NER's token vectors read their features otherwise")
    return embed.get_param("E"), int(embed.attrs["seed"]), index[1]


def mixed_rows(tables: list[Floats], mix: Maxout) -> Floats:
    """Each table's rows multiplied by the mixing layer's weights for that table's columns,
    the tables stacked in order.

    The mixing layer multiplies the concatenated embeddings, each a sum of rows of its table,
    by its weights: a linear map, so the product of the sum is the sum of the rows'
    products. Multiplying every row once, when the model loads, turns the layer's matrix
    product on every note (~0.7 ms on a 1,500-character note, the embedding sums ~0.25 ms
    more) into sums of precomputed rows (~0.35 ms on one note repeated; on new notes the rows
    come from memory more than from the cache: a new note's analysis −0.57 ms in all,
    ``bench/README.md``). The float32 sums run in another
    order than thinc's: the vectors differ from thinc's in their last bits (``tests/
    redaction/test_ner_vectors.py`` bounds the difference, ``test_ner_decode.py`` checks the
    entities). Memory: rows × width × pieces floats (32,000 × 288 for the shipped model,
    37 MB), made before the analysis processes fork, so shared by them."""
    products = []
    first = 0
    for table in tables:
        width = table.shape[1]
        products.append(table @ mix.weights[:, first:first + width].T)
        first += width
    if first != mix.weights.shape[1]:
        raise ValueError("the NER's mixing layer does not read the embeddings it follows")
    stacked: Floats = np.ascontiguousarray(np.vstack(products), dtype=np.float32)
    return stacked


def read_token_vectors(tok2vec: Any) -> TokenVectors:
    """Read the weights of a parser's ``tok2vec`` (see the module's docstring for the shape
    accepted). Raises ``ValueError`` for any other shape, which :func:`token_vectors` would
    not compute as thinc does."""
    layers = _chain(tok2vec)
    names = ["extract_features", "list2ragged", "with_array", "with_array", "ragged2list",
             "with_array", "list2array", "linear"]
    if len(layers) != len(names):
        raise ValueError("the NER's token vectors are not a hashed embedding, a window "
                         "encoder and a projection")
    (features, _, embed, mix, _, encode, _, projection) = (
        _expect(layer, name) for layer, name in zip(layers, names, strict=True))
    if embed.attrs.get("pad") or mix.attrs.get("pad"):
        raise ValueError("the NER's token vectors pad their embeddings")
    joined = embed.layers[0]
    if joined.name == "|".join(layer.name for layer in joined.layers):
        branches = joined.layers
    elif len(_chain(joined)) == 2:  # thinc does not wrap a single embedding in a concatenation
        branches = [joined]
    else:
        raise ValueError("the NER's token vectors do not concatenate their embeddings")
    residuals = _chain(encode.layers[0])
    encoder = []
    windows = set()
    for residual in residuals:
        _expect(residual, "residual")
        inner = _chain(residual.layers[0])
        windows.add(_expect(inner[0], "expand_window").attrs["window_size"])
        encoder.append(_maxout_norm(inner[1:]))
    if len(windows) != 1:
        raise ValueError("the NER's encoder layers read windows of different sizes")
    branch_tables = [_embedding(branch) for branch in branches]
    mixing = _maxout_norm(_chain(mix.layers[0]))
    embeddings = []
    first_row = 0
    for table, seed, column in branch_tables:
        embeddings.append(HashEmbed(seed=seed, column=column, rows=table.shape[0],
                                    first_row=first_row))
        first_row += table.shape[0]
    return TokenVectors(
        ops=tok2vec.ops,
        attributes=tuple(features.attrs["columns"]),
        embeddings=tuple(embeddings),
        mixed_rows=mixed_rows([table for table, _, _ in branch_tables], mixing[0]),
        mix=mixing,
        encoder=tuple(encoder),
        window=int(windows.pop()),
        padding=int(encode.attrs["pad"]),
        projection_weights=projection.get_param("W"),
        projection_bias=projection.get_param("b"),
    )


def best_piece(pieces: Floats) -> Floats:
    """The maximum over the last axis (a maxout's pieces), as a new contiguous array: numpy's
    ``max`` along a short last axis is several times slower than ``np.maximum`` piece by
    piece."""
    best: Floats = np.ascontiguousarray(pieces[..., 0])
    for piece in range(1, pieces.shape[-1]):
        np.maximum(best, pieces[..., piece], out=best)
    return best


def _maxout(ops: Any, inputs: Floats, layer: Maxout) -> Floats:
    pieces: Floats = ops.gemm(inputs, layer.weights, trans2=True)
    pieces += layer.bias
    return best_piece(pieces.reshape((pieces.shape[0], layer.width, layer.pieces)))


def _layer_norm(inputs: Floats, norm: LayerNorm) -> Floats:
    # thinc's mean and var, the centred rows computed once: numpy's var centres them with the
    # same mean and sums their squares the same way
    centred: Floats = inputs - inputs.mean(axis=1, keepdims=True)
    variance: Floats = np.square(centred).sum(axis=1, keepdims=True)
    variance /= inputs.shape[1]
    variance += _NORM_EPSILON
    centred *= variance ** (-1.0 / 2.0)
    out: Floats = centred * norm.gain
    out += norm.bias
    return out


def token_vectors(vectors: TokenVectors, doc: Any) -> Floats:
    """One row per token of ``doc``: what thinc's ``tok2vec.predict([doc])`` returns."""
    ops = vectors.ops
    if len(doc) == 0:
        return np.zeros((0, vectors.projection_weights.shape[0]), dtype=np.float32)
    ids = np.asarray(doc.to_array(list(vectors.attributes)), dtype=np.uint64)
    if ids.ndim == 1:
        ids = ids.reshape((-1, 1))
    # thinc's hashed rows of each table (its ``hash``, modulo the table's rows), as rows of
    # the stacked products: their sum is the mixing layer's product (:func:`mixed_rows`)
    keys = np.hstack([
        ops.hash(np.ascontiguousarray(ids[:, embed.column]), embed.seed) % embed.rows
        + np.uint32(embed.first_row)
        for embed in vectors.embeddings
    ])
    maxout, norm = vectors.mix
    pieces: Floats = ops.gather_add(vectors.mixed_rows, keys)
    pieces += maxout.bias
    hidden = _layer_norm(
        best_piece(pieces.reshape((pieces.shape[0], maxout.width, maxout.pieces))), norm)
    # thinc runs the encoder on the tokens between zero rows, which the layers transform too
    hidden = ops.flatten([hidden], pad=vectors.padding)
    for maxout, norm in vectors.encoder:
        hidden = hidden + _layer_norm(_maxout(ops, ops.seq2col(hidden, vectors.window), maxout),
                                      norm)
    hidden = ops.unflatten(hidden, np.array([len(doc)], dtype=np.int32),
                           pad=vectors.padding)[0]
    out: Floats = ops.gemm(hidden, vectors.projection_weights, trans2=True)
    out += vectors.projection_bias
    return out
