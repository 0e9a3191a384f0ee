"""Machine-readable zones of passports and identity cards (ICAO 9303): their name fields,
document numbers and birth dates, and the joining of name parts split by MRZ fillers."""

from __future__ import annotations

import re

from gateway.redaction.layout_score import SCORE
from gateway.types import Span

# Machine-readable zones (ICAO 9303): a passport's first line is P, a type letter, the
# issuing state in three letters, then SURNAME<<GIVEN<NAMES padded with fillers; an ID card's
# last line is the name field alone.
_MRZ_PASSPORT_NAMES = re.compile(
    r"^P[A-Z<][A-Z<]{3}(?P<v>[A-Z]+(?:<{1,2}[A-Z]+)*)<*[ \t]*$", re.MULTILINE)
_MRZ_NAME_LINE = re.compile(r"^(?P<v>[A-Z]+<<[A-Z]+(?:<{1,2}[A-Z]+)*)<{3,}[ \t]*$", re.MULTILINE)


def mrz_names(text: str) -> list[Span]:
    """The name field of MRZ lines (30 to 44 characters), wherever the model cut it."""
    found: list[Span] = []
    for pattern in (_MRZ_PASSPORT_NAMES, _MRZ_NAME_LINE):
        for match in pattern.finditer(text):
            if 30 <= len(match.group().strip()) <= 44:
                found.append(Span(match.start("v"), match.end("v"), "PERSON", SCORE))
    return found


# The data line of a passport (TD3, 44 characters): document number + check digit,
# nationality, birth date (YYMMDD) + check digit, sex, expiry + check digit, …; of an ID card
# (TD1, 30 characters): type, state, document number + check digit on the first line, birth
# date + check digit on the second. A field is taken if its ICAO check digit holds, or if the
# line stands beside another MRZ line (OCR and retyping break check digits; a lone line of
# capitals and digits that merely looks like one types nothing).
_MRZ_TD3_DATA = re.compile(
    r"^(?P<doc>[A-Z0-9<]{9})(?P<dc>\d)[A-Z<]{3}(?P<dob>\d{6})(?P<bc>\d)[MFX<]"
    r"\d{6}\d[A-Z0-9<]{14}[\d<]\d[ \t]*$", re.MULTILINE)
_MRZ_TD1_FIRST = re.compile(
    r"^[A-Z][A-Z<][A-Z<]{3}(?P<doc>[A-Z0-9<]{9})(?P<dc>\d)[A-Z0-9<]{15}[ \t]*$", re.MULTILINE)
_MRZ_TD1_SECOND = re.compile(
    r"^(?P<dob>\d{6})(?P<bc>\d)[MFX<]\d{6}\d[A-Z<]{3}[A-Z0-9<]{11}\d[ \t]*$", re.MULTILINE)


def mrz_check_digit(field: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 over digits, letters (A=10…) and fillers (0)."""
    values = [int(c) if c.isdigit() else 0 if c == "<" else ord(c) - 55 for c in field]
    return sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10


def mrz_numbers(text: str) -> list[Span]:
    """The document number and the birth date of MRZ data lines whose check digits hold."""
    found: list[Span] = []
    for pattern in (_MRZ_TD3_DATA, _MRZ_TD1_FIRST, _MRZ_TD1_SECOND):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            beside = _beside_mrz_line(text, match.start(), match.end())
            if "doc" in groups and (beside or mrz_check_digit(groups["doc"]) == int(groups["dc"])):
                end = match.start("doc") + len(groups["doc"].rstrip("<"))
                if end > match.start("doc"):
                    found.append(Span(match.start("doc"), end, "ID_DOCUMENT", SCORE))
            if "dob" in groups and (beside or mrz_check_digit(groups["dob"]) == int(groups["bc"])):
                found.append(Span(match.start("dob"), match.end("dob"), "DATE_OF_BIRTH", SCORE))
    return found


def _beside_mrz_line(text: str, start: int, end: int) -> bool:
    before_end = text.rfind("\n", 0, start)
    before = text[text.rfind("\n", 0, max(before_end, 0)) + 1:max(before_end, 0)]
    after_end = text.find("\n", end + 1)
    after = text[end + 1:after_end if after_end >= 0 else len(text)]
    return any("<<" in line and 25 <= len(line.strip()) <= 50 for line in (before, after))


def join_mrz_parts(text: str, spans: list[Span]) -> list[Span]:
    """Spans of one label separated only by MRZ fillers (``OKONKWO<<CHIDINMA``) become one,
    so no filler shows where a name was cut and how long its parts are."""
    joined: list[Span] = []
    for span in spans:
        last = joined[-1] if joined else None
        gap = text[last.end:span.start] if last else ""
        if last and last.label == span.label and gap and set(gap) == {"<"} and len(gap) <= 3:
            joined[-1] = Span(last.start, span.end, last.label, max(last.score, span.score))
        else:
            joined.append(span)
    return joined
