"""The learned recognizer: a spaCy NER trained on the project's own French social-work corpus
(``training/redaction/``), shipped in ``gateway/redaction/model/``.

Rules find what has a shape (checksums, cue words); the model finds what only context tells:
names without a civility, lowercase names in fast typing, cells of tables and forms, birth
dates without « né le », identifiers dictated in words. It replaces the French package's
generic NER, which is no longer loaded. It runs on the ``Doc`` the French pipeline already
made for Presidio (no second tokenisation, the tokens it was trained on), decoded by
:mod:`gateway.redaction.ner_decode`, which sets no entities on it: nothing else reading the
shared ``Doc`` sees them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.redaction.lexicons import (
    CIVILITIES,
    ENGLISH_STOP_WORDS,
    FRENCH_STOP_WORDS,
    ROLES,
    Lexicons,
)
from gateway.redaction.names import NAME_WORD
from gateway.redaction.ner_decode import decode, greedy_ner
from gateway.redaction.vetoes import vetoed

MODEL_DIR = Path(__file__).resolve().parent / "model"
PIPE_NAME = "gardefou_ner"
SCORE = 0.45  # below every rule (>= 0.5): where spans overlap, the rule's label wins


def model_digest(model_dir: Path = MODEL_DIR) -> str:
    """A short fingerprint of the shipped weights (part of the analysis cache key)."""
    digest = hashlib.sha256()
    for path in sorted((model_dir / "ner").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def add_learned_pipe(nlp: Any, model_dir: Path = MODEL_DIR) -> Any:
    """Add the learned NER to ``nlp`` (disabled: it runs only through :class:`LearnedRecognizer`)
    and return the component. Raises if the shipped model is missing or unreadable."""
    from spacy.util import load_config

    config = load_config(model_dir / "ner.cfg", interpolate=True)
    component = dict(config["components"]["ner"])
    component.pop("factory", None)
    pipe = nlp.add_pipe("ner", name=PIPE_NAME, config=component)
    pipe.from_disk(model_dir / "ner", exclude=["vocab"])
    for label in pipe.labels:
        nlp.vocab.strings.add(label)
    nlp.disable_pipe(PIPE_NAME)
    if blas_single_threaded():
        use_numpy_gemm(pipe.model)
    return pipe


# OpenBLAS reads the first of these that is set when it loads (numpy's wheel bundles it).
_OPENBLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def blas_single_threaded() -> bool:
    """Whether numpy's OpenBLAS runs on one thread (``gardefou serve`` and the ``gardefou``
    commands set ``OPENBLAS_NUM_THREADS=1`` before numpy loads, unless the operator set
    otherwise)."""
    for name in _OPENBLAS_THREAD_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value == "1"
    return False


def use_numpy_gemm(model: Any) -> None:
    """Make every layer of ``model`` do its matrix products with numpy (OpenBLAS) instead
    of thinc's default BLIS.

    BLIS's generic kernels are slow on the AMD EPYC the gateway was measured on: the learned
    NER took ~30 ms per 1,500-character note with BLIS and ~21 ms with OpenBLAS on one
    thread (``bench/ner.py``). The float32 sums may run in another order, so scores can
    differ in their last bits; the entities were identical on eval/pii dev and dev2 (and
    ``bench/ner.py`` checks its notes). Only with one OpenBLAS thread: with its default
    pool, on two cores, its threads spin against the analysis and the NER took ~64 ms, hence
    :func:`blas_single_threaded` in :func:`add_learned_pipe`. Decoding does not use spaCy's
    transition loop, whose small per-step products go through thinc's C-level ``CBlas``
    (BLIS) whatever the ops: :mod:`gateway.redaction.ner_decode` scores the tokens with numpy."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for node in model.walk():
        node.ops = ops


class LearnedRecognizer(EntityRecognizer):
    """Presidio recognizer that runs the learned NER on the analysed text's tokens."""

    def __init__(self, pipe: Any, lexicons: Lexicons) -> None:
        self._ner = greedy_ner(pipe)  # spaCy's decoding, without its per-token loop
        self._lexicons = lexicons
        super().__init__(
            supported_entities=sorted(pipe.labels),
            supported_language="fr",
            name="LearnedRecognizer",
        )

    def load(self) -> None:
        """Nothing to load: the component comes loaded."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Entities the model finds in the tokens of ``text``."""
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            # Presidio always hands the tokens over; skipping the model silently would let
            # through what only it finds, so the analysis fails closed instead
            raise ValueError("the learned recognizer needs the analysed tokens")
        tokens = nlp_artifacts.tokens
        wanted = set(entities)
        results: list[RecognizerResult] = []
        # the decoder reads the shared Doc and writes nothing to it (no entities set)
        for first, stop, label in decode(self._ner, tokens):
            if label not in wanted:
                continue
            start = tokens[first].idx
            end = tokens[stop - 1].idx + len(tokens[stop - 1].text)
            if label == "PERSON":
                if not plausible_name(text[start:end], self._lexicons):
                    continue
                start, end = trim_name(text, start, end, self._lexicons)
            if vetoed(text, start, end, label):
                continue
            results.append(RecognizerResult(
                entity_type=label, start=start, end=end, score=SCORE,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: "LearnedRecognizer",
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            ))
        return results


def trim_name(text: str, start: int, end: int, lexicons: Lexicons) -> tuple[int, int]:
    """A name span without the ordinary lower-case French words the model sometimes takes
    along after it (« Odile viendra », « Fatou Diallo hier »); lower-case names that are no
    common word (« kone ») and first names (« rose ») stay."""
    words = list(NAME_WORD.finditer(text, start, end))

    def ordinary(word: str) -> bool:
        return word.islower() and not lexicons.is_first_name(word) and lexicons.is_common(word)

    while len(words) > 1 and ordinary(words[-1].group()):
        words.pop()
    return (words[0].start(), words[-1].end()) if words else (start, end)


_FUNCTION_WORDS = frozenset(w.casefold() for w in (*CIVILITIES, *ROLES))


def plausible_name(text: str, lexicons: Lexicons) -> bool:
    """False when every word of a name-like span is an ordinary word (French or English, an
    institution, a role) and none is a known first name: « Appelante », « the », « Loyer »,
    « LISTE DES » are read as names by the model when they stand where names usually stand
    (a table cell, a speaker label, a lowercase message). Initials and unknown words keep the
    span: recall first."""
    words = NAME_WORD.findall(text)
    if not words or "_" in text or "/" in text:  # markup and identifiers: « chat_history »
        return False
    for word in words:
        folded = word.casefold()
        if len(word) == 1 and word.islower():
            continue  # « e.g », « l' »: letters, not initials
        if folded in ENGLISH_STOP_WORDS or folded in FRENCH_STOP_WORDS:
            continue  # function words (« the », « des ») are also first names somewhere
        if len(word) <= 3 and word.isupper():
            return True  # initials, « JB »
        if lexicons.is_first_name(word):
            return True
        if not (lexicons.is_common(word) or folded in _FUNCTION_WORDS or folded in ENGLISH_STOP_WORDS
                or (word.islower() and lexicons.is_english(word))):
            return True
    return False



def model_meta(model_dir: Path = MODEL_DIR) -> dict[str, Any]:
    """What the shipped model was trained on (``meta.json``)."""
    meta: dict[str, Any] = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    return meta
