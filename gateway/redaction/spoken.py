"""Numbers said in French words, read as digits (voice memos, call transcripts).

« zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit » is a phone number and
« né le trois mars deux mille huit » a birth date: the recognizers, which look for digits,
see them as ``06 12 34 56 78`` and ``3 mars 2008`` in the normalised view (``normalize.py``
maps every digit back to the words it came from). Belgian and Swiss forms (septante,
huitante, octante, nonante) are read too. Only dictated runs are rewritten — three numbers or
more in a row, or a day or year next to a month name — so « deux enfants » stays as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"zéro": 0, "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
          "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11,
          "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
          "premier": 1, "1er": 1}
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
         "soixante": 60, "septante": 70, "huitante": 80, "octante": 80, "nonante": 90}
_WORDS = set(_UNITS) | set(_TENS) | {"cent", "cents", "mille", "et"}
MONTHS = ("janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août",
          "aout", "septembre", "octobre", "novembre", "décembre", "decembre")
# A number word, possibly hyphenated (« quatre-vingt-dix-huit »).
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+|[^\w\s]", re.UNICODE)
_GAP = re.compile(r"[\s,.;:…–—-]*")


@dataclass(frozen=True)
class Spoken:
    """A run of words ``[start, end)`` of the text and how it is written (digits, letters, an address)."""

    start: int
    end: int
    written: str


def _parse(groups: list[list[str]]) -> list[list[int]]:
    """Split dictated word groups into numbers. A hyphenated group is one number
    (« soixante-dix-huit » = 78); separate words join the French way (« vingt et un »,
    « deux mille huit », « cent douze ») and otherwise start a new number (« six douze »)."""
    numbers: list[list[int]] = []
    current: list[int] = []
    for group in groups:
        values = [int(w) if w.isdigit() else
                  _UNITS.get(w, _TENS.get(w, 100 if w.startswith("cent") else 1000))
                  for w in group if w != "et"]
        if not values:
            continue
        if current and (values[0] == 0 or current == [0] or len(group) == 1 and group[0].isdigit()
                        or not _combines(current, values[0])):
            numbers.append(current)
            current = []
        current.extend(values)
    if current:
        numbers.append(current)
    return numbers


def _combines(parts: list[int], value: int) -> bool:
    """Whether a separate word of ``value`` continues the number made of ``parts``."""
    last = parts[-1]
    if value in (100, 1000):
        return last < 100 or last == 1000
    if last in (100, 1000):
        return True
    if last in (20, 30, 40, 50, 70, 90):
        return value < 10
    if last in (60, 80):
        return value < 20
    return False


def _value(parts: list[int]) -> int:
    total, current = 0, 0
    for i, p in enumerate(parts):
        if p == 1000:
            total += (current or 1) * 1000
            current = 0
        elif p == 100:
            current = (current or 1) * 100
        elif p == 20 and i > 0 and parts[i - 1] == 4:
            current = current - 4 + 80
        else:
            current += p
    return total + current


def _is_number_word(folded: str) -> bool:
    """« quatre », « quatre-vingt-dix-huit »; not « et » alone."""
    if "-" not in folded:
        return folded in _WORDS and folded != "et"
    return all(p in _WORDS for p in folded.split("-"))


def find_spoken(text: str) -> list[Spoken]:
    """Dictated numbers in ``text`` (see module docstring)."""
    tokens = [(m.start(), m.end(), m.group().casefold()) for m in _TOKEN.finditer(text)]
    # whether each token is a number word, worked out once (the scan asks up to four times)
    words = [_is_number_word(folded) for _, _, folded in tokens]

    def is_number(k: int) -> bool:
        # Digits said between words (« 1, quatre-vingt-huit, zéro cinq… ») belong to the run.
        return words[k] or (tokens[k][2].isdigit() and len(tokens[k][2]) <= 4 and (
            (k + 2 < len(tokens) and words[k + 2]) or (k + 1 < len(tokens) and words[k + 1])))

    found: list[Spoken] = []
    i = 0
    while i < len(tokens):
        if not is_number(i):
            i += 1
            continue
        j = i
        groups: list[list[str]] = []
        # Extend over number words and the punctuation people dictate with.
        while j < len(tokens):
            if is_number(j) or (tokens[j][2] == "et" and groups):
                groups.append(tokens[j][2].split("-"))
                j += 1
            elif tokens[j][2] in (",", ".", "-", "…", "–") and j + 1 < len(tokens) and is_number(j + 1):
                j += 1
            else:
                break
        numbers = _parse(groups)
        start, end = tokens[i][0], tokens[j - 1][1]
        before = tokens[i - 1][2] if i > 0 else ""
        after = tokens[j][2] if j < len(tokens) else ""
        if len(numbers) >= 3:
            digits = _digits(numbers)
            if before == "plus":  # « plus trente-deux » = +32
                start, digits = tokens[i - 1][0], "+" + digits
            found.append(Spoken(start, end, digits))
        elif len(numbers) == 1 and (after in MONTHS or before in MONTHS):
            value = _value(numbers[0])
            if (after in MONTHS and 1 <= value <= 31) or (before in MONTHS and value < 2100):
                found.append(Spoken(start, end, str(value)))
        i = max(j, i + 1)
    return found


_SPELLED = re.compile(
    r"(?<![\w'])[A-Z](?: comme [A-ZÀ-Ý][a-zà-ÿ]+)?(?:(?:, ?| - |-| )[A-Z](?: comme [A-ZÀ-Ý][a-zà-ÿ]+)?"
    r"(?![\w'])){2,}")
_LETTER = re.compile(r"(?<![\w'])[A-Z](?![\w'])")
_NUMBER_WORD = "(?:{0})(?:-(?:{0}))*".format("|".join(sorted(_WORDS - {"et"}, key=len, reverse=True)))
_EMAIL = re.compile(
    rf"(?P<user>[\w-]+(?: (?:point|tiret|underscore) [\w-]+)*(?: {_NUMBER_WORD})?) arobase "
    r"(?P<domain>[\w-]+(?: point [\w-]+)+)", re.IGNORECASE)
# The literal every match of _EMAIL holds, with _EMAIL's flags (so « AROBASE », and « ſ » for
# « s » as IGNORECASE reads it, pass as they do there): a search for it costs ~0.002 ms per
# 1,500-character note, _EMAIL ~0.7 ms (it tries its user part at every word).
_EMAIL_WORD = re.compile(" arobase ", re.IGNORECASE)


def find_spelled(text: str) -> list[Spoken]:
    """Names spelled letter by letter (« G, A, S, H, I », « T-R-A-N, D comme Denis »): the
    letters, written as one word."""
    found = []
    for m in _SPELLED.finditer(text):
        letters = _LETTER.findall(re.sub(r" comme [A-ZÀ-Ý][a-zà-ÿ]+", "", m.group()))
        found.append(Spoken(m.start(), m.end(), "".join(letters)))
    return found


def find_spoken_emails(text: str) -> list[Spoken]:
    """E-mail addresses dictated (« sahar point rahimi quatre-vingt-cinq arobase gmail point
    com »), written as an address."""
    if not _EMAIL_WORD.search(text):  # most texts: skip the costly search
        return []
    return [Spoken(m.start(), m.end(), f"{_address_part(m['user'])}@{_address_part(m['domain'])}")
            for m in _EMAIL.finditer(text)]


_SAID_SIGNS = {"point": ".", "tiret": "-", "underscore": "_"}


def _address_part(said: str) -> str:
    """« sahar point rahimi quatre-vingt-cinq » -> ``sahar.rahimi85``."""
    words = said.split()
    out = [_SAID_SIGNS.get(w.casefold(), w) for w in words]
    tail = words[-1].casefold().split("-") if len(words) > 1 else []
    if tail and all(p in _WORDS for p in tail):
        out[-1] = str(_value(_parse([tail])[0]))
    return "".join(out)


def find_all(text: str) -> list[Spoken]:
    """Dictated numbers, spelled names and dictated e-mails, without overlaps, in order."""
    runs = sorted(find_spoken_emails(text) + find_spelled(text), key=lambda r: r.start)
    taken = [(r.start, r.end) for r in runs]
    runs += [r for r in find_spoken(text)
             if not any(a < r.end and r.start < b for a, b in taken)]
    runs.sort(key=lambda r: r.start)
    out: list[Spoken] = []
    for r in runs:
        if not out or r.start >= out[-1].end:
            out.append(r)
    return out


def _digits(numbers: list[list[int]]) -> str:
    """Digits of a dictated run: digits said one by one are glued (« quatre, huit, deux » =
    482), a « zéro » glues to the number after it (« zéro six » = 06), groups are spaced."""
    values = [str(_value(parts)) for parts in numbers]
    if all(len(v) == 1 for v in values):
        return "".join(values)
    groups: list[str] = []
    glue = False
    for v in values:
        if glue:
            groups[-1] += v
        else:
            groups.append(v)
        glue = v == "0"
    return " ".join(groups)
