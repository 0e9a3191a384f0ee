"""Shared vocabulary of the name rules: word tokens, trigger lists and token predicates."""

from __future__ import annotations

import re
from typing import NamedTuple

from spacy.lang.fr.stop_words import STOP_WORDS

from gateway.redaction.lexicons import (
    CIVILITIES,
    ESTABLISHMENTS,
    NON_NAMES,
    PARTICLES,
    ROLES,
    Lexicons,
)

WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
ELISION = re.compile(
    r"^(?:(?:[dljnsmtc]|qu|jusqu|lorsqu|puisqu)['’](?=[A-ZÀ-ÖØ-Þ])|(?:[DLJNSMTC]|QU|Qu)['’](?=[a-zß-ÿ]{2}|[A-ZÀ-Þ]{4,}))"
)
CIVILITY_SET = frozenset(CIVILITIES)
LOWER_CIVILITIES = frozenset({"m", "mme", "mlle", "monsieur", "madame", "mr", "mademoiselle"})
# Words after which a lower-case first name is read as a person in quick notes.
CONTACT_WORDS = frozenset(
    [
        "avec",
        "appeler",
        "rappeler",
        "appel",
        "appelé",
        "appelée",
        "tel",
        "tél",
        "vu",
        "vue",
        "voir",
        "revoir",
        "reçu",
        "reçue",
        "contacter",
        "joindre",
        "prévenir",
        "accompagner",
        "accompagné",
        "accompagnée",
        "pour",
        "chez",
        "et",
        "enfant",
        "enfants",
        "fils",
        "fille",
        "mère",
        "père",
        "frère",
        "sœur",
        "soeur",
    ]
)
ROLE_SET = frozenset(r.casefold() for r in ROLES)
ESTABLISHMENT_SET = frozenset(e.casefold() for e in ESTABLISHMENTS)
AFTER_NAME = re.compile(
    r"^\s*,?\s*(?:\(\s*)?(?:n[ée]e?s?(?:\(e\))?\s+(?:le|en|à|au)\b|né(?:e|s|es)?\b|n[ée]\(e\)|"
    r"[âa]g[ée]e?s?\b|\d{1,2}\s*(?:ans|an|mois|a)\b|\(\s*quelques\s+(?:mois|semaines|jours)|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})",
    re.IGNORECASE,
)
LOWER_AGE = re.compile(
    r"^(?:\s*\(\s*\d{1,2}\s*(?:ans|mois|a)\b|\s*,\s*\d{1,2}\s*ans\b|\s\d{1,2}a\b|\s(?:bb|bébé)\b)"
)
# A time stamp opening a log entry ("21h dylan appelle sa mère").
TIME_BEFORE = re.compile(r"(?:^|\n)\s*\d{1,2}\s?h\s?\d{0,2}\s*:?\s*$")
STOP = frozenset(STOP_WORDS) | {
    "environ",
    "depuis",
    "pendant",
    "durant",
    "enfant",
    "enfants",
    "fils",
    "fille",
}
LONE_CAPS_BEFORE = CONTACT_WORDS | frozenset(
    ["de", "chez", "par", "à", "selon", "signé", "signée", "famille"]
)
VOCATIVE_AFTER = re.compile(
    r",\s*(?:je|j'|tu|t'|peux|pourrais|pourrais-tu|peux-tu|merci|voici|comme|est-ce|as-tu|nous|on|"
    r"ci-joint|suite|pour\s+info)\b|,?\s*$",
    re.IGNORECASE,
)
PHONE_AFTER = re.compile(r"^\s*:?\s*(?:\+|0)\d")
# What ends the text before a word that opens a sentence (or a line, a bullet, a quote).
SENTENCE_END = re.compile(r"(?:^|[.!?:;\n•\-–—*>\"«»(]\s*|\n\s*)$")
_SENTENCE_END_CHARS = frozenset(".!?:;\n•-–—*>\"«»(")


def opens_sentence(text: str, pos: int) -> bool:
    """``SENTENCE_END.search(text[:pos])``, read backwards from ``pos`` over the spaces only:
    the regex searched the whole text before the word, and a note asks for each capitalised
    first name. The text before is empty, or its trailing spaces hold a line break, or the
    last character before them ends a sentence (``\\s`` and :meth:`str.isspace` are the
    same characters)."""
    k = pos
    while k > 0 and text[k - 1].isspace():
        if text[k - 1] == "\n":
            return True
        k -= 1
    if k == 0:
        return pos == 0
    return text[k - 1] in _SENTENCE_END_CHARS


class Tok(NamedTuple):
    """A word of the text (a tuple: a note has hundreds, made on every analysis)."""

    start: int
    end: int
    text: str  # without a trailing dot
    folded: str  # ``text.casefold()``, computed once: the rules read it ~5 times per token


