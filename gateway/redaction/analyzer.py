"""The Presidio analyzer with spaCy French, and :class:`Redactor`, which runs it on one text.

Built explicitly and offline: our own NLP engine loads only the NER component of the pinned
``fr_core_news_*`` package (never downloads), and the registry holds only the gateway's
recognizers (Presidio's defaults would load an English model and tldextract's suffix list).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine

if TYPE_CHECKING:
    from pluggy import PluginManager

from gateway.errors import RedactionFailed
from gateway.hookspecs import hookimpl
from gateway.redaction.enhancer import LemmaFreeContextEnhancer
from gateway.redaction.cache import AnalysisCache, cache_key, encode_spans, memory_cache
from gateway.redaction.learned import LearnedRecognizer, add_learned_pipe, model_digest
from gateway.redaction.lexicons import (
    Lexicons,
    load_common_words,
    load_first_names,
    load_english_words,
    load_inflections,
)
from gateway.redaction.language import (
    english_person_span,
    english_ranges,
    foreign_script_names,
    inside,
    writes_capitals,
)
from gateway.redaction.mrz import join_mrz_parts
from gateway.redaction.structure import (
    find_tables,
    header_cells,
    structure_spans,
)
from gateway.redaction.tokens import frequent_words, guard_token_match, split_cells, warm_up
from gateway.redaction.vetoes import never_personal
from gateway.redaction.names import NameTokens, collect_name_tokens, enumerated_names, propagate
from gateway.redaction.normalize import NormalizedText, normalize
from gateway.redaction.recurrence import recurrences, recurring_values
from gateway.redaction.recognizers import build_recognizers
from gateway.redaction.settings import ALL_LABELS, RedactionSettings
from gateway.redaction.spans import (
    cells_of,
    keep_outside,
    merge_spans,
    protected_ranges,
)
from gateway.types import Span

DEFAULT_MODEL = "fr_core_news_md"
WINDOW = 4_000  # characters analysed at once; longer texts are cut into overlapping windows
OVERLAP = 300
DEFAULT_SETTINGS = RedactionSettings()


class FrenchNerEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, loading only what NER needs and never downloading."""

    def __init__(self, model_name: str = DEFAULT_MODEL) -> None:
        super().__init__(
            models=[{"lang_code": "fr", "model_name": model_name}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping={
                    "PER": "PERSON",
                    "LOC": "LOCATION",
                    "ORG": "ORGANIZATION",
                    "MISC": "MISC",
                },
                labels_to_ignore=["LOCATION", "ORGANIZATION", "MISC"],
            ),
        )
        self.model_name = model_name
        self._lock = threading.Lock()
        # A process forked while a thread is inside an analysis would inherit a held lock
        # and a half-open memory zone: forks wait for the analysis to end instead.
        os.register_at_fork(before=self._lock.acquire, after_in_parent=self._lock.release,
                            after_in_child=self._lock.release)

    def load(self) -> None:
        import spacy

        # Only the tokenizer and the lemmatizer's tables (they feed the lexicons) are used. The
        # package's own NER is not loaded: beside the learned recognizer, trained on
        # social-work writing, it added almost nothing and cost CPU on every note (measured
        # with an earlier model of the learned recognizer on dev2: recall 0.970 with it, 0.968
        # without; precision 0.958 with it, 0.962 without).
        nlp = spacy.load(
            self.model_name,
            exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "senter", "ner"],
            disable=["lemmatizer"],
        )
        split_cells(nlp)
        guard_token_match(nlp)
        # Before any memory zone: frequent words tokenised once for good (see warm_up).
        warm_up(nlp, frequent_words(nlp))
        self.nlp = {"fr": nlp}  # type: ignore[assignment]
        self._word_flags: dict[tuple[str, str, str], bool] = {}

    def _doc_to_nlp_artifact(self, doc: Any, language: str) -> NlpArtifacts:
        """Presidio's artifacts of ``doc``, its per-token lists read in one call each.

        Presidio reads every token's lemma and offset through spaCy's Python wrapper, then
        checks every lemma against the stop words and punctuation: ~0.3 ms per
        1,500-character note. Here the lemmas (empty: no lemmatizer runs) and offsets come
        from ``Doc.to_array``, each distinct lemma is checked once (:class:`_Artifacts`), and
        the entities and scores are Presidio's own steps; the artifacts are the same."""
        lemmas = ([""] * len(doc) if not doc.to_array("LEMMA").any()
                  else [token.lemma_ for token in doc])
        entities, scores = self._get_updated_entities(
            self._get_entities(doc), self._get_scores_for_entities(doc))
        return _Artifacts(entities=entities, tokens=doc,
                          tokens_indices=doc.to_array("IDX").tolist(), lemmas=lemmas,
                          nlp_engine=self, language=language, scores=scores)

    # Presidio asks both for every token's lemma (always empty here: no lemmatizer runs) to
    # build its keywords; a dict answers instead of a vocabulary look-up per token.
    def is_stopword(self, word: str, language: str) -> bool:
        """Whether ``word`` is a stop word (memoised vocabulary flag)."""
        return self._flag("stop", word, language)

    def is_punct(self, word: str, language: str) -> bool:
        """Whether ``word`` is punctuation (memoised vocabulary flag)."""
        return self._flag("punct", word, language)

    def _flag(self, kind: str, word: str, language: str) -> bool:
        key = (kind, word, language)
        found = self._word_flags.get(key)
        if found is None:
            lexeme = self.nlp[language].vocab[word]  # type: ignore[index]
            found = bool(lexeme.is_stop if kind == "stop" else lexeme.is_punct)
            if len(self._word_flags) < 50_000:  # lemmas are empty: one entry in practice
                self._word_flags[key] = found
        return found

    @contextmanager
    def transient_words(self) -> Iterator[None]:
        """Run one analysis so that the words it met leave the shared vocabulary afterwards.

        spaCy otherwise keeps every new word of every text in its string store for the life
        of the process: the words of beneficiaries' notes would pile up in memory (and memory
        would grow with traffic). ``memory_zone`` frees them on exit; it must not overlap
        another analysis on the same vocabulary, hence the lock (the work is CPU-bound and
        holds the GIL anyway, so threads lose nothing by taking turns). The lock is not
        reentrant: a recognizer must not call the redactor."""
        nlp = self.nlp["fr"]  # type: ignore[index]
        with self._lock, nlp.memory_zone():
            yield


