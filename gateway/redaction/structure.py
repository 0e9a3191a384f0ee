"""Tables and forms: a column header or a form label types the values under or after it.

Staff paste exports, rosters and forms where a name, a birth date or a CAF number stands in a
cell with no cue word around it (``MARCHAND;Sylvie;04/09/1971;3318207``). The recognizers and the
learned model find most such cells from their shape; what they miss, the layout still says:

- a **header row** (``nom;prenom;date_naiss;num_caf``, ``| Nom | Anniv. | Référent |``) types
  every cell of its column;
- a **form label** (``Nom de naissance : KOLA``, ``Tél. : …``) types the value after it;
- without a known header, a **column vote**: where most cells of a column were found with one
  label, the other cells of that column are that label too.

A typed cell is masked only if its content fits the label (digits for a number, name words for a
name): a header names a column, not every stray note written in it. Header and label names are
matched whole, after folding case, accents and punctuation, so « Nom de l'école » or « Date du
rendez-vous » type nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from gateway.redaction.birthday_lists import birthday_lists
from gateway.redaction.layout_score import SCORE
from gateway.redaction.learned import plausible_name
from gateway.redaction.lexicons import (
    CIVILITIES,
    ENGLISH_STOP_WORDS,
    FRENCH_STOP_WORDS,
    NON_NAMES,
    ROLES,
    Lexicons,
    strip_accents,
)
from gateway.redaction.mrz import mrz_names, mrz_numbers
from gateway.redaction.recognizers.birth_date import MONTHS
from gateway.redaction.span_index import SpanIndex
from gateway.types import Span

# Folded header or label text -> the label its values carry.
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "nom", "prenom", "prenoms", "nom prenom", "prenom nom", "nom et prenom", "noms",
        "nom de naissance", "nom d usage", "nom de famille", "nom marital", "nom de jeune fille",
        # software keys drop the preposition (« nom_naissance », « nomUsage »)
        "nom naissance", "nom usage", "nom famille", "nom jeune fille",
        # (not « name »: it names things too, in code, YAML and software exports)
        "identite", "surname", "first name", "given name", "given names", "last name",
        "full name", "family name",
    ),
    # Columns of people named by their role: their cells may hold a role word instead
    # (« père », « idem »), so a cell must also look like a name.
    "PERSON_ROLE": (
        "referent", "referente", "educ", "educateur", "educatrice", "enfant", "jeune", "usager",
        "beneficiaire", "resident", "residente", "accomp", "accompagnant", "accompagnante",
        "accompagnateur", "accompagnatrice", "intervenant", "intervenante", "evaluateur",
        "evaluatrice", "redacteur", "redactrice", "auteur", "agent", "conseiller", "conseillere",
        "suivi par", "oriente par", "orientee par", "signataire", "ts", "as", "pro",
    ),
    "DATE_OF_BIRTH": (
        "ne", "nee", "ne le", "nee le", "ne e le", "date de naissance", "naissance", "date naissance",
        "date naiss", "dnaiss", "ddn", "dn", "dob", "date of birth", "birth date",
        "birthdate", "anniv", "anniversaire", "birthday", "date de naiss",
    ),
    "PHONE": (
        "tel", "telephone", "portable", "gsm", "mobile", "phone", "natel", "tel portable",
        "telephone portable", "tel fixe", "fixe", "numero de telephone", "contact tel",
    ),
    "ADDRESS": ("adresse", "address", "domicile", "adresse postale", "adresse actuelle"),
    "CAF_NUMBER": (
        "caf", "num caf", "numero caf", "n caf", "no caf", "allocataire", "n allocataire",
        "numero allocataire", "matricule caf", "num alloc", "n alloc", "no alloc", "alloc",
        "numero alloc", "num allocataire", "id caf",
    ),
    "FT_ID": ("id ft", "identifiant ft", "identifiant france travail", "id france travail"),
    "NIR": (
        "nir", "n ss", "numero de securite sociale", "n securite sociale", "securite sociale",
        "n secu", "secu", "numero secu",
    ),
    "ID_DOCUMENT": (
        "passeport", "passport", "n passeport", "passport no", "titre de sejour",
        "n titre de sejour", "cni", "n cni", "document number", "n piece d identite",
    ),
}
HEADERS: dict[str, str] = {
    words: label for label, names in _HEADER_WORDS.items() for words in names
}
# Headers that type nothing but show a row is a header row (« Lien », « Situation »).
_NEUTRAL_HEADERS = frozenset("""
    lien situation sexe age classe ecole statut suivi observations observation remarques
    remarque commentaire commentaires date heure lieu motif chambre lit nationalite pays
    ville cp code postal role fonction service echeance mesure type notes note objet
