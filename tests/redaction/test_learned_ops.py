"""The learned NER's matrix products go through numpy (OpenBLAS on one thread) instead of
thinc's default BLIS (faster on the measured CPU, ``bench/ner.py``), with the same entities."""

from __future__ import annotations

import pytest

from gateway.redaction import Redactor
from gateway.redaction.learned import PIPE_NAME, blas_single_threaded, use_numpy_gemm

TEXTS = (
    "Mme Fatou Diallo, née le 3 mars 1984 à Dakar, est venue avec son fils Moussa.",
    "RDV avec kevin durand demain ; sa mère (Sandrine Durand, 06 12 34 56 78) viendra.",
    "NOM;PRENOM;DATE\nMARTIN;Léa;04/09/1971\nBENALI;Yacine;12/12/2010",
    "Hi, this is John Smith from the CAF office, call me back at 01 45 67 89 10.",
)


@pytest.mark.parametrize(("env", "single"), [
    ({}, False),
    ({"OPENBLAS_NUM_THREADS": "1"}, True),
    ({"OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "1"}, False),  # OpenBLAS's own first
    ({"OMP_NUM_THREADS": "1"}, True),
    ({"GOTO_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}, False),
])
def test_numpy_gemm_only_with_one_openblas_thread(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], single: bool) -> None:
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert blas_single_threaded() is single


def test_same_entities_with_numpy_and_blis(redactor: Redactor) -> None:
    from spacy.tokens import Doc
    from thinc.api import NumpyOps

    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    pipe = nlp.get_pipe(PIPE_NAME)
    nodes = list(pipe.model.walk())
    kept = [node.ops for node in nodes]

    def entities() -> list[list[tuple[int, int, str]]]:
        out = []
        for text in TEXTS:
            tokens = nlp.make_doc(text)
            doc = pipe(Doc(nlp.vocab, words=[t.text for t in tokens],
                           spaces=[bool(t.whitespace_) for t in tokens]))
            out.append([(e.start, e.end, e.label_) for e in doc.ents])
        return out

    try:
        blis = NumpyOps(use_blis=True)
        for node in nodes:
            node.ops = blis
        with_blis = entities()
        use_numpy_gemm(pipe.model)
        assert all(isinstance(n.ops, NumpyOps) and not n.ops.use_blis for n in nodes)
        with_numpy = entities()
    finally:
        for node, ops in zip(nodes, kept):
            node.ops = ops
    assert any(with_blis)  # the texts do hold names the model finds
    assert with_numpy == with_blis