class _Artifacts(NlpArtifacts):
    """Presidio's artifacts, the keywords worked out once per distinct lemma (Presidio's
    own filter, applied to each; in a text's order)."""

    @staticmethod
    def set_keywords(nlp_engine: Any, lemmas: list[str], language: str) -> list[str]:
        """The keywords Presidio keeps for ``lemmas``, in order."""
        kept = {lemma: NlpArtifacts.set_keywords(nlp_engine, [lemma], language)
                for lemma in dict.fromkeys(lemmas)}
        return [keyword for lemma in lemmas for keyword in kept[lemma]]


@dataclass
class Redactor:
    """Finds identifiers in texts. Built once at start-up (loads spaCy); thread-safe."""

    engine: AnalyzerEngine
    lexicons: Lexicons
    cache: AnalysisCache = field(default_factory=memory_cache)
    # Labels contributed by plugin recognizers: always redacted (the plugin's whole purpose).
    extra_labels: frozenset[str] = frozenset()
    # Where conversation-wide names were found again in each message: offsets and labels
    # only, in process memory (cheap to recompute, so never worth a Redis round trip).
    propagated: AnalysisCache = field(default_factory=lambda: memory_cache(max_entries=4096))

    def analyze(self, text: str, settings: RedactionSettings = DEFAULT_SETTINGS) -> list[Span]:
        """Spans of ``text`` to redact (sorted, non-overlapping), names propagated within it.

        Raises :class:`RedactionFailed` (without any text from the input) if analysis fails.
        """
        if not text.strip():
            return []
        key = self.key(text, settings)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        try:
            spans = self._analyze(text, settings)
        except RedactionFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - fail closed, and say nothing about the text
            raise _failed(exc) from None
        self.cache.put(key, spans)
        return spans

    def key(self, text: str, settings: RedactionSettings = DEFAULT_SETTINGS) -> str:
        """The analysis cache key of ``text`` (settings, model and plugin labels included)."""
        model = getattr(getattr(self.engine, "nlp_engine", None), "model_name", "")
        extra = ",".join(sorted(self.extra_labels))
        return cache_key(f"{settings.fingerprint()}:{model}:{extra}", text)

    def propagate_names(
        self,
        text: str,
        spans: list[Span],
        tokens: NameTokens,
        settings: RedactionSettings = DEFAULT_SETTINGS,
    ) -> list[Span]:
        """``spans`` plus recurrences of conversation-wide name tokens (see ``names``)."""
        if "PERSON" not in settings.labels:
            return spans
        # Every request resends the whole conversation: the same message with the same names
        # known and the same spans found gives the same result.
        key = cache_key(
            f"names:{settings.fingerprint()}:{tokens.digest}:{encode_spans(spans)}", text)
        extra = self.propagated.get(key)
        if extra is None:
            try:
                extra = keep_outside(text, propagate(text, spans, tokens, self.lexicons),
                                      protected_ranges(text, settings))
            except Exception as exc:  # noqa: BLE001 - fail closed
                raise RedactionFailed(
                    f"La pseudonymisation a échoué ({type(exc).__name__}).") from None
            self.propagated.put(key, extra)
        return merge_spans(spans + extra) if extra else spans

    def _transient_words(self) -> AbstractContextManager[None]:
        """The engine's transient-words zone, or nothing for an engine built otherwise."""
        engine = getattr(self.engine, "nlp_engine", None)
        return engine.transient_words() if isinstance(engine, FrenchNerEngine) else nullcontext()

    def analyze_windows(self, text: str, part: int = 0, parts: int = 1) -> list[Span]:
        """What the recognizers find in the ``part``-th of ``parts`` contiguous shares of
        ``text``'s analysis windows (all of them by default), before :meth:`complete`.

        A text longer than one window is analysed window by window anyway: the analysis
        pool gives each share to another process, then one of them completes the spans of
        the whole text; the result is the one :meth:`analyze` gives. Each share normalises
        the whole text again (about 1 ms per 1,500 characters) to find its windows. Raises
        :class:`RedactionFailed` (without any text from the input)."""
        try:
            return self._found(text, part, parts)
        except Exception as exc:  # noqa: BLE001 - fail closed, and say nothing about the text
            raise _failed(exc) from None

    def complete(self, text: str, found: list[Span], settings: RedactionSettings) -> list[Span]:
        """The spans of ``text`` from what :meth:`analyze_windows` found in all its windows
        (structure, lists, propagation within the text, recurrences). Raises
        :class:`RedactionFailed` (without any text from the input)."""
        try:
            return self._complete(text, found, settings)
        except Exception as exc:  # noqa: BLE001 - fail closed, and say nothing about the text
            raise _failed(exc) from None

    def _analyze(self, text: str, settings: RedactionSettings) -> list[Span]:
        return self._complete(text, self._found(text), settings)

    def _found(self, text: str, part: int = 0, parts: int = 1) -> list[Span]:
        """What the recognizers find in the ``part``-th of ``parts`` runs of the windows."""
        view = normalize(text)
        cut = windows(view.text)
        found: list[Span] = []
        for offset, chunk in cut[part * len(cut) // parts:(part + 1) * len(cut) // parts]:
            found.extend(self._window_spans(text, view, offset, chunk))
        return found

    def _window_spans(self, text: str, view: NormalizedText, offset: int,
                      chunk: str) -> list[Span]:
        """Spans (offsets in ``text``) the recognizers find in one window of the view."""
        found: list[Span] = []
        with self._transient_words():
            results = self.engine.analyze(
                text=chunk, language="fr", entities=sorted(ALL_LABELS | self.extra_labels)
            )
        english = english_ranges(chunk)
        for r in results:
            if never_personal(chunk, r.start, r.end, r.entity_type):
                continue
            r_start, r_end = r.start, r.end
            in_english = bool(english) and inside(english, r_start, r_end)
            # English written with capitals capitalises names and places: there a name or
            # an address all in lower case is an ordinary or technical phrase
            # (« subfields », « 2-4 words » in a chat front-end's task prompt). A writer
            # who types everything in lower case gets no such benefit of the doubt.
            value = chunk[r_start:r_end]
            if in_english and r.entity_type in ("PERSON", "ADDRESS") and not any(
                    c.isupper() or (c.isdigit() and r.entity_type == "ADDRESS")
                    for c in value) and writes_capitals(chunk, english, r_start):
                continue
            if r.entity_type == "PERSON" and in_english:
                trimmed = english_person_span(chunk, r_start, r_end, self.lexicons)
                if trimmed is None:
                    continue
                r_start, r_end = trimmed
            start, end = view.to_original(r_start + offset, r_end + offset)
            found.extend(Span(a, b, r.entity_type, float(r.score))
                         for a, b in cells_of(text, start, end))
        return found

    def _complete(self, text: str, found: list[Span], settings: RedactionSettings) -> list[Span]:
        protected = protected_ranges(text, settings)  # the same for every step below
        spans = keep_outside(text, merge_spans(found), protected)
        tables = find_tables(text)
        headers = header_cells(text, tables)
        if headers:  # « PRENOM », « Lien » in a header row name columns, not people
            spans = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in headers)]
        typed = [s for s in structure_spans(text, spans, self.lexicons, tables)
                 if not never_personal(text, s.start, s.end, s.label)]
        if typed:
            spans = merge_spans(spans + keep_outside(text, typed, protected))
        listed = enumerated_names(text, spans, self.lexicons)
        if listed:
            spans = merge_spans(spans + keep_outside(text, listed, protected))
        allow_words = frozenset(t.casefold() for t in settings.allow_list)
        tokens = collect_name_tokens([(text, spans)], allow_words)
        spans = merge_spans(
            spans + keep_outside(text, propagate(text, spans, tokens, self.lexicons), protected)
        )
        spans = [s for s in spans if s.label in settings.labels or s.label in self.extra_labels]
        if "PERSON" in settings.labels:
            spans = merge_spans(spans + foreign_script_names(text, spans))
        again = recurrences(text, spans, recurring_values([(text, spans)]))
        return join_mrz_parts(text, merge_spans(spans + again) if again else spans)