""".split())

# A cell made only of these is a remark, not a name (« idem », « voir juge », « the same »).
_FUNCTION_WORDS = FRENCH_STOP_WORDS | ENGLISH_STOP_WORDS | frozenset(
    "idem voir oui non see same yes no".split())
_EMPTY_CELL = re.compile(
    r"[\s\-–—?/.x*]*|(?i:n[ée]ant|inconnue?|nc|n/?a|none|aucun|sdf|refuse|\(refuse\)|"
    r"[àa] compl[ée]ter|non (?:communiqu[ée]e?|renseign[ée]e?|connue?)|ne sait pas|idem)")
_DATE_CELL = re.compile(
    r"\s*(?:(?:19|20)\d{2}-\d{1,2}-\d{1,2}|\d{1,2}\s*[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{2,4})?"
    rf"|(?:1er|\d{{1,2}})\s+(?i:{MONTHS})(?:\s+\d{{2,4}})?)\s*"
)
_NAME_PREFIX = re.compile(r"[^\W\d_]+(?:(?:['’\-]|\.?\s|\.-|\.)[^\W\d_]+)*\.?")
_CIVILITY_WORD = re.compile(r"([^\W\d_]+)\.?\s+")
# Commas separate cells only under a known header row (prose is full of commas).
# A Markdown rule row (« |---|:--:| »): one character class, linear on any input.
_RULE_ROW = re.compile(r"[\s|:\-]*")
_PIPE = re.compile(r"\|")
# Another « Label : » further on the same line (bounded, so a long line stays linear).
_NEXT_LABEL = re.compile(r"\s[^\W\d_][^\W\d_'’ ()]{1,25}(?:\s?\([^)\n]{0,40}\))?\s{0,3}:")
# « name: str », « title: Build » — code and YAML keys are no form labels.
_INDENTED_KEY = re.compile(r"[ \t]+[\w\-]+[ \t]*:")
_DELIMITERS = ("|", ";", "\t", ",", "  ")
_ALIGNED = re.compile(r" {2,}")
_FORM_FIELD = re.compile(
    r"(?:^|(?<=\s\s)|(?<=\t)|(?<=\|))[ \t]*([^\W\d_][^:\n|;]{0,40}?)[ \t]*:[ \t]*(?=\S)",
    re.MULTILINE,
)
_FIELD_END = re.compile(r" {2,}|\t|\s\|\s?|;|$", re.MULTILINE)


_INITIALS = re.compile(r"[A-Z]{2,3}")  # « AM », « JPL » in a column of people: not « am »
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
# A software export's « "key": "value" » (JSON) or « key="value" »: the key names the value.
_KEY_VALUE = re.compile(
    r"""(?:"(?P<qk>[A-Za-z_][\w\- ]{0,30})"|(?<![\w"])(?P<k>[A-Za-z_][\w\-]{0,30}))"""
    r"""\s*[:=]\s*(?:"(?P<v>[^"\n]{1,80})"|'(?P<sv>[^'\n]{1,80})')""")


@dataclass(frozen=True)
class _Cell:
    start: int
    end: int


# A table: its delimiter and its rows of cells.
Table = tuple[str, list[list[_Cell]]]


def fold_header(text: str) -> str:
    """« Né(e) le : » -> ``ne le``; « N° CAF » -> ``n caf``; « date_naiss » -> ``date naiss``;
    « dateNaissance » -> ``date naissance`` (software keys in camel case)."""
    text = _CAMEL.sub(" ", text)
    folded = strip_accents(text.casefold()).replace("(e)", "").replace("(s)", "")
    folded = folded.replace("n°", "n ").replace("nº", "n ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def header_label(text: str) -> str | None:
    """The label a header or form label names, if any (``PERSON_ROLE``: people named by their
    role, whose cells must also look like names)."""
    return HEADERS.get(fold_header(text))


def structure_spans(text: str, spans: list[Span], lexicons: Lexicons,
                    tables: list[Table] | None = None) -> list[Span]:
    """New spans for table cells and form values typed by their header, label or column.

    ``spans`` are what the recognizers found; cells already covered are left to them.
    ``tables``: :func:`find_tables` of ``text``, when the caller already has them.
    """
    index = SpanIndex(spans)
    found: list[Span] = []
    for delimiter, block in find_tables(text) if tables is None else tables:
        found.extend(_typed_columns(text, block, index, lexicons, delimiter))
    found.extend(_form_values(text, index, lexicons))
    found.extend(_key_values(text, index, lexicons))
    found.extend(mrz_names(text))
    found.extend(mrz_numbers(text))
    found.extend(birthday_lists(text))
    return found


def is_column_name(text: str) -> bool:
    """True if ``text`` is a known column or form-label name (« Téléphone », « Lien »)."""
    folded = fold_header(text)
    return folded in HEADERS or folded in _NEUTRAL_HEADERS


def header_cells(text: str, tables: list[Table] | None = None) -> list[tuple[int, int]]:
    """Cells of a table's first row that are known column names (« PRENOM », « Lien »), in a
    row holding two of them or more: a column's name, never a value, whatever the model reads
    in it. The row's other cells may be values (« | Nom | Dupont | Prénom | Julie | » in a
    form laid out as a table) and keep their spans. ``tables``: as in
    :func:`structure_spans`."""
    cells: list[tuple[int, int]] = []
    for _, block in find_tables(text) if tables is None else tables:
        header = [fold_header(text[c.start:c.end]) for c in block[0]]
        named = [(c.start, c.end) for c, h in zip(block[0], header)
                 if h in HEADERS or h in _NEUTRAL_HEADERS]
        if len(named) >= 2:
            cells.extend(named)
    return cells


def find_tables(text: str) -> list[Table]:
    """The tables of ``text``, each with its delimiter: blocks of at least two consecutive
    lines split into the same number (≥ 2) of cells by one delimiter (Markdown separator
    rows skipped)."""
    return list(_tables(text))


def _tables(text: str) -> Iterator[Table]:
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    for delimiter in _DELIMITERS:
        block: list[list[_Cell]] = []
        for start, end in lines:
            line = text[start:end]
            if delimiter == "|" and block and "|" in line and _RULE_ROW.fullmatch(line):
                continue  # the Markdown row under the header
            row = _split(text, start, end, delimiter)
            if row is None:
                if len(block) >= 2:
                    yield delimiter, block
                block = []
                continue
            if block and len(row) != len(block[0]):
                if len(block) >= 2:
                    yield delimiter, block
                block = []
            block.append(row)
        if len(block) >= 2:
            yield delimiter, block


def _split(text: str, start: int, end: int, delimiter: str) -> list[_Cell] | None:
    line = text[start:end]
    if delimiter == "|":
        if _RULE_ROW.fullmatch(line) or line.count("|") < 2:
            return None  # a Markdown separator row, or not a table row
        body_start = start + (len(line) - len(line.lstrip()))
        body_end = start + len(line.rstrip())
        if text[body_start] == "|":
            body_start += 1
        if body_end > body_start and text[body_end - 1] == "|":
            body_end -= 1
        pieces = _pieces(text, body_start, body_end, _PIPE)
    elif delimiter == "  ":
        body_start = start + (len(line) - len(line.lstrip()))
        pieces = _pieces(text, body_start, start + len(line.rstrip()), _ALIGNED)
    elif delimiter in ",;":
        if delimiter not in line:
            return None
        pieces = _csv_pieces(text, start, end, delimiter)
    else:
        if delimiter not in line:
            return None
        pieces = _pieces(text, start, end, re.compile(re.escape(delimiter)))
    return pieces if len(pieces) >= 2 else None


def _csv_pieces(text: str, start: int, end: int, delimiter: str) -> list[_Cell]:
    """Cells of a CSV line; a delimiter inside double quotes belongs to its cell."""
    cells: list[_Cell] = []
    pos = start
    if text.find('"', start, end) < 0:
        # no quotes (prose, most lines): every delimiter splits, found by str.find in C
        # rather than by the character loop below
        cut = text.find(delimiter, start, end)
        while cut >= 0:
            cells.append(_trim(text, pos, cut))
            pos = cut + 1
            cut = text.find(delimiter, pos, end)
        cells.append(_trim(text, pos, end))
        return cells
    quoted = False
    for i in range(start, end):
        if text[i] == '"':
            quoted = not quoted
        elif text[i] == delimiter and not quoted:
            cells.append(_trim(text, pos, i))
            pos = i + 1
    cells.append(_trim(text, pos, end))
    return cells


def _pieces(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[_Cell]:
    cells: list[_Cell] = []
    pos = start
    for match in separator.finditer(text, start, end):
        cells.append(_trim(text, pos, match.start()))
        pos = match.end()
    cells.append(_trim(text, pos, end))
    return cells


def _trim(text: str, start: int, end: int) -> _Cell:
    while start < end and text[start] in " \t\r\"'":
        start += 1
    while end > start and text[end - 1] in " \t\r\"'":
        end -= 1
    return _Cell(start, end)


def _typed_columns(
    text: str, block: list[list[_Cell]], index: SpanIndex, lexicons: Lexicons, delimiter: str
) -> list[Span]:
    header = [fold_header(text[c.start:c.end]) for c in block[0]]
    known = sum(1 for h in header if h in HEADERS or h in _NEUTRAL_HEADERS)
    is_header = known >= 2
    if delimiter == "," and not is_header:
        return []
    rows = block[1:] if is_header else block
    # A first row where nothing was found may be a header we do not know, or a row the
    # analysis missed: it does not vote, but its cells are typed as untrusted ones (a name
    # that is also an ordinary word, « Résident », stays clear).
    unknown_first = not is_header and not any(index.covers(c.start, c.end) for c in block[0])
    voters = rows[1:] if unknown_first else rows
    found: list[Span] = []
    for column in range(len(block[0])):
        cells = [row[column] for row in rows if row[column].end > row[column].start]
        label = HEADERS.get(header[column]) if is_header else None
        trusted = label is not None and label != "PERSON_ROLE"
        if label == "PERSON_ROLE":
            label = "PERSON"
        if label is None and delimiter != "  ":  # aligned text is too loose a grid to vote
            label, trusted = _column_vote(
                [row[column] for row in voters if row[column].end > row[column].start], index)
        if label is None:
            continue
        for cell in cells:
            if not index.covers(cell.start, cell.end):
                first = unknown_first and cell is block[0][column]
                span = _fit(text, cell.start, cell.end, label, lexicons, trusted and not first)
                if span is not None:
                    found.append(span)
                    index.add(span)
    return found


def _column_vote(cells: list[_Cell], index: SpanIndex) -> tuple[str | None, bool]:
    """The label most cells of a column carry, if at least three and two thirds of them do;
    and whether the vote is as strong as a header (four cells and four in five agree: a
    column of first names where one is also a word, « Divine », is a column of names)."""
    votes: dict[str, int] = {}
    for cell in cells:
        labels = {s.label for s in index.overlapping(cell.start, cell.end)}
        if len(labels) == 1:
            label = labels.pop()
            votes[label] = votes.get(label, 0) + 1
    if not votes:
        return None, False
    label, count = max(votes.items(), key=lambda kv: kv[1])
    if count < 3 or count * 3 < len(cells) * 2:
        return None, False
    return label, count >= 4 and count * 5 >= len(cells) * 4


def _form_values(text: str, index: SpanIndex, lexicons: Lexicons) -> list[Span]:
    found: list[Span] = []
    for match in _FORM_FIELD.finditer(text):
        label = header_label(match.group(1))
        if label is None:
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if _INDENTED_KEY.match(text, line_start):
            continue  # an indented « key: value » is code or YAML
        start = match.end()
        end_match = _FIELD_END.search(text, start)
        end = end_match.start() if end_match else len(text)
        # « Nom : HOARAU Prénom : Kélyan » on one line: the value stops before the next label.
        nested = _NEXT_LABEL.search(text, start, end)
        if nested:
            end = nested.start()
        span = _labelled_value(text, _trim(text, start, end), label, index, lexicons)
        if span is not None:
            found.append(span)
    return found


def _key_values(text: str, index: SpanIndex, lexicons: Lexicons) -> list[Span]:
    """Quoted values of known keys in JSON and key="value" exports (``"prenom": "Précieuse"``,
    ``"dateNaissance": "2019-04-02"``)."""
    found: list[Span] = []
    for match in _KEY_VALUE.finditer(text):
        label = header_label(match.group("qk") or match.group("k"))
        if label is None:
            continue
        value = "v" if match.group("v") is not None else "sv"
        cell = _trim(text, match.start(value), match.end(value))
        span = _labelled_value(text, cell, label, index, lexicons)
        if span is not None:
            found.append(span)
    return found


def _labelled_value(
    text: str, cell: _Cell, label: str, index: SpanIndex, lexicons: Lexicons
) -> Span | None:
    """The span of a value named by a form label or a key (``label`` as :func:`header_label`
    gives it), if nothing covers it yet and it fits; added to ``index``."""
    if cell.end <= cell.start or index.covers(cell.start, cell.end):
        return None
    trusted = label != "PERSON_ROLE"
    label = "PERSON" if label == "PERSON_ROLE" else label
    span = _fit(text, cell.start, cell.end, label, lexicons, trusted)
    if span is not None:
        index.add(span)
    return span


def _fit(
    text: str, start: int, end: int, label: str, lexicons: Lexicons, trusted: bool = True
) -> Span | None:
    """The part of a typed cell that holds a value of ``label``, if its content fits.

    ``trusted``: the label comes from a header or a form label, which names the value even when
    it is also an ordinary word (« MARCHAND », « Blanche »); a column vote is weaker evidence."""
    value = text[start:end]
    if _EMPTY_CELL.fullmatch(value):
        return None
    digits = sum(ch.isdigit() for ch in value)
    if label == "PERSON":
        return _name_in(text, start, end, lexicons, trusted)
    if label == "DATE_OF_BIRTH":
        return Span(start, end, label, SCORE) if _DATE_CELL.fullmatch(value) else None
    if label == "PHONE":
        return Span(start, end, label, SCORE) if 8 <= digits <= 15 else None
    if label == "ADDRESS":
        return Span(start, end, label, SCORE) if digits and len(value) >= 8 else None
    # Numbers and references: a few digits at least, no prose.
    if digits >= 4 and len(value.split()) <= 6:
        return Span(start, end, label, SCORE)
    return None


def _name_in(
    text: str, start: int, end: int, lexicons: Lexicons, trusted: bool
) -> Span | None:
    """The name at the head of a cell (« Pierre (nouveau) » -> « Pierre »), civility skipped,
    if its words could be a name: not only function words, and under a weaker cue not only
    ordinary words."""
    if any(ch.isdigit() for ch in text[start:end]):
        return None
    civility = _CIVILITY_WORD.match(text, start, end)
    while civility and civility.group(1).casefold() in CIVILITIES:
        start = civility.end()
        civility = _CIVILITY_WORD.match(text, start, end)
    match = _NAME_PREFIX.match(text, start, end)
    if match is None:
        return None
    name_end = match.end()
    if text[name_end - 1] == "." and not re.search(r"(?:^|[\s.\-])[^\W\d_]\.$", match.group()):
        name_end -= 1  # a full stop after a word, not an initial
    name = text[match.start():name_end]
    words = name.split()
    if len(words) > 4:
        return None
    if all((w.casefold().strip(".") in _FUNCTION_WORDS and not _INITIALS.fullmatch(w))
           or w.casefold() in ROLES or w.casefold() in NON_NAMES for w in words):
        return None  # « idem », « père », « la mère », « Mission locale »
    if not trusted and not plausible_name(name, lexicons) and not _INITIALS.fullmatch(name):
        return None
    return Span(match.start(), name_end, "PERSON", SCORE)


__all__ = ["HEADERS", "Table", "find_tables", "fold_header", "header_cells", "header_label",
           "is_column_name", "structure_spans"]
