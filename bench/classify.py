"""Offline classification latency on *fresh* ~1,500-character notes (no cache can answer:
every note is new), one process, one thread. Sentences of the LiteLLM harness note (or
--prompt FILE) are shuffled, given new numbers and a different final request, so the text
and memo caches of the classifier miss on every call. Prints p50/p95 in ms; asserts nothing.

    .venv/bin/python bench/classify.py [--n 300] [--prompt FILE]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PROMPT = ROOT.parent / "shared/bench/litellm-anchor/prompt_fr.txt"
ASKS = ("Rédige une synthèse structurée pour la commission.", "Mets ces notes au propre.",
        "Fais une chronologie des faits, sans conclure.",
        "À ton avis, faut-il demander une mesure ?",
        "Prépare les questions de mon prochain entretien.")


def fresh_notes(source: str, n: int, size: int = 1500, seed: int = 13) -> list[str]:
    """``n`` distinct notes of about ``size`` characters built from ``source``'s sentences."""
    rng = random.Random(seed)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", source) if s.strip()]
    notes = []
    for i in range(n):
        rng.shuffle(sentences)
        body = re.sub(r"\d+", lambda m: str(rng.randint(1, 99)), " ".join(sentences))
        ask = ASKS[i % len(ASKS)]
        notes.append(f"{body[: size - len(ask) - 8]} (n° {i})\n{ask}")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--prompt", type=Path, default=DEFAULT_PROMPT)
    args = parser.parse_args()
    from gateway.policy import PolicyStore, classify
    from gateway.policy.model import load_model

    policy = PolicyStore(None).get("default").policy
    load_model()
    notes = fresh_notes(args.prompt.read_text(encoding="utf-8"), args.n)
    classify(policy, [{"role": "user", "content": "Bonjour"}])  # imports, compiled hints
    wall, cpu = [], []
    for note in notes:
        start, start_cpu = time.perf_counter(), time.thread_time()
        classify(policy, [{"role": "user", "content": note}])
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    # CPU time of the thread: the cost on one core, whatever else the machine runs
    for name, times in (("CPU (one core)", cpu), ("wall clock", wall)):
        times.sort()
        print(f"{len(notes)} fresh notes of ~{statistics.mean(map(len, notes)):.0f} characters, "
              f"{name}: p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95)]:.1f} ms")


if __name__ == "__main__":
    main()
