"""Person names: spaCy's French NER plus general rules, because NER alone misses many.

Rules, each a general mechanism of how French social-work writing names people:
1. a civility (``Mme``, ``M.``, ``Dr``…) introduces a name, in any case (``mme diallo``);
2. a role or kinship word (``la juge``, ``sa fille``, ``famille``) followed by a capitalised word;
3. a known first name (multi-country dictionary) that is not also a common French word,
   extended to the surname(s) around it;
4. ``NOM Prénom`` / ``Prénom NOM`` capitalisation patterns, and long ALL-CAPS words;
5. name-shaped words followed by a birth or age marker (``Aya, née le``, ``Artem (8 ans)``);
6. spaCy ``PER`` entities, filtered (institutions, common words, establishments), when the
   French package's NER is loaded (it is not by default: ``learned.py`` replaces it);
7. enumerations: a capitalised word joined by ``,`` / ``et`` to a name is a name.
Names that are also common words (``Rose``, ``Pierre``, ``Grâce``) need one of rules 1, 2, 5
or 7, or a surname next to them.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.redaction.lexicons import DETERMINERS, NON_NAMES, PARTICLES, Lexicons
from gateway.redaction.recognizers import person_notes as notes
from gateway.redaction.recognizers.name_words import (
    CIVILITY_SET,
    ESTABLISHMENT_SET,
    LONE_CAPS_BEFORE,
    LOWER_CIVILITIES,
    ROLE_SET,
    STOP,
    WORD,
    NameWords,
    heading_line,
    Tok,
    lower_name,
    opens_sentence,
    runs,
    upper_context,
)


_CIVILITY_STEMS = frozenset(c.rstrip(".") for c in CIVILITY_SET)


class PersonRecognizer(EntityRecognizer):
    """The gateway's PERSON recognizer (see module docstring for the rules)."""

    def __init__(self, lexicons: Lexicons) -> None:
        self.lexicons = lexicons
        self.words = NameWords(lexicons)
        super().__init__(
            supported_entities=["PERSON"], supported_language="fr", name="PersonRecognizer"
        )

    def load(self) -> None:  # lexicons are injected
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """All name spans of ``text`` (civilities and roles left outside)."""
        toks = [self.words.token(m) for m in WORD.finditer(text)]
        marks = [False] * len(toks)
        for i in range(len(toks)):
            self._civility_rule(text, toks, i, marks)
            self._role_rule(text, toks, i, marks)
            self._first_name_rule(text, toks, i, marks)
            self._caps_rule(text, toks, i, marks)
            notes.context_rule(self.words, text, toks, i, marks)
            self._initial_rule(text, toks, i, marks)
            notes.vocative_rule(self.words, text, toks, i, marks)
            notes.lower_first_name_rule(self.words, text, toks, i, marks)
        if nlp_artifacts is not None:
            self._ner_rule(text, toks, nlp_artifacts, marks)
        notes.enumeration_rule(self.words, text, toks, marks)
        notes.surname_after_first_name(self.words, text, toks, marks)
        lines: dict[tuple[int, int], tuple[int, int]] = {}  # this text's lines, counted once
        return [self._result(s, e) for s, e in runs(text, toks, marks)
                if not self._heading_words(text, toks, s, e, lines)]

    def _heading_words(self, text: str, toks: list[Tok], start: int, end: int,
                       lines: dict[tuple[int, int], tuple[int, int]]) -> bool:
        """Capitalised words of a heading line are not names by their case alone: a run
        there is dropped when it holds a function word (« LISTE DES », « DE DOMICILIATION »)
        or only ordinary words (« CONCERNÉS »), unless a civility comes before it or one of
        its words is a first name that is no common word. A surname alone (« VISITE CHEZ
        LES BENALI ») is kept."""
        if not heading_line(text, start, end, lines):
            return False
        inside = [k for k, t in enumerate(toks) if start <= t.start and t.end <= end]
        if not inside:
            return False
        first = inside[0]
        if first > 0 and toks[first - 1].folded.rstrip(".") in _CIVILITY_STEMS:
            return False
        lexicons = self.words.lexicons
        if any(lexicons.is_first_name(toks[k].text) and not lexicons.is_common(toks[k].text)
               for k in inside):
            return False
        return any(toks[k].folded in STOP for k in inside) or all(
            lexicons.is_common(toks[k].text) or toks[k].folded in NON_NAMES for k in inside)

    def _civility_rule(self, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if tok.folded not in CIVILITY_SET and tok.folded + "." not in CIVILITY_SET:
            return
        # "M" alone must be followed by a dot or be upper case to count ("M Diallo", "M. Diallo").
        if tok.folded == "m" and tok.text != "M" and text[tok.start + 1 : tok.start + 2] != ".":
            return
        j = i + 1
        if (
            j < len(toks)
            and toks[j].text[:1].isupper()
            and toks[j].folded in PARTICLES
            and toks[j].start - tok.end <= 2
        ):
            after = toks[j + 1] if j + 1 < len(toks) else None
            if (
                after is None
                or not self.words.adjacent(text, toks[j], after)
                or not self.words.name_shaped(after)
            ):
                marks[j] = True  # "Mme Le, au …", "M. Le reconnaît": the particle is the surname
                return
        while j < len(toks) and (
            toks[j].folded in PARTICLES
            and j + 1 < len(toks)
            or len(toks[j].text) == 1
            and toks[j].text.isupper()
        ):
            j += 1
        if j >= len(toks) or not self.words.adjacent(text, toks[j - 1], toks[j]) and j - 1 != i:
            return
        if toks[i + 1].start - tok.end > 3 or text[tok.end : toks[i + 1].start].strip(" .") != "":
            return  # "Madame, Monsieur,\nSuite à …": no name after the civility
        nxt = toks[j]
        if nxt.folded in CIVILITY_SET or nxt.folded in ROLE_SET:
            return
        lower_ok = tok.text[0].islower()
        if lower_ok and tok.folded not in LOWER_CIVILITIES:
            return  # "pr" (pour), "me" (pronoun), "dr" are civilities only when capitalised
        if self.words.name_shaped(nxt) or (lower_ok and lower_name(self.words.lexicons, nxt)):
            self.words.extend(text, toks, min(j, i + 1), marks, allow_lower=lower_ok)
            for k in range(i + 1, j):
                marks[k] = True

    def _role_rule(self, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
        if toks[i].folded not in ROLE_SET or i + 1 >= len(toks):
            return
        k = i + 1
        while (
            toks[i].folded == "famille"
            and k + 1 < len(toks)
            and toks[k].folded in PARTICLES
            and toks[k].text.islower()
            and k < i + 3
        ):
            k += 1  # "la famille dos Santos"
        if (
            k > i + 1
            and self.words.strong(toks[k])
            and toks[k].folded not in CIVILITY_SET
            and self.words.adjacent(text, toks[k - 1], toks[k])
        ):
            if text[toks[i].end : toks[i + 1].start] == " ":
                self.words.extend(text, toks, i + 1, marks)
                for m in range(i + 1, k + 1):
                    marks[m] = True
            return
        nxt = toks[i + 1]
        if nxt.start - toks[i].end > 2 or not self.words.name_shaped(nxt):
            return
        if nxt.folded in CIVILITY_SET or nxt.folded in ROLE_SET or nxt.folded in ESTABLISHMENT_SET:
            return
        gap = text[toks[i].end : nxt.start]
        # « le père Régis », « la mère : Awa », or a name in apposition, closed after one word
        # (« son père (Régis) », « le papa, Exaucé, passe »): then even an ordinary word.
        apposition = gap in (", ", " (") and text[nxt.end : nxt.end + 1] == (
            "," if gap == ", " else ")")
        if gap not in (" ", " :", ": ") and not apposition:
            return
        self.words.extend(text, toks, i + 1, marks)

    def _first_name_rule(self, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if not self.words.name_shaped(tok) or not self.words.lexicons.is_first_name(tok.text):
            return
        if self.words.after_establishment(text, toks, i):
            return
        common = self.words.lexicons.is_common(tok.text)
        prev_surname = (
            i > 0
            and toks[i - 1].text.isupper()
            and self.words.strong(toks[i - 1])
            and self.words.adjacent(text, toks[i - 1], tok)
        )
        k = i + 1
        while (
            k + 1 < len(toks)
            and toks[k].folded in PARTICLES
            and self.words.adjacent(text, toks[k - 1], toks[k])
        ):
            k += 1  # "Rosa dos Santos"
        next_surname = (
            k < len(toks)
            and self.words.strong(toks[k])
            and self.words.adjacent(text, toks[k - 1], toks[k])
        )
        # A common-word first name followed by a capitalised word: "Claire Auger", "Rose Petit".
        next_cap = (
            i + 1 < len(toks)
            and self.words.adjacent(text, tok, toks[i + 1])
            and self.words.name_shaped(toks[i + 1])
            and toks[i + 1].text[0].isupper()
            and toks[i + 1].folded not in ESTABLISHMENT_SET
            and toks[i + 1].folded not in CIVILITY_SET
            and toks[i + 1].folded not in ROLE_SET
            and toks[i + 1].folded not in STOP
        )
        # Capitalised in the middle of a sentence, a first name is a name even when it is also a
        # common word ("accompagnement par Caroline", "rdv PMI pour Victoire").
        mid_sentence = (
            tok.text[0].isupper()
            and not tok.text.isupper()
            and not opens_sentence(text, tok.start)
        )
        if mid_sentence and (tok.folded in STOP or i == 0 or toks[i - 1].folded in DETERMINERS):
            mid_sentence = False  # "la Victoire", "une Rose des sables", "Elle"
        if mid_sentence and toks[i - 1].end == tok.start - 1 and toks[i - 1].folded not in STOP:
            # Only after a grammatical word or a verb ("par Caroline", "appeler Claire"), not after
            # a noun it would qualify ("carte Vitale").
            lemmas = (
                self.words.lexicons.inflections.get(toks[i - 1].folded)
                if toks[i - 1].folded in self.words.lexicons.inflections
                else None
            )
            mid_sentence = bool(lemmas) and lemmas != [toks[i - 1].folded]
        if common and not (prev_surname or next_surname or next_cap or mid_sentence):
            return
        if len(tok.text) < 3 and not (prev_surname or next_surname):
            return
        self.words.extend(text, toks, i, marks)
        if prev_surname:
            marks[i - 1] = True

    def _initial_rule(self, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
        """``F. Diallo``, ``É. Blanchard``, ``S. Ben Salah``: an initial and a surname."""
        tok = toks[i]
        if (
            len(tok.text) != 1
            or not tok.text.isupper()
            or tok.end - tok.start != 2
            or tok.text == "M"
        ):
            return  # "M." is Monsieur
        if i + 1 < len(toks) and self.words.adjacent(text, tok, toks[i + 1]):
            nxt = toks[i + 1]
            if (
                self.words.name_shaped(nxt)
                and nxt.folded not in CIVILITY_SET
                and nxt.folded not in ROLE_SET
            ):
                self.words.extend(text, toks, i, marks)

    def _caps_rule(self, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
        tok = toks[i]
        if not tok.text.isupper() or not self.words.name_shaped(tok) or tok.folded in STOP:
            return
        if tok.folded in PARTICLES or self.words.after_establishment(text, toks, i):
            return
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        r = i  # start of the ALL-CAPS run ("LE GOFF", "DE LA FONTAINE")
        while (
            r > 0
            and toks[r - 1].text.isupper()
            and toks[r - 1].folded in PARTICLES
            and self.words.adjacent(text, toks[r - 1], toks[r])
        ):
            r -= 1
        prv = toks[r - 1] if r > 0 else None
        if (
            r < i
            and prv
            and self.words.adjacent(text, prv, toks[r])
            and self.words.name_shaped(prv)
            and not prv.text.isupper()
        ) and (
            prv.folded not in CIVILITY_SET
            and prv.folded not in ROLE_SET
            and self.words.lexicons.is_first_name(prv.text)
        ):
            for k in range(r - 1, i + 1):
                marks[k] = True
            return
        if (
            nxt
            and self.words.adjacent(text, tok, nxt)
            and self.words.name_shaped(nxt)
            and not nxt.text.isupper()
            and nxt.folded not in CIVILITY_SET
        ):
            self.words.extend(text, toks, i, marks)  # NOM Prénom
            j = i - 1  # "DE LA FONTAINE Virginie", "EL AMRANI Amina", "LE GALL Sandrine"
            while (
                j >= 0
                and toks[j].text.isupper()
                and toks[j].folded not in NON_NAMES
                and self.words.adjacent(text, toks[j], toks[j + 1])
            ):
                if toks[j].folded in CIVILITY_SET:
                    break
                marks[j] = True
                j -= 1
        elif (
            prv
            and self.words.adjacent(text, prv, tok)
            and self.words.name_shaped(prv)
            and not prv.text.isupper()
            and prv.folded not in CIVILITY_SET
        ):
            if not opens_sentence(text, prv.start) or self.words.lexicons.is_first_name(
                prv.text
            ):
                marks[i - 1] = marks[i] = True  # Prénom NOM
        elif (
            len(tok.text) >= 4
            and self.words.strong(tok)
            and any(c in "AEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜ" for c in tok.text)
            and i > 0
            and toks[i - 1].folded in LONE_CAPS_BEFORE
            and self.words.adjacent(text, toks[i - 1], tok)
            and not upper_context(text, tok)
        ):
            # A lone ALL-CAPS word after a preposition or a contact verb ("rdv avec DIALLO"),
            # not after an article ("une MJIE"): a surname.
            marks[i] = True

    def _ner_rule(
        self, text: str, toks: list[Tok], artifacts: NlpArtifacts, marks: list[bool]
    ) -> None:
        """spaCy PER entities, cut at line breaks and trimmed of common words at both ends
        (NER often glues ``Revoir`` or ``Domicile`` to a name)."""
        for ent in artifacts.entities:
            if ent.label_ != "PERSON":
                continue
            idx = [
                k for k, t in enumerate(toks) if t.start >= ent.start_char and t.end <= ent.end_char
            ]
            groups: list[list[int]] = []
            for k in idx:
                if groups and self.words.adjacent(text, toks[groups[-1][-1]], toks[k]):
                    groups[-1].append(k)
                else:
                    groups.append([k])
            for group in groups:
                # A civility or role inside the entity starts the name ("Revoir M. Liu").
                cut = max(
                    (
                        n
                        for n, k in enumerate(group)
                        if toks[k].folded in CIVILITY_SET or toks[k].folded in ROLE_SET
                    ),
                    default=-1,
                )
                keep = group[cut + 1 :]
                while (
                    keep
                    and not self.words.name_shaped(toks[keep[0]])
                    and toks[keep[0]].folded not in PARTICLES
                ):
                    keep.pop(0)
                while keep and not self.words.name_shaped(toks[keep[-1]]):
                    keep.pop()
                if not keep or all(
                    self.words.lexicons.is_common(toks[k].text)
                    for k in keep
                    if self.words.name_shaped(toks[k])
                ):
                    continue  # "Grâce à", "Petit à petit", "Domicile": NER alone is not enough
                if self.words.after_establishment(text, toks, keep[0]):
                    continue
                for k in range(keep[0], keep[-1] + 1):
                    marks[k] = True

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity_type="PERSON",
            start=start,
            end=end,
            score=0.85,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