def _failed(exc: Exception) -> RedactionFailed:
    """The error that refuses the request when an analysis fails: its class, never its text."""
    return RedactionFailed(
        f"La pseudonymisation a échoué ({type(exc).__name__}) : la requête n'a pas été envoyée.")


def windows(text: str) -> list[tuple[int, str]]:
    """Overlapping windows of at most ``WINDOW`` characters, cut at whitespace."""
    if len(text) <= WINDOW:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + WINDOW)
        if end < len(text):
            cut = text.rfind("\n", start + WINDOW // 2, end)
            if cut < 0:
                cut = text.rfind(" ", start + WINDOW // 2, end)
            end = cut if cut > 0 else end
        out.append((start, text[start:end]))
        if end >= len(text):
            break
        nxt = end - OVERLAP
        space = text.find(" ", nxt, end)
        start = space + 1 if space >= 0 else nxt
    return out


class BuiltinRecognizers:
    """Garde-fou's own recognizers, given through the plugins' hook. Called first: the
    registry keeps the order the analyses were tuned with (built-ins, learned, plugins)."""

    @hookimpl(tryfirst=True)
    def gardefou_recognizers(self, lexicons: Lexicons, nlp: Any) -> list[EntityRecognizer]:
        """Every recognizer of :mod:`gateway.redaction.recognizers`, then the learned one."""
        return [*build_recognizers(lexicons),
                LearnedRecognizer(add_learned_pipe(nlp), lexicons)]


def build_engine(
    model_name: str = DEFAULT_MODEL, plugins: PluginManager | None = None
) -> tuple[AnalyzerEngine, Lexicons]:
    """The Presidio engine with every recognizer the plugin manager's hook gives (the
    built-ins, then plugins'), and the lexicons derived from the same model."""
    nlp_engine = FrenchNerEngine(model_name)
    nlp_engine.load()
    nlp = nlp_engine.nlp["fr"]  # type: ignore[index]
    lexicons = Lexicons(
        first_names=load_first_names(),
        common_words=load_common_words(nlp),
        inflections=load_inflections(nlp),
        english_words=load_english_words(),
    )
    if plugins is None:
        from gateway.plugins import plugin_manager

        plugins = plugin_manager()
    # The cache key names the model: new weights must not reuse analyses of the old ones.
    nlp_engine.model_name = f"{model_name}+{model_digest()}"
    registry = RecognizerRegistry(supported_languages=["fr"])
    for batch in plugins.hook.gardefou_recognizers(lexicons=lexicons, nlp=nlp):
        for recognizer in batch or ():
            registry.add_recognizer(recognizer)
    engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["fr"],
                            context_aware_enhancer=LemmaFreeContextEnhancer())
    return engine, lexicons


def build_redactor(
    cache: AnalysisCache | None = None,
    model_name: str = DEFAULT_MODEL,
    plugins: PluginManager | None = None,
) -> Redactor:
    """Load spaCy and the recognizers once; share the result across requests.
    ``plugins``: the process's plugin manager (default: the built-in recognizers only)."""
    engine, lexicons = build_engine(model_name, plugins)
    # labels no built-in knows come from plugins: always redacted
    extra_labels = frozenset(e for r in engine.registry.recognizers
                             for e in r.supported_entities)
    return Redactor(
        engine=engine,
        lexicons=lexicons,
        cache=cache if cache is not None else memory_cache(),
        extra_labels=extra_labels - ALL_LABELS,
    )
