"""Hand-written training documents in inline markup -> JSONL with character offsets.

Format (one file, many documents)::

    @@@ kind | style, style
    Text with [[PERSON:Fatou Diallo]] and [[NIR:1 83 06 62 193 441 ??]] …

``??`` in a NIR is replaced by its key, ``FR??``/``BE??`` in an IBAN by the ISO check digits.
"""

from __future__ import annotations

import re
from pathlib import Path

LABELS = {
    "PERSON", "PHONE", "EMAIL", "ADDRESS", "NIR", "IBAN", "CAF_NUMBER", "FT_ID", "ID_DOCUMENT",
    "DATE_OF_BIRTH", "CASE_ID", "LOCATION", "ORGANIZATION", "DATE",
}
ALIASES = {"P": "PERSON", "TEL": "PHONE", "MAIL": "EMAIL", "ADR": "ADDRESS", "CAF": "CAF_NUMBER",
           "FT": "FT_ID", "ID": "ID_DOCUMENT", "DOB": "DATE_OF_BIRTH", "CASE": "CASE_ID",
           "LOC": "LOCATION", "ORG": "ORGANIZATION"}
_SPAN = re.compile(r"\[\[([A-Z_]+)!?:(.*?)\]\]", re.DOTALL)


def nir_key(digits13: str) -> int:
    """The NIR key: 97 - (number mod 97), Corsica 2A/2B read as 19/18."""
    d = digits13.upper().replace("2A", "19", 1).replace("2B", "18", 1)
    return 97 - int(d) % 97


def _fill_nir(value: str) -> str:
    if "??" not in value:
        return value
    digits = re.sub(r"[^0-9AB]", "", value.split("??")[0].upper())
    if len(digits) != 13:
        return value.replace("??", "42")
    return value.replace("??", f"{nir_key(digits):02d}")


def iban_check(country: str, bban: str) -> str:
    """ISO 13616 check digits for ``country`` + ``bban``."""
    moved = re.sub(r"\s", "", bban).upper() + country.upper() + "00"
    number = "".join(str(int(c, 36)) for c in moved)
    return f"{98 - int(number) % 97:02d}"


def _fill_iban(value: str) -> str:
    m = re.match(r"([A-Z]{2})\?\?(.*)", value, re.DOTALL)
    if not m:
        return value
    bban = re.sub(r"[^0-9A-Za-z]", "", m.group(2))
    return f"{m.group(1)}{iban_check(m.group(1), bban)}{m.group(2)}"


def parse_document(body: str) -> tuple[str, list[dict]]:
    """Text and entities of one marked-up document body."""
    out: list[str] = []
    entities: list[dict] = []
    pos = 0
    length = 0
    for m in _SPAN.finditer(body):
        before = body[pos:m.start()]
        out.append(before)
        length += len(before)
        label = ALIASES.get(m.group(1), m.group(1))
        value = m.group(2)
        if label == "NIR":
            value = _fill_nir(value)
        elif label == "IBAN":
            value = _fill_iban(value)
        if label in LABELS and value.strip():
            entities.append({"start": length, "end": length + len(value), "label": label,
                             "text": value})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(body[pos:])
    text = "".join(out)
    # Leading/trailing whitespace of the document shifts nothing: strip on the right only.
    return text.rstrip(), entities


def parse_file(path: Path) -> list[dict]:
    """Every well-formed document of one markup file (broken ones are skipped)."""
    docs: list[dict] = []
    chunks = re.split(r"^@@@", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    for index, chunk in enumerate(chunks[1:]):
        header, _, body = chunk.partition("\n")
        kind = header.split("|")[0].strip() or "note"
        body = body.lstrip("\n")
        if "[[" in _SPAN.sub("", body) or "]]" in _SPAN.sub("", body):
            continue  # unbalanced markup: drop rather than train on a wrong label
        text, entities = parse_document(body)
        if len(text) >= 40:
            docs.append({"id": f"{path.parent.name}/{path.stem}-{index}", "kind": kind,
                         "text": text, "entities": entities})
    return docs


def parse_dir(folder: Path) -> list[dict]:
    """All documents of the ``*.txt`` files of ``folder``."""
    return [d for p in sorted(folder.glob("*.txt")) for d in parse_file(p)]


def main(argv: list[str] | None = None) -> int:
    """``python -m training.redaction.markup DIR [DIR …] > out.jsonl``: the documents of the
    markup files as JSONL (the evaluation format of ``eval/pii``), e.g. to score the held-out
    set with ``gardefou redact`` and ``score.py``."""
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("dirs", type=Path, nargs="+")
    args = ap.parse_args(argv)
    for folder in args.dirs:
        for doc in parse_dir(folder):
            sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
