"""The learned NER's decoder finds exactly the entities of spaCy's own greedy decoding: on the
shipped model over the held-out corpora, and on freshly initialised models whose random
weights open entities everywhere (sentence starts, whitespace tokens, unseen moves)."""

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


def random_ner(seed: int, unseen: tuple[int, ...] = (), **model: Any) -> tuple[Any, Any]:
    """A blank French pipeline with an NER of random weights (spaCy's own initialisation)."""
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("fr")
    config = {"model": {"@architectures": "spacy.TransitionBasedParser.v2",
                        "state_type": "ner", "extra_state_tokens": False, "hidden_width": 16,
                        "maxout_pieces": 2, "use_upper": True, "nO": None,
                        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
                                    "width": 16, "depth": 1, "embed_size": 500,
                                    "window_size": 1, "maxout_pieces": 2, "subword_features": True},
                        **model}}
    pipe = nlp.add_pipe("ner", config=config)
    doc = nlp.make_doc("Fatou Diallo habite 3 rue des Lilas à Lyon.")
    example = Example.from_dict(doc, {"entities": [(0, 12, "PERSON"), (20, 35, "ADDRESS"),
                                                   (38, 42, "CITY")]})
    spacy.util.fix_random_seed(seed)
    nlp.initialize(lambda: [example])
    pipe.model.attrs["unseen_classes"] = set(unseen)
    return nlp, pipe


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_models_same_entities(seed: int) -> None:
    nlp, pipe = random_ner(seed, unseen=(1, 5) if seed % 2 else ())
    ner = greedy_ner(pipe)
    assert ner.unseen.any() == bool(seed % 2)
    found = 0
    texts = [*EDGE_TEXTS, *held_out_texts()[:40]]
    for text in texts:
        for every in (0, 4):
            ours, theirs = copies(nlp, text, every)
            expected = spacy_entities(pipe, theirs)
            assert decode(ner, ours) == expected, (seed, every, text[:80])
            found += len(expected)
    assert found > 50


def test_refuses_a_model_without_upper_layer() -> None:
    _, pipe = random_ner(0, use_upper=False)
    with pytest.raises(ValueError, match="upper layer"):
        greedy_ner(pipe)


def test_refuses_a_document_with_entities(shipped: tuple[Any, Any]) -> None:
    from spacy.tokens import Span

    nlp, pipe = shipped
    doc, _ = copies(nlp, "Mme Fatou Diallo est venue.")
    doc.ents = [Span(doc, 1, 3, label="PERSON")]
    with pytest.raises(ValueError, match="already has entities"):
        decode(greedy_ner(pipe), doc)
