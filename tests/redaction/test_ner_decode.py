"""The learned NER's decoder finds exactly the entities of spaCy's own greedy decoding: on the
shipped model over the held-out corpora and in the analysis the gateway runs, and on models
with random weights whose scores open entities everywhere (sentence starts, whitespace
tokens, one to three maxout pieces, moves marked unseen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.redaction import Redactor
from gateway.redaction.learned import PIPE_NAME
from gateway.redaction.ner_decode import decode, greedy_ner
from tests.conftest import long_note
from training.redaction.markup import parse_dir

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ROOT / "training" / "redaction" / "heldout"

EDGE_TEXTS = (
    "",
    "Diallo",
    "Mme Fatou Diallo",
    "RDV avec kevin durand demain ; sa mère (Sandrine Durand, 06 12 34 56 78) viendra.",
    "NOM;PRENOM;DATE\nMARTIN;Léa;04/09/1971\nBENALI;Yacine;12/12/2010\n\n\n",
    "  \n Jean-Pierre   Martin\t\tappelle le 01 45 67 89 10 \n",
    "Hi, this is John Smith from the CAF office, call me back at 01 45 67 89 10.",
)


def spacy_entities(pipe: Any, doc: Any) -> list[tuple[int, int, str]]:
    """What spaCy's own ``Parser`` decodes."""
    return [(e.start, e.end, e.label_) for e in pipe(doc).ents]


def copies(nlp: Any, text: str, sentence_every: int = 0) -> tuple[Any, Any]:
    """Two identical fresh ``Doc`` of ``text``, with a sentence start every
    ``sentence_every`` tokens if asked."""
    from spacy.tokens import Doc

    tokens = nlp.make_doc(text)
    words = [t.text for t in tokens]
    spaces = [bool(t.whitespace_) for t in tokens]
    starts = ([i % sentence_every == 0 for i in range(len(words))]
              if sentence_every and words else None)
    return tuple(Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=starts)
                 for _ in range(2))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def shipped(redactor: Redactor) -> tuple[Any, Any]:
    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    return nlp, nlp.get_pipe(PIPE_NAME)


def held_out_texts() -> list[str]:
    return [doc["text"] for folder in sorted(HELD_OUT.iterdir()) for doc in parse_dir(folder)]


def test_shipped_model_same_entities_on_held_out_corpora(shipped: tuple[Any, Any]) -> None:
    nlp, pipe = shipped
    ner = greedy_ner(pipe)
    texts = [*held_out_texts(), *EDGE_TEXTS, long_note()]
    assert len(texts) > 300
    found = 0
    for text in texts:
        ours, theirs = copies(nlp, text)
        expected = spacy_entities(pipe, theirs)
        assert decode(ner, ours) == expected, text[:80]
        assert not (len(ours) and ours.has_annotation("ENT_IOB"))  # the Doc is only read
        found += len(expected)
    assert found > 1000  # the corpora do hold what the model finds


def test_sentence_starts_stop_entities(shipped: tuple[Any, Any]) -> None:
    nlp, pipe = shipped
    ner = greedy_ner(pipe)
    for text in EDGE_TEXTS[2:]:
        for every in (1, 2, 3):
            ours, theirs = copies(nlp, text, every)
            assert decode(ner, ours) == spacy_entities(pipe, theirs)


def random_ner(seed: int, unseen: tuple[str, ...] = (), pieces: int = 2,
               **model: Any) -> tuple[Any, Any]:
    """A blank French pipeline with an NER of random weights. spaCy starts its upper layer at
    zero (every move would score the same): it gets random weights too, so that scores, not
    only the validity rules, decide. ``unseen``: move names marked never seen in training."""
    import numpy as np
    import spacy
    from thinc.api import fix_random_seed
    from spacy.training import Example

    nlp = spacy.blank("fr")
    config = {"model": {"@architectures": "spacy.TransitionBasedParser.v2",
                        "state_type": "ner", "extra_state_tokens": False, "hidden_width": 16,
                        "maxout_pieces": pieces, "use_upper": True, "nO": None,
                        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2",
                                    "pretrained_vectors": None, "width": 16, "depth": 1,
                                    "embed_size": 500, "window_size": 1, "maxout_pieces": 2,
                                    "subword_features": True},
                        **model}}
    pipe = nlp.add_pipe("ner", config=config)
    doc = nlp.make_doc("Fatou Diallo habite 3 rue des Lilas à Lyon.")
    example = Example.from_dict(doc, {"entities": [(0, 12, "PERSON"), (20, 35, "ADDRESS"),
                                                   (38, 42, "CITY")]})
    # thinc draws the initial weights from numpy's global generator: seeded here, the model
    # does not depend on what the tests before drew
    fix_random_seed(seed)
    nlp.initialize(lambda: [example])
    rng = np.random.default_rng(seed)
    upper = pipe.model.get_ref("upper")
    for name in ("W", "b") if upper.has_param("W") else ():
        shape = upper.get_param(name).shape
        upper.set_param(name, rng.normal(0.0, 1.0, shape).astype("float32"))
    names = [pipe.moves.get_class_name(i) for i in range(pipe.moves.n_moves)]
    pipe.model.attrs["unseen_classes"] = {names.index(n) for n in unseen}
    return nlp, pipe


