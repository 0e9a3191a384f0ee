"""The words of analysed texts do not stay in spaCy's shared vocabulary
(``FrenchNerEngine.transient_words``): a long-running gateway must not accumulate the words of
beneficiaries' notes in memory, nor grow with traffic."""

from __future__ import annotations

from gateway.redaction import Redactor


def test_analysed_words_leave_the_vocabulary(redactor: Redactor) -> None:
    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    text = "Mme Wolkrazendiaq a rappelé ; son fils Trumbeliox est chez sa tante à Qzorvintay."
    before = len(nlp.vocab.strings)
    spans = redactor.analyze(text)
    assert any(text[s.start:s.end] == "Wolkrazendiaq" for s in spans)
    for word in ("Wolkrazendiaq", "Trumbeliox", "Qzorvintay"):
        assert word not in nlp.vocab.strings
    assert len(nlp.vocab.strings) == before
