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
from spacy.lang.fr.stop_words import STOP_WORDS
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.redaction.lexicons import CIVILITIES, ESTABLISHMENTS, NON_NAMES, ROLES, Lexicons

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
_PARTICLES = frozenset(
    "de du des d' la le van von der den ter dos da das do del della di el al ben bin ibn "
    "abou bou ould mac mc".split()
)
_ELISION = re.compile(
    r"^(?:(?:[dljnsmtc]|qu|jusqu|lorsqu|puisqu)['’](?=[A-ZÀ-ÖØ-Þ])|(?:[DLJNSMTC]|QU|Qu)['’](?=[a-zß-ÿ]{2}|[A-ZÀ-Þ]{4,}))"
)
_CIVILITIES = frozenset(CIVILITIES)
_LOWER_CIVILITIES = frozenset({"m", "mme", "mlle", "monsieur", "madame", "mr", "mademoiselle"})
# Words after which a lower-case first name is read as a person in quick notes.
_CONTACT_WORDS = frozenset(
    "avec appeler rappeler appel appelé appelée tel tél vu vue voir revoir reçu reçue "
    "contacter joindre prévenir accompagner accompagné accompagnée pour chez et "
    "enfant enfants fils fille mère père frère sœur soeur".split()
)
_ROLES = frozenset(r.casefold() for r in ROLES)
_ESTABLISHMENTS = frozenset(e.casefold() for e in ESTABLISHMENTS)
_AFTER_NAME = re.compile(
    r"^\s*,?\s*(?:\(\s*)?(?:n[ée]e?s?(?:\(e\))?\s+(?:le|en|à|au)\b|né(?:e|s|es)?\b|n[ée]\(e\)|"
    r"[âa]g[ée]e?s?\b|\d{1,2}\s*(?:ans|an|mois|a)\b|\(\s*quelques\s+(?:mois|semaines|jours)|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})",
    re.I,
)
_LOWER_AGE = re.compile(r"^(?:\s*\(\s*\d{1,2}\s*(?:ans|mois|a)\b|\s*,\s*\d{1,2}\s*ans\b|\s\d{1,2}a\b)")
_STOP = frozenset(STOP_WORDS) | {"environ", "depuis", "pendant", "durant", "enfant", "enfants", "fils", "fille"}
_PHONE_AFTER = re.compile(r"^\s*:?\s*(?:\+|0)\d")
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
        toks = [self._token(m) for m in _WORD.finditer(text)]
        marks = [False] * len(toks)
        for i in range(len(toks)):
            self._civility_rule(text, toks, i, marks)
            self._role_rule(text, toks, i, marks)
            self._first_name_rule(text, toks, i, marks)
            self._caps_rule(text, toks, i, marks)
            self._context_rule(text, toks, i, marks)
            self._initial_rule(text, toks, i, marks)
            self._lower_first_name_rule(text, toks, i, marks)
        if nlp_artifacts is not None:
            self._ner_rule(text, toks, nlp_artifacts, marks)
        self._enumeration_rule(text, toks, marks)
        self._surname_after_first_name(text, toks, marks)
        return [self._result(s, e) for s, e in _runs(text, toks, marks)]

    def _token(self, match: re.Match[str]) -> _Tok:
        return _token(match, self.lexicons)

    # -- token predicates -------------------------------------------------------------
    def _name_shaped(self, tok: _Tok) -> bool:
        """Capitalised or ALL-CAPS, and not an institution/acronym or calendar word."""
        t = tok.text
        return (t[0].isupper() or t.isupper()) and tok.folded not in NON_NAMES and len(t) >= 2

    def _strong(self, tok: _Tok) -> bool:
        """Name-shaped and not an ordinary French word."""
        return self._name_shaped(tok) and not self.lexicons.is_common(tok.text)

    def _after_establishment(self, text: str, toks: list[_Tok], i: int) -> bool:
        """``collège Pierre de Ronsard``, ``rue Victor Hugo``: a place, not a person.

        Walks left over the name words glued to ``toks[i]`` (same line, spaces only) and
        looks at the word just before them.
        """
        j = i - 1
        steps = 0
        while j >= 0 and steps < 3 and self._adjacent(text, toks[j], toks[j + 1]):
            if toks[j].folded in _ESTABLISHMENTS:
                return True
            if not (toks[j].folded in _PARTICLES or self._name_shaped(toks[j])):
                return False
            j -= 1
            steps += 1
        return False

    def _adjacent(self, text: str, a: _Tok, b: _Tok) -> bool:
        return 0 < b.start - a.end <= 2 and text[a.end : b.start].strip(" ") == ""

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
                if tok.folded in _CIVILITIES or (tok.folded in _ROLES and not tok.text[0].isupper()):
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
        if tok.folded == "m" and tok.text != "M" and text[tok.start + 1 : tok.start + 2] != ".":
            return
        j = i + 1
        if j < len(toks) and toks[j].text[:1].isupper() and toks[j].folded in _PARTICLES and toks[j].start - tok.end <= 2:
            after = toks[j + 1] if j + 1 < len(toks) else None
            if after is None or not self._adjacent(text, toks[j], after) or not self._name_shaped(after):
                marks[j] = True  # "Mme Le, au …", "M. Le reconnaît": the particle is the surname
                return
        while j < len(toks) and (toks[j].folded in _PARTICLES and j + 1 < len(toks) or len(toks[j].text) == 1 and toks[j].text.isupper()):
            j += 1
        if j >= len(toks) or not self._adjacent(text, toks[j - 1], toks[j]) and j - 1 != i:
            return
        if toks[i + 1].start - tok.end > 3 or text[tok.end : toks[i + 1].start].strip(" .") != "":
            return  # "Madame, Monsieur,\nSuite à …": no name after the civility
        nxt = toks[j]
        if nxt.folded in _CIVILITIES or nxt.folded in _ROLES:
            return
        lower_ok = tok.text[0].islower()
        if lower_ok and tok.folded not in _LOWER_CIVILITIES:
            return  # "pr" (pour), "me" (pronoun), "dr" are civilities only when capitalised
        if self._name_shaped(nxt) or (lower_ok and _lower_name(self.lexicons, nxt)):
            self._extend(text, toks, i + 1 if j > i + 1 else j, marks, allow_lower=lower_ok)
            for k in range(i + 1, j):
                marks[k] = True

    def _role_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        if toks[i].folded not in _ROLES or i + 1 >= len(toks):
            return
        k = i + 1
        while k + 1 < len(toks) and toks[k].folded in _PARTICLES and toks[k].text.islower() and k < i + 3:
            k += 1  # "la famille dos Santos"
        if k > i + 1 and self._strong(toks[k]) and toks[k].folded not in _CIVILITIES and self._adjacent(text, toks[k - 1], toks[k]):
            if text[toks[i].end : toks[i + 1].start] == " ":
                self._extend(text, toks, i + 1, marks)
                for m in range(i + 1, k + 1):
                    marks[m] = True
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
        k = i + 1
        while k + 1 < len(toks) and toks[k].folded in _PARTICLES and self._adjacent(text, toks[k - 1], toks[k]):
            k += 1  # "Rosa dos Santos"
        next_surname = k < len(toks) and self._strong(toks[k]) and self._adjacent(text, toks[k - 1], toks[k])
        # A common-word first name followed by a capitalised word: "Claire Auger", "Rose Petit".
        next_cap = (
            i + 1 < len(toks) and self._adjacent(text, tok, toks[i + 1]) and self._name_shaped(toks[i + 1])
            and toks[i + 1].text[0].isupper() and toks[i + 1].folded not in _ESTABLISHMENTS
            and toks[i + 1].folded not in _CIVILITIES and toks[i + 1].folded not in _ROLES
            and toks[i + 1].folded not in _STOP
        )
        if common and not (prev_surname or next_surname or next_cap):
            return
        if len(tok.text) < 3 and not (prev_surname or next_surname):
            return
        self._extend(text, toks, i, marks)
        if prev_surname:
            marks[i - 1] = True

    def _initial_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        """``F. Diallo``, ``É. Blanchard``, ``S. Ben Salah``: an initial and a surname."""
        tok = toks[i]
        if len(tok.text) != 1 or not tok.text.isupper() or tok.end - tok.start != 2 or tok.text == "M":
            return  # "M." is Monsieur
        if i + 1 < len(toks) and self._adjacent(text, tok, toks[i + 1]):
            nxt = toks[i + 1]
            if self._name_shaped(nxt) and nxt.folded not in _CIVILITIES and nxt.folded not in _ROLES:
                self._extend(text, toks, i, marks)

    def _lower_first_name_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        """Quick notes in lower case: ``rappeler océane``, ``appeler emmanuel mbemba``."""
        tok = toks[i]
        if not tok.text.islower() or len(tok.text) < 3:
            return
        if tok.start > 0 and text[tok.start - 1].isdigit():
            return  # "15min"
        compact_age = _LOWER_AGE.match(text[tok.end : tok.end + 12])
        if compact_age and tok.folded not in _STOP and not self.lexicons.is_common(tok.text):
            marks[i] = True
            return
        if not self.lexicons.is_first_name(tok.text) or self.lexicons.is_common(tok.text):
            return
        if self._after_establishment(text, toks, i):
            return
        surname = False
        if i + 1 < len(toks) and self._adjacent(text, tok, toks[i + 1]):
            nxt = toks[i + 1]
            surname = nxt.text.islower() and len(nxt.text) >= 2 and nxt.folded not in _STOP and (
                not self.lexicons.is_common(nxt.text) or self.lexicons.is_first_name(nxt.text)
            )
        after = text[tok.end : tok.end + 16]
        trigger = (i > 0 and toks[i - 1].folded in _CONTACT_WORDS and toks[i - 1].end >= tok.start - 3) or (
            _PHONE_AFTER.match(after) is not None or _AFTER_NAME.match(after) is not None
        )
        if not (trigger or surname):
            return  # "en mai", "une page max": a lexicon hit alone is not enough in lower case
        marks[i] = True
        if surname:
            marks[i + 1] = True

    def _caps_rule(self, text: str, toks: list[_Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if not tok.text.isupper() or not self._name_shaped(tok) or tok.folded in _STOP:
            return
        if tok.folded in _PARTICLES or self._after_establishment(text, toks, i):
            return
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        r = i  # start of the ALL-CAPS run ("LE GOFF", "DE LA FONTAINE")
        while r > 0 and toks[r - 1].text.isupper() and toks[r - 1].folded in _PARTICLES and self._adjacent(text, toks[r - 1], toks[r]):
            r -= 1
        prv = toks[r - 1] if r > 0 else None
        if r < i and prv and self._adjacent(text, prv, toks[r]) and self._name_shaped(prv) and not prv.text.isupper():
            if prv.folded not in _CIVILITIES and prv.folded not in _ROLES and self.lexicons.is_first_name(prv.text):
                for k in range(r - 1, i + 1):
                    marks[k] = True
                return
        if nxt and self._adjacent(text, tok, nxt) and self._name_shaped(nxt) and not nxt.text.isupper() and nxt.folded not in _CIVILITIES:
            self._extend(text, toks, i, marks)  # NOM Prénom
            j = i - 1  # "DE LA FONTAINE Virginie", "EL AMRANI Amina", "LE GALL Sandrine"
            while j >= 0 and toks[j].text.isupper() and toks[j].folded not in NON_NAMES and self._adjacent(text, toks[j], toks[j + 1]):
                if toks[j].folded in _CIVILITIES:
                    break
                marks[j] = True
                j -= 1
        elif prv and self._adjacent(text, prv, tok) and self._name_shaped(prv) and not prv.text.isupper() and prv.folded not in _CIVILITIES:
            if not _SENTENCE_END.search(text[: prv.start]) or self.lexicons.is_first_name(prv.text):
                marks[i - 1] = marks[i] = True  # Prénom NOM
        elif len(tok.text) >= 4 and self._strong(tok) and any(c in "AEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜ" for c in tok.text):
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
        """spaCy PER entities, cut at line breaks and trimmed of common words at both ends
        (NER often glues ``Revoir`` or ``Domicile`` to a name)."""
        for ent in artifacts.entities:
            if ent.label_ != "PERSON":
                continue
            idx = [k for k, t in enumerate(toks) if t.start >= ent.start_char and t.end <= ent.end_char]
            groups: list[list[int]] = []
            for k in idx:
                if groups and self._adjacent(text, toks[groups[-1][-1]], toks[k]):
                    groups[-1].append(k)
                else:
                    groups.append([k])
            for group in groups:
                # A civility or role inside the entity starts the name ("Revoir M. Liu").
                cut = max((n for n, k in enumerate(group) if toks[k].folded in _CIVILITIES or toks[k].folded in _ROLES), default=-1)
                keep = group[cut + 1 :]
                while keep and not self._name_shaped(toks[keep[0]]) and toks[keep[0]].folded not in _PARTICLES:
                    keep.pop(0)
                while keep and not self._name_shaped(toks[keep[-1]]):
                    keep.pop()
                if not keep or all(self.lexicons.is_common(toks[k].text) for k in keep if self._name_shaped(toks[k])):
                    continue  # "Grâce à", "Petit à petit", "Domicile": NER alone is not enough
                if self._after_establishment(text, toks, keep[0]):
                    continue
                for k in range(keep[0], keep[-1] + 1):
                    marks[k] = True

    def _enumeration_rule(self, text: str, toks: list[_Tok], marks: list[bool]) -> None:
        changed = True
        while changed:
            changed = False
            for i, tok in enumerate(toks):
                if marks[i] or not self._name_shaped(tok) or tok.folded in _CIVILITIES or tok.folded in _ROLES:
                    continue
                if not (self._strong(tok) or self.lexicons.is_first_name(tok.text)):
                    continue
                left = i > 0 and marks[i - 1] and text[toks[i - 1].end : tok.start] in (", ", ",")
                right = i + 1 < len(toks) and marks[i + 1] and text[tok.end : toks[i + 1].start] in (", ",)
                # "Matteo et Pierre", "Louise, Chloé et Ambre": the connector is a token itself.
                if i > 1 and toks[i - 1].folded in ("et", "ou") and marks[i - 2]:
                    left = left or (text[toks[i - 2].end : tok.start] == f" {toks[i - 1].text} ")
                if i + 2 < len(toks) and toks[i + 1].folded in ("et", "ou") and marks[i + 2]:
                    right = right or (text[tok.end : toks[i + 2].start] == f" {toks[i + 1].text} ")
                if left or right:
                    marks[i] = changed = True

    def _surname_after_first_name(self, text: str, toks: list[_Tok], marks: list[bool]) -> None:
        """``Jean Blanc``, ``Agathe Leclerc``: a capitalised word right after a marked first
        name is its surname, even when it is also a common word."""
        for i in range(len(toks) - 1):
            tok, nxt = toks[i], toks[i + 1]
            if not marks[i] or marks[i + 1] or not self.lexicons.is_first_name(tok.text):
                continue
            if not self._adjacent(text, tok, nxt) or not self._name_shaped(nxt):
                continue
            if nxt.folded in _CIVILITIES or nxt.folded in _ROLES or nxt.folded in _ESTABLISHMENTS:
                continue
            marks[i + 1] = True

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity_type="PERSON", start=start, end=end, score=0.85,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def _token(match: re.Match[str], lexicons: Lexicons) -> _Tok:
    """A word; the dot stays inside the span only for an initial (``F. Diallo``)."""
    word = match.group()
    start = match.start()
    elided = _ELISION.match(word)
    # "d'Arthur" -> "Arthur"; "J'accompagne", "D'ENTRETIEN" -> the word after the elision,
    # but "N'Diaye", "N'GUESSAN" stay whole (what follows the apostrophe is no French word).
    if elided and (word[0].islower() or lexicons.is_common(word[elided.end() :])):
        start += elided.end()
        word = word[elided.end() :]
    bare = word.rstrip(".")
    end = start + len(word) if len(bare) == 1 else start + len(bare)
    return _Tok(start, end, bare)


def _lower_name(lexicons: Lexicons, tok: _Tok) -> bool:
    """A lower-case word read as a name after a civility (``mme diallo``, ``m. berger``):
    anything but a grammatical word or a role."""
    if not tok.text.islower() or len(tok.text) < 2 or tok.folded in _STOP or tok.folded in _ROLES:
        return False
    # "le monsieur crie fort": a conjugated verb is no surname.
    lemmas = lexicons.inflections.get(tok.folded) if tok.folded in lexicons.inflections else None
    return not lemmas or lemmas == [tok.folded]


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