class NameWords:
    """Token predicates over the lexicons, shared by every name rule."""

    def __init__(self, lexicons: Lexicons) -> None:
        self.lexicons = lexicons

    def token(self, match: re.Match[str]) -> Tok:
        """The word token of a ``WORD`` match."""
        return make_token(match, self.lexicons)

    def name_shaped(self, tok: Tok) -> bool:
        """Capitalised or ALL-CAPS, and not an institution/acronym or calendar word."""
        t = tok.text
        return (t[0].isupper() or t.isupper()) and tok.folded not in NON_NAMES and len(t) >= 2

    def strong(self, tok: Tok) -> bool:
        """Name-shaped and not an ordinary French word."""
        return self.name_shaped(tok) and not self.lexicons.is_common(tok.text)

    def after_establishment(self, text: str, toks: list[Tok], i: int) -> bool:
        """``collège Pierre de Ronsard``, ``rue Victor Hugo``: a place, not a person.

        Walks left over the name words glued to ``toks[i]`` (same line, spaces only) and
        looks at the word just before them.
        """
        j = i - 1
        steps = 0
        while j >= 0 and steps < 3 and self.adjacent(text, toks[j], toks[j + 1]):
            if toks[j].folded in ESTABLISHMENT_SET:
                return True
            if not (toks[j].folded in PARTICLES or self.name_shaped(toks[j])):
                return False
            j -= 1
            steps += 1
        return False

    def adjacent(self, text: str, a: Tok, b: Tok) -> bool:
        return 0 < b.start - a.end <= 2 and text[a.end : b.start].strip(" ") == ""

    def extend(
        self, text: str, toks: list[Tok], i: int, marks: list[bool], allow_lower: bool = False
    ) -> None:
        """Mark toks[i] and the name tokens (particles, initials, surnames) right after it."""
        marks[i] = True
        j = i + 1
        while j < len(toks) and j <= i + 4 and self.adjacent(text, toks[j - 1], toks[j]):
            tok = toks[j]
            if tok.folded in PARTICLES and j + 1 < len(toks) and self.name_shaped(toks[j + 1]):
                j += 1
                continue
            if self.name_shaped(tok) or (allow_lower and lower_name(self.lexicons, tok)):
                if tok.folded in CIVILITY_SET or (
                    tok.folded in ROLE_SET and not tok.text[0].isupper()
                ):
                    break
                for k in range(i, j + 1):
                    marks[k] = True
                j += 1
                continue
            break

    # -- rules ------------------------------------------------------------------------


def make_token(match: re.Match[str], lexicons: Lexicons) -> Tok:
    """A word; the dot stays inside the span only for an initial (``F. Diallo``)."""
    word = match.group()
    start = match.start()
    elided = ELISION.match(word) if "'" in word or "’" in word else None  # it needs one
    # "d'Arthur" -> "Arthur"; "J'accompagne", "D'ENTRETIEN" -> the word after the elision,
    # but "N'Diaye", "N'GUESSAN" stay whole (what follows the apostrophe is no French word).
    if elided and (word[0].islower() or lexicons.is_common(word[elided.end() :])):
        start += elided.end()
        word = word[elided.end() :]
    bare = word.rstrip(".")
    end = start + len(word) if len(bare) == 1 else start + len(bare)
    return Tok(start, end, bare, bare.casefold())


def lower_name(lexicons: Lexicons, tok: Tok) -> bool:
    """A lower-case word read as a name after a civility (``mme diallo``, ``m. berger``):
    anything but a grammatical word or a role."""
    if not tok.text.islower() or len(tok.text) < 2 or tok.folded in STOP or tok.folded in ROLE_SET:
        return False
    # "le monsieur crie fort": a conjugated verb is no surname.
    lemmas = lexicons.inflections.get(tok.folded) if tok.folded in lexicons.inflections else None
    return not lemmas or lemmas == [tok.folded]


def upper_context(text: str, tok: Tok) -> bool:
    """True when the surrounding line is itself upper case (a heading, not a surname)."""
    line_start = text.rfind("\n", 0, tok.start) + 1
    line_end = text.find("\n", tok.end)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    letters = list(filter(str.isalpha, line))  # C-level loops: lines can be long
    return (
        len(letters) > len(tok.text) + 3 and sum(map(str.isupper, letters)) / len(letters) > 0.8
    )


def heading_line(text: str, start: int, end: int,
                 lines: dict[tuple[int, int], tuple[int, int]] | None = None) -> bool:
    """True when ``text[start:end]`` stands in a line written in capitals with more words
    than the span (« LISTE DES ENFANTS », « RAPPORT À MONSIEUR LE JUGE DE LA JEUNESSE »).
    ``lines``: the letters and capitals counted so far per line, for a caller asking about
    several spans of one text (a paragraph is one line, read once)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    counts = lines.get((line_start, line_end)) if lines is not None else None
    if counts is None:
        line = text[line_start:line_end]
        letters = list(filter(str.isalpha, line))  # C-level loops: lines can be long
        counts = (len(letters), sum(map(str.isupper, letters)))
        if lines is not None:
            lines[line_start, line_end] = counts
    letters_count, capitals = counts
    span_letters = sum(map(str.isalpha, text[start:end]))
    return letters_count > span_letters + 3 and capitals > 0.8 * letters_count


def runs(text: str, toks: list[Tok], marks: list[bool]) -> list[tuple[int, int]]:
    """Merge marked tokens separated only by spaces/hyphens into spans."""
    spans: list[tuple[int, int]] = []
    for tok, marked in zip(toks, marks):
        if not marked:
            continue
        if spans and text[spans[-1][1] : tok.start] in ("", " ", "-"):
            spans[-1] = (spans[-1][0], tok.end)
        else:
            spans.append((tok.start, tok.end))
    return spans
