"""The learned NER alone: ms per ~1,500-character note with each thinc backend for its
matrix products and with the gateway's own decoder, interleaved in one process, and whether
the entities are identical.

The tokens are made once (the French tokenizer, as the analyzer does) and each note is
given as a fresh ``Doc`` of them; only the learned component is timed, one note at a time
(spaCy's ``pipe(doc)``, or ``ner_decode.decode``). Prints wall and CPU ms p50/p95 per
backend; asserts nothing.

    .venv/bin/python bench/ner.py [--corpus PATH] [--notes 100] [--rounds 3]

Backends: ``blis`` (thinc's default ``NumpyOps``: BLIS's generic kernels), ``numpy``
(``NumpyOps(use_blis=False)``: numpy's ``dot``, i.e. the OpenBLAS bundled with numpy), both
decoded by spaCy's transition loop; ``decoder``: numpy's products, decoded by
``gateway.redaction.ner_decode`` (what the gateway runs).
``gardefou serve`` runs its analysis processes with ``OPENBLAS_NUM_THREADS=1``: set it here
too to compare like with like (``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/ner.py``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.redaction import DEFAULT_CORPUS, build_notes  # noqa: E402


def set_ops(pipe: Any, use_blis: bool) -> None:
    """Give every node of the component's model the same ops (``use_blis`` or numpy)."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=use_blis)
    for node in pipe.model.walk():
        node.ops = ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from spacy.tokens import Doc

    from gateway.redaction.analyzer import FrenchNerEngine
    from gateway.redaction.learned import add_learned_pipe
    from gateway.redaction.ner_decode import decode, greedy_ner

    engine = FrenchNerEngine()
    engine.load()
    nlp = engine.nlp["fr"]  # type: ignore[index]
    pipe = add_learned_pipe(nlp)
    notes = build_notes(args.corpus, args.notes)
    docs = [nlp.make_doc(note) for note in notes]
    words = [([t.text for t in d], [bool(t.whitespace_) for t in d]) for d in docs]

    ner = greedy_ner(pipe)

    def run(backend: str) -> tuple[list[float], list[float], list[list[tuple[int, int, str]]]]:
        set_ops(pipe, backend == "blis")
        wall: list[float] = []
        cpu: list[float] = []
        ents: list[list[tuple[int, int, str]]] = []
        for w, s in words:
            doc = Doc(nlp.vocab, words=w, spaces=s)
            t0, c0 = time.perf_counter(), time.process_time()
            if backend == "decoder":
                found = decode(ner, doc)
            else:
                found = [(e.start, e.end, e.label_) for e in pipe(doc).ents]
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            ents.append(found)
        return wall, cpu, ents

    backends = ("blis", "numpy", "decoder")
    for backend in backends:  # warm-up
        run(backend)
    wall: dict[str, list[float]] = {name: [] for name in backends}
    cpu: dict[str, list[float]] = {name: [] for name in backends}
    found: dict[str, list[list[tuple[int, int, str]]]] = {}
    for _ in range(args.rounds):
        for name in backends:
            w, c, ents = run(name)
            wall[name] += w
            cpu[name] += c
            found.setdefault(name, ents)
            if found[name] != ents:
                print(f"{name}: entities differ between rounds")

    chars = statistics.mean(len(n) for n in notes)
    print(f"learned NER, {len(notes)} notes of {chars:.0f} characters, {args.rounds} rounds "
          f"interleaved")
    print(f"{'backend':<8} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8} {'CPU p95':>8}  (ms)")
    for name in backends:
        w, c = sorted(wall[name]), sorted(cpu[name])
        print(f"{name:<8} {w[len(w) // 2] * 1e3:9.2f} {w[int(len(w) * 0.95)] * 1e3:9.2f} "
              f"{c[len(c) // 2] * 1e3:8.2f} {c[int(len(c) * 0.95)] * 1e3:8.2f}")
    same = found["blis"] == found["numpy"] == found["decoder"]
    print(f"entities identical across backends: {same}")


if __name__ == "__main__":
    main()
