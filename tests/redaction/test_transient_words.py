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


NOTE = ("Mme Diallo a rappelé le 12/03 : rendez-vous pris avec l'assistante sociale du CCAS, "
        "aujourd'hui.\nNOM;PRENOM\nMARTIN;Léa — « Elle n'est pas venue », dit-il (voir PJ).")
ATTRS = ("orth_", "whitespace_", "norm_", "lower_", "shape_", "prefix_", "suffix_", "is_stop",
         "is_punct", "is_alpha", "like_num", "like_email", "like_url", "lang_")


def _tokens(nlp, text: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    with nlp.memory_zone():
        return [tuple(getattr(t, a) for a in ATTRS) for t in nlp.make_doc(text)]


def test_frequent_words_are_permanent_from_start_up(redactor: Redactor) -> None:
    from gateway.redaction.tokens import WARM_WORDS, frequent_words

    nlp = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    words = frequent_words(nlp)
    assert WARM_WORDS - 10 <= len(words) <= WARM_WORDS  # the table's 20,000 rows, less spaces
    assert words[:4] == [",", "de", "</s>", "."]  # most frequent first
    redactor.analyze("Le rendez-vous avec la famille Qzorvintay est maintenu pour lundi.")
    assert all(w in nlp.vocab for w in words[:50] + words[-50:] + ["maintenu", "famille"])
    assert len(nlp.vocab) >= WARM_WORDS


def test_warm_up_changes_no_token(redactor: Redactor) -> None:
    import spacy

    from gateway.redaction.tokens import frequent_words, warm_up

    warm = redactor.engine.nlp_engine.nlp["fr"]  # type: ignore[attr-defined]
    cold = spacy.blank("fr")  # the same tokenizer rules and word attributes, not warmed
    cold.tokenizer.from_bytes(warm.tokenizer.to_bytes(exclude=["vocab"]), exclude=["vocab"])
    text = NOTE + " " + " ".join(frequent_words(warm, 300))
    before = _tokens(cold, text)
    assert "famille" not in cold.vocab
    warm_up(cold, frequent_words(warm))
    assert "famille" in cold.vocab
    assert _tokens(cold, text) == before == _tokens(warm, text)


def test_warm_up_caches_every_word_and_nothing_after() -> None:
    """All the warm-up's words are cut once for good (more than spaCy's default 10,000
    cache entries), and no text tokenised afterwards, zone or not, enters the cache."""
    import spacy

    from gateway.redaction.tokens import warm_up

    nlp = spacy.blank("fr")
    cut: list[str] = []  # what the tokenizer had to cut (a cache miss reaches url_match)
    url_match = nlp.tokenizer.url_match
    nlp.tokenizer.url_match = lambda text: (cut.append(text), url_match(text))[1]
    words = [f"mot{i}" for i in range(15_000)]
    warm_up(nlp, words)
    cut.clear()
    nlp.make_doc(" ".join(words[9_990:10_010] + words[-5:]))
    assert cut == []
    nlp.make_doc("Kenza Benali")
    nlp.make_doc("Kenza Benali")
    assert cut == ["Kenza", "Benali", "Kenza", "Benali"]