def decoded(nlp: Any, pipe: Any, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """Our decoder's entities on ``texts``, each also checked against spaCy's (plain and with
    a sentence start every fourth token)."""
    ner = greedy_ner(pipe)
    out = []
    for text in texts:
        for every in (0, 4):
            ours, theirs = copies(nlp, text, every)
            found = decode(ner, ours)
            assert found == spacy_entities(pipe, theirs), (every, text[:80])
            out.append(found)
    return out


@pytest.mark.parametrize(("seed", "pieces"), [(0, 2), (1, 3), (2, 2), (3, 1)])
def test_random_models_same_entities(seed: int, pieces: int) -> None:
    nlp, pipe = random_ner(seed, pieces=pieces)
    found = decoded(nlp, pipe, [*EDGE_TEXTS, *held_out_texts()[:40]])
    spans = [span for doc in found for span in doc]
    assert len(spans) > 50
    assert any(end - start > 1 for start, end, _ in spans)  # entities over several tokens
    assert len({label for _, _, label in spans}) > 1  # scores, not a fixed order, decide


def test_unseen_moves_same_entities() -> None:
    texts = [*EDGE_TEXTS, *held_out_texts()[:40]]
    nlp, pipe = random_ner(5)
    seen = decoded(nlp, pipe, texts)
    # the moves the model picks most, marked unseen: spaCy scores them at the minimum
    picked = [f"U-{label}" for doc in seen for s, e, label in doc if e - s == 1]
    frequent = max(set(picked), key=picked.count)
    nlp, pipe = random_ner(5, unseen=(frequent, "L-PERSON", "B-CITY"))
    assert greedy_ner(pipe).unseen.sum() == 3
    assert decoded(nlp, pipe, texts) != seen


def test_refuses_a_model_without_upper_layer() -> None:
    _, pipe = random_ner(0, use_upper=False)
    with pytest.raises(ValueError, match="upper layer"):
        greedy_ner(pipe)


def test_refuses_a_model_with_other_state_features() -> None:
    _, pipe = random_ner(0, extra_state_tokens=True)
    with pytest.raises(ValueError, match="three state features"):
        greedy_ner(pipe)


def test_refuses_layers_that_do_not_fit_the_moves() -> None:
    import numpy as np

    _, pipe = random_ner(0)
    upper = pipe.model.get_ref("upper")
    upper.set_param("W", np.zeros((upper.get_param("W").shape[0] + 1, 16), dtype="float32"))
    with pytest.raises(ValueError, match="do not fit"):
        greedy_ner(pipe)


def test_entities_already_set_are_ignored_as_on_a_copy(shipped: tuple[Any, Any]) -> None:
    from spacy.tokens import Span

    nlp, pipe = shipped
    ner = greedy_ner(pipe)
    text = "Mme Fatou Diallo est venue avec Moussa."
    doc, fresh = copies(nlp, text)
    doc.ents = [Span(doc, 0, 1, label="PERSON"), Span(doc, 5, 7, label="ADDRESS")]
    before = [(t.ent_iob, t.ent_type) for t in doc]
    assert decode(ner, doc) == spacy_entities(pipe, fresh) != []
    assert [(t.ent_iob, t.ent_type) for t in doc] == before


def test_recognizer_reads_the_analysis_doc_without_changing_it(redactor: Redactor) -> None:
    """The path the gateway runs: the Doc the French pipeline made for every recognizer,
    inside the analysis' memory zone, decoded in place; same entities as spaCy on a copy."""
    from presidio_analyzer import RecognizerResult

    from gateway.redaction.learned import LearnedRecognizer

    engine = redactor.engine.nlp_engine
    nlp = engine.nlp["fr"]  # type: ignore[attr-defined]
    pipe = nlp.get_pipe(PIPE_NAME)
    learned = next(r for r in redactor.engine.registry.recognizers
                   if isinstance(r, LearnedRecognizer))
    ner = greedy_ner(pipe)
    for text in [*EDGE_TEXTS[1:], *held_out_texts()[:30]]:
        with engine.transient_words():  # type: ignore[attr-defined]
            artifacts = engine.process_text(text, "fr")
            doc = artifacts.tokens
            tensor_before = doc.tensor.copy()
            found = learned.analyze(text, sorted(pipe.labels), artifacts)
            assert not doc.has_annotation("ENT_IOB") and not doc.user_data
            assert (doc.tensor == tensor_before).all()
            _, copy = copies(nlp, text)
            expected = spacy_entities(pipe, copy)
            assert decode(ner, doc) == expected, text[:80]  # the analysis Doc itself
        assert all(isinstance(r, RecognizerResult) for r in found)
        assert decode(ner, nlp.make_doc(text)) == expected, text[:80]
        if expected:
            assert found, text[:80]


def test_recognizer_without_tokens_fails_closed(redactor: Redactor) -> None:
    from gateway.redaction.learned import LearnedRecognizer

    learned = next(r for r in redactor.engine.registry.recognizers
                   if isinstance(r, LearnedRecognizer))
    with pytest.raises(ValueError, match="analysed tokens"):
        learned.analyze("Mme Fatou Diallo", ["PERSON"], None)
