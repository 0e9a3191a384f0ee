"""The learned NER's token vectors, computed from the weights, are thinc's but for the last bits
of a float32 (the mixing layer's product is summed in another order, ``mixed_rows``): on the
shipped model over the held-out corpora, and on networks of random weights of other widths,
depths, windows, pieces and feature sets. Other shapes are refused at start-up. The entities
decoded from them are spaCy's (``test_ner_decode.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gateway.redaction import Redactor
from gateway.redaction.learned import PIPE_NAME
from gateway.redaction.ner_vectors import read_token_vectors, token_vectors
from tests.conftest import long_note
from tests.redaction.test_ner_decode import EDGE_TEXTS, held_out_texts


# Summing float32 products in another order moves a value by a few units in its last place
# (measured: at most 3e-5 on vectors whose values reach ±60); a mistake in the computation
# (a bias left out, a row of another table) moves them by whole units.
TOLERANCE = 1e-4


def same_as_thinc(nlp: Any, tok2vec: Any, texts: list[str]) -> int:
    """Assert the vectors equal thinc's, to :data:`TOLERANCE`, for every text; return the
    tokens compared."""
    vectors = read_token_vectors(tok2vec)
    tokens = 0
    for text in texts:
        doc = nlp.make_doc(text)
        ours = token_vectors(vectors, doc)
        theirs = tok2vec.predict([doc])
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, text[:80]
        assert np.allclose(ours, theirs, rtol=TOLERANCE, atol=TOLERANCE), text[:80]
        tokens += len(doc)
    return tokens


def test_shipped_model_as_thinc_on_held_out_corpora(redactor: Redactor) -> None:
    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    tok2vec = nlp.get_pipe(PIPE_NAME).model.layers[0]
    texts = [*held_out_texts(), *EDGE_TEXTS, long_note()]
    assert same_as_thinc(nlp, tok2vec, texts) > 40_000


def random_tok2vec(seed: int, **tok2vec: Any) -> tuple[Any, Any]:
    """A blank French pipeline and the ``tok2vec`` of an NER built with ``tok2vec`` as its
    network's config, every weight random (biases and norms included, so none is a no-op)."""
    import spacy
    from thinc.api import fix_random_seed
    from spacy.training import Example

    nlp = spacy.blank("fr")
    config = {"model": {"@architectures": "spacy.TransitionBasedParser.v2",
                        "state_type": "ner", "extra_state_tokens": False, "hidden_width": 16,
                        "maxout_pieces": 2, "use_upper": True, "nO": None,
                        "tok2vec": tok2vec}}
    pipe = nlp.add_pipe("ner", config=config)
    doc = nlp.make_doc("Fatou Diallo habite à Lyon.")
    # thinc draws the initial weights from numpy's global generator: seeded here, the model
    # does not depend on what the tests before drew
    fix_random_seed(seed)
    nlp.initialize(lambda: [Example.from_dict(doc, {"entities": [(0, 12, "PERSON")]})])
    rng = np.random.default_rng(seed)
    model = pipe.model.layers[0]
    for node in model.walk():
        for name in node.param_names:
            if node.has_param(name):
                value = node.get_param(name)
                node.set_param(name, rng.normal(0.0, 1.0, value.shape).astype(value.dtype))
    return nlp, model


def hash_embed_cnn(**changes: Any) -> dict[str, Any]:
    config = {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
              "width": 24, "depth": 2, "embed_size": 300, "window_size": 1,
              "maxout_pieces": 3, "subword_features": True}
    return {**config, **changes}


@pytest.mark.parametrize(("seed", "changes"), enumerate([
    {},
    {"depth": 4, "maxout_pieces": 2},
    {"window_size": 2, "width": 16},
    {"subword_features": False},  # one feature column
    {"depth": 1, "maxout_pieces": 4},
]))
def test_random_networks_as_thinc(seed: int, changes: dict[str, Any]) -> None:
    nlp, tok2vec = random_tok2vec(seed, **hash_embed_cnn(**changes))
    assert same_as_thinc(nlp, tok2vec, [*EDGE_TEXTS, *held_out_texts()[:30]]) > 3000


def test_empty_doc() -> None:
    nlp, tok2vec = random_tok2vec(0, **hash_embed_cnn())
    vectors = read_token_vectors(tok2vec)
    assert token_vectors(vectors, nlp.make_doc("")).shape == (0, 16)


def test_refuses_another_encoder() -> None:
    _, tok2vec = random_tok2vec(0, **{
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 16,
                  "attrs": ["NORM", "SHAPE"], "rows": [100, 50],
                  "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MishWindowEncoder.v2", "width": 16, "depth": 2,
                   "window_size": 1}})
    with pytest.raises(ValueError, match="'mish"):
        read_token_vectors(tok2vec)


def test_refuses_another_embedding() -> None:
    _, tok2vec = random_tok2vec(0, **{
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.CharacterEmbed.v2", "width": 16, "rows": 100,
                  "nM": 8, "nC": 4, "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 16,
                   "depth": 1, "window_size": 1, "maxout_pieces": 2}})
    with pytest.raises(ValueError, match="token vectors"):
        read_token_vectors(tok2vec)
