"""Variants of hand-written documents: each value replaced by a new random value of the same
label and shape (consistently within a document), and some documents retyped in lowercase or
without accents. The model then learns the contexts and layouts, not the values."""

from __future__ import annotations

import random

from training.redaction import values as v


def _like(rng: random.Random, original: str, label: str) -> str:
    """A new value for ``label`` written in the same case as ``original``."""
    if label == "PERSON":
        letters = [c for c in original if c.isalpha()]
        if len(letters) <= 3 and all(c.isupper() for c in letters):  # initials stay initials
            return original
        words = original.split()
        new = " ".join(v.first_name(rng) if i == len(words) - 1 and len(words) > 1 and w[:1].isupper() and not w.isupper()
                       else v.last_name(rng) if w.isupper() or len(words) > 1 else v.first_name(rng)
                       for i, w in enumerate(words)) if "\n" not in original else original
        if original.islower():
            new = new.lower()
        elif original.isupper():
            new = new.upper()
        return new
    makers = {"PHONE": v.phone, "EMAIL": v.email, "NIR": v.nir, "IBAN": v.iban,
              "CAF_NUMBER": v.caf, "FT_ID": v.ft_id, "ID_DOCUMENT": v.id_document}
    if label in makers and any(c.isdigit() for c in original):
        return makers[label](rng)
    if label == "DATE_OF_BIRTH" and original[:1].isdigit() and len(original) <= 10:
        return v.date(rng, 1945, 2022) if rng.random() < 0.5 else original
    return original  # spoken values, addresses, case references: keep the author's text


def variant(doc: dict, rng: random.Random) -> dict:
    """One augmented copy of ``doc``."""
    text = doc["text"]
    replaced: dict[tuple[str, str], str] = {}
    out: list[str] = []
    entities: list[dict] = []
    pos = 0
    length = 0
    for ent in sorted(doc["entities"], key=lambda e: e["start"]):
        if ent["start"] < pos:
            continue
        before = text[pos:ent["start"]]
        out.append(before)
        length += len(before)
        key = (ent["label"], ent["text"])
        if key not in replaced:
            replaced[key] = _like(rng, ent["text"], ent["label"])
        value = replaced[key]
        entities.append({"start": length, "end": length + len(value), "label": ent["label"],
                         "text": value})
        out.append(value)
        length += len(value)
        pos = ent["end"]
    out.append(text[pos:])
    new_text = "".join(out)
    r = rng.random()
    if r < 0.12:
        new_text = new_text.lower()
    elif r < 0.22:
        stripped = v.strip_accents(new_text)
        if len(stripped) == len(new_text):
            new_text = stripped
    for ent in entities:
        ent["text"] = new_text[ent["start"]:ent["end"]]
    return {"id": doc["id"] + f"~{rng.randint(0, 10**6)}", "kind": doc.get("kind", ""),
            "text": new_text, "entities": entities}
