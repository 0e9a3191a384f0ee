"""The French engine's NLP artifacts (``FrenchNerEngine._doc_to_nlp_artifact``, built from
whole-document arrays) are the ones Presidio's own method builds, token by token."""

from __future__ import annotations

from presidio_analyzer.nlp_engine import SpacyNlpEngine

from gateway.redaction import Redactor
from tests.redaction.test_ner_decode import EDGE_TEXTS, held_out_texts


def _fields(artifacts: object) -> dict[str, object]:
    fields = dict(vars(artifacts))
    fields["tokens"] = [t.text for t in fields["tokens"]]
    fields["entities"] = [(e.start_char, e.end_char, e.label_) for e in fields["entities"]]
    return fields


def test_the_artifacts_are_presidios(redactor: Redactor) -> None:
    engine = redactor.engine.nlp_engine
    nlp = engine.nlp["fr"]  # type: ignore[attr-defined]
    texts = [*held_out_texts(), *EDGE_TEXTS, "", "Mme Dupont : 06 12 34 56 78"]
    for text in texts:
        with nlp.memory_zone():
            doc = nlp(text)
            ours = engine._doc_to_nlp_artifact(doc, "fr")  # type: ignore[attr-defined]
            theirs = SpacyNlpEngine._doc_to_nlp_artifact(engine, doc, "fr")  # type: ignore[arg-type]
            assert _fields(ours) == _fields(theirs), text[:80]


def test_keywords_keep_presidios_filter_and_order(redactor: Redactor) -> None:
    """With lemmas (another pipeline), each distinct one is filtered once, in text order."""
    from gateway.redaction.analyzer import _Artifacts
    from presidio_analyzer.nlp_engine import NlpArtifacts

    engine = redactor.engine.nlp_engine
    lemmas = ["le", "Foyer", "de", "nuit:jour", ",", "Foyer", "", "-PRON-", "Est"]
    assert (_Artifacts.set_keywords(engine, lemmas, "fr")
            == NlpArtifacts.set_keywords(engine, lemmas, "fr"))
