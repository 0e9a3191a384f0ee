"""Presidio's context enhancer, skipped where it cannot change a score.

Presidio raises a result's score when one of its recognizer's context words occurs among the
*lemmas* before it. The gateway's spaCy pipeline runs no lemmatizer (only the tokenizer: the
lemmatizer's tables feed the lexicons), so every lemma is empty and no context word can match
— but the enhancer still deep-copied every result and walked the tokens for each (~1 ms per
1,500-character note). This subclass returns the results as they are in exactly that case
and defers to Presidio otherwise (a pipeline with lemmas, context passed by a caller, a
recognizer with an empty context word).
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts


class LemmaFreeContextEnhancer(LemmaContextAwareEnhancer):
    """:class:`LemmaContextAwareEnhancer` with a shortcut when no lemma can match."""

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """The results unchanged when nothing can match, else Presidio's enhancement."""
        if (not context and nlp_artifacts is not None and not any(nlp_artifacts.keywords)
                and all(word for r in recognizers for word in (r.context or ()))):
            return list(raw_results)
        return list(super().enhance_using_context(
            text, raw_results, nlp_artifacts, recognizers, context))
