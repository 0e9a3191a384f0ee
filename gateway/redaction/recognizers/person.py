"""Person names: spaCy's French NER plus general rules, because NER alone misses many.

Rules, each a general mechanism of how French social-work writing names people:
1. a civility (``Mme``, ``M.``, ``Dr``…) introduces a name, in any case (``mme diallo``);
2. a role or kinship word (``la juge``, ``sa fille``, ``famille``) followed by a capitalised word;
3. a known first name (multi-country dictionary) that is not also a common French word,
   extended to the surname(s) around it;
4. ``NOM Prénom`` / ``Prénom NOM`` capitalisation patterns, and long ALL-CAPS words;
5. name-shaped words followed by a birth or age marker (``Aya, née le``, ``Artem (8 ans)``);
6. spaCy ``PER`` entities, filtered (institutions, common words, establishments);
7. enumerations: a capitalised word joined by ``,`` / ``et`` to a name is a name.
Names that are also common words (``Rose``, ``Pierre``, ``Grâce``) need one of rules 1, 2, 5
or 7, or a surname next to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.redaction.lexicons import CIVILITIES, ESTABLISHMENTS, NON_NAMES, ROLES, Lexicons

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
_PARTICLES = frozenset(
    "de du des d' la le van von der den ter dos da das do del della di el al ben bin ibn "
    "abou bou ould mac mc".split()
)
_CIVILITIES = frozenset(CIVILITIES)
_ROLES = frozenset(r.casefold() for r in ROLES)
_ESTABLISHMENTS = frozenset(e.casefold() for e in ESTABLISHMENTS)
_AFTER_NAME = re.compile(
    r"^\s*,?\s*(?:\(\s*)?(?:n[ée]e?s?\b|[âa]g[ée]e?s?\b|\d{1,2}\s*(?:ans|mois|a)\b|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})",
    re.I,
)
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n•\-–—*>\"«(]\s*|\n\s*)$")


@dataclass(frozen=True, slots=True)
class _Tok:
    start: int
    end: int
    text: str  # without a trailing dot

    @property
    def folded(self) -> str:
        return self.text.casefold()


class PersonRecognizer(EntityRecognizer):
    """The gateway's PERSON recognizer (see module docstring for the rules)."""

    def __init__(self, lexicons: Lexicons) -> None:
        self.lexicons = lexicons
        super().__init__(supported_entities=["PERSON"], supported_language="fr", name="PersonRecognizer")

    def load(self) -> None:  # lexicons are injected
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """All name spans of ``text`` (civilities and roles left outside)."""
        toks = [_token(m) for m in _WORD.finditer(text)]
        marks = [False] * len(toks)
        for i in range(len(toks)):
            self._civility_rule(text, toks, i, marks)
            self._role_rule(text, toks, i, marks)
            self._first_name_rule(text, toks, i, marks)
            self._caps_rule(text, toks, i, marks)
            self._context_rule(text, toks, i, marks)
        if nlp_artifacts is not None:
            self._ner_rule(text, toks, nlp_artifacts, marks)
        self._enumeration_rule(text, toks, marks)
        return [self._result(s, e) for s, e in _runs(text, toks, marks)]

    # -- token predicates -------------------------------------------------------------
    def _name_shaped(self, tok: _Tok) -> bool:
        """Capitalised or ALL-CAPS, and not an institution/acronym or calendar word."""
        t = tok.text
        return (t[0].isupper() or t.isupper()) and tok.folded not in NON_NAMES and len(t) >= 2

    def _strong(self, tok: _Tok) -> bool:
        """Name-shaped and not an ordinary French word."""
        return self._name_shaped(tok) and not self.lexicons.is_common(tok.text)

    def _after_establishment(self, text: str, toks: list[_Tok], i: int) -> bool:
        """``collège Pierre de Ronsard``, ``rue Victor Hugo``: a place, not a person."""
        j = i - 1
        while j >= 0 and (toks[j].folded in _PARTICLES or (self._name_shaped(toks[j]) and j >= i - 3)):
            if toks[j].folded in _ESTABLISHMENTS:
                return True
            j -= 1
        return j >= 0 and toks[j].folded in _ESTABLISHMENTS and toks[j].end >= toks[i].start - 40 and (
            toks[i].start - toks[j].end < 3 or all(
                self._name_shaped(t) or t.folded in _PARTICLES for t in toks[j + 1 : i]
            )
        )

    def _adjacent(self, text: str, a: _Tok, b: _Tok) -> bool:
        return 0 < b.start - a.end <= 2 and text[a.end : b.start].strip(" ") in ("", ".") and "\n" not in text[a.end : b.start]

    def _extend(self, text: str, toks: list[_Tok], i: int, marks: list[bool], allow_lower: bool = False) -> None:
        """Mark toks[i] and the name tokens (particles, initials, surnames) right after it."""
        marks[i] = True
        j = i + 1
        while j < len(toks) and j <= i + 4 and self._adjacent(text, toks[j - 1], toks[j]):
            tok = toks[j]
            if tok.folded in _PARTICLES and j + 1 < len(toks) and self._name_shaped(toks[j + 1]):
                j += 1
                continue
            if self._name_shaped(tok) or (allow_lower and _lower_name(self.lexicons, tok)):
                if tok.folded in _CIVILITIES or tok.folded in _ROLES:
                    break
                for k in range(i, j + 1):
                    marks[k] = True
                j += 1
                continue
            break

    # -- rules ------------------------------------------------------------------------
    def _civility_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if tok.folded not in _CIVILITIES and tok.folded + "." not in _CIVILITIES:
            return
        # "M" alone must be followed by a dot or be upper case to count ("M Diallo", "M. Diallo").
        if tok.folded == "m" and tok.text != "M":
            return
        j = i + 1
        while j < len(toks) and (toks[j].folded in _PARTICLES and j + 1 < len(toks) or len(toks[j].text) == 1 and toks[j].text.isupper()):
            j += 1
        if j >= len(toks) or not self._adjacent(text, toks[j - 1], toks[j]) and j - 1 != i:
            return
        if toks[j].start - tok.end > 3:
            return
        nxt = toks[j]
        if nxt.folded in _CIVILITIES or nxt.folded in _ROLES:
            return
        lower_ok = tok.text[0].islower()
        if self._name_shaped(nxt) or (lower_ok and _lower_name(self.lexicons, nxt)):
            self._extend(text, toks, i + 1 if j > i + 1 else j, marks, allow_lower=lower_ok)
            for k in range(i + 1, j):
                marks[k] = True

    def _role_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        if toks[i].folded not in _ROLES or i + 1 >= len(toks):
            return
        nxt = toks[i + 1]
        if nxt.start - toks[i].end > 2 or not self._name_shaped(nxt):
            return
        if nxt.folded in _CIVILITIES or nxt.folded in _ROLES or nxt.folded in _ESTABLISHMENTS:
            return
        if text[toks[i].end : nxt.start] not in (" ", " :", ": "):
            return
        self._extend(text, toks, i + 1, marks)

    def _first_name_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if not self._name_shaped(tok) or not self.lexicons.is_first_name(tok.text):
            return
        if self._after_establishment(text, toks, i):
            return
        common = self.lexicons.is_common(tok.text)
        prev_surname = i > 0 and toks[i - 1].text.isupper() and self._strong(toks[i - 1]) and self._adjacent(text, toks[i - 1], tok)
        next_surname = i + 1 < len(toks) and self._strong(toks[i + 1]) and self._adjacent(text, tok, toks[i + 1])
        if common and not (prev_surname or next_surname):
            return
        if len(tok.text) < 3 and not (prev_surname or next_surname):
            return
        self._extend(text, toks, i, marks)
        if prev_surname:
            marks[i - 1] = True

    def _caps_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if not tok.text.isupper() or not self._strong(tok) or self._after_establishment(text, toks, i):
            return
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prv = toks[i - 1] if i > 0 else None
        if nxt and self._adjacent(text, tok, nxt) and self._name_shaped(nxt) and not nxt.text.isupper():
            self._extend(text, toks, i, marks)  # NOM Prénom
        elif prv and self._adjacent(text, prv, tok) and self._name_shaped(prv) and not prv.text.isupper() and prv.folded not in _CIVILITIES:
            if not _SENTENCE_END.search(text[: prv.start]) or self.lexicons.is_first_name(prv.text):
                marks[i - 1] = marks[i] = True  # Prénom NOM
        elif len(tok.text) >= 4 and any(c in "AEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜ" for c in tok.text):
            # A long ALL-CAPS word that is no word and no acronym: a surname.
            if not (text[max(0, tok.start - 1) : tok.start] == "" or _upper_context(text, tok)):
                marks[i] = True

    def _context_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if not self._name_shaped(tok) or not _AFTER_NAME.match(text[tok.end : tok.end + 20]):
            return
        if self._after_establishment(text, toks, i) or tok.folded in _ROLES or tok.folded in _CIVILITIES:
            return
        marks[i] = True
        j = i - 1  # take the rest of the name before it
        while j >= 0 and self._adjacent(text, toks[j], toks[j + 1]) and (self._strong(toks[j]) or toks[j].folded in _PARTICLES and marks[j + 1]):
            if toks[j].folded in _CIVILITIES or toks[j].folded in _ROLES:
                break
            marks[j] = True
            j -= 1

    def _ner_rule(self, text: str, toks: list[_Tok], artifacts: NlpArtifacts, marks: list[bool]) -> None:
        starts = {t.start: k for k, t in enumerate(toks)}
        for ent in artifacts.entities:
            if ent.label_ != "PERSON":
                continue
            idx = [k for k, t in enumerate(toks) if t.start >= ent.start_char and t.end <= ent.end_char]
            idx = [k for k in idx if toks[k].folded not in _CIVILITIES and toks[k].folded not in _ROLES]
            names = [k for k in idx if self._name_shaped(toks[k])]
            if not names or self._after_establishment(text, toks, names[0]):
                continue
            if all(self.lexicons.is_common(toks[k].text) for k in names):
                continue  # "Grâce à", "Petit à petit": NER alone is not enough
            for k in range(names[0], names[-1] + 1):
                marks[k] = True
        del starts

    def _enumeration_rule(self, text: str, toks: list[_Tok], marks: list[bool]) -> None:
        changed = True
        while changed:
            changed = False
            for i, tok in enumerate(toks):
                if marks[i] or not self._name_shaped(tok) or tok.folded in _CIVILITIES or tok.folded in _ROLES:
                    continue
                if not (self._strong(tok) or self.lexicons.is_first_name(tok.text)):
                    continue
                left = i > 0 and marks[i - 1] and text[toks[i - 1].end : tok.start] in (", ", " et ", " & ", ",", " ou ")
                right = i + 1 < len(toks) and marks[i + 1] and text[tok.end : toks[i + 1].start] in (", ", " et ", " & ")
                if left or right:
                    marks[i] = changed = True

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity_type="PERSON", start=start, end=end, score=0.85,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def _token(match: re.Match[str]) -> _Tok:
    """A word; the dot stays inside the span only for an initial (``F. Diallo``)."""
    word = match.group()
    bare = word.rstrip(".")
    end = match.end() if len(bare) == 1 else match.start() + len(bare)
    return _Tok(match.start(), end, bare)


def _lower_name(lexicons: Lexicons, tok: _Tok) -> bool:
    """A lower-case word read as a name after a civility (``mme diallo``)."""
    return tok.text.islower() and len(tok.text) >= 2 and not lexicons.is_common(tok.text)


def _upper_context(text: str, tok: _Tok) -> bool:
    """True when the surrounding line is itself upper case (a heading, not a surname)."""
    line_start = text.rfind("\n", 0, tok.start) + 1
    line_end = text.find("\n", tok.end)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return len(letters) > len(tok.text) + 3 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _runs(text: str, toks: list[_Tok], marks: list[bool]) -> list[tuple[int, int]]:
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
