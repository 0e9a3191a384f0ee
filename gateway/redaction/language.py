"""Which lines of a text are written in English.

French social-work texts carry English passages (a British colleague's mail, a translation
request, a chat front-end's own task prompts). The French name rules read any capitalised
word they do not know as a possible name, which in English is most capitalised words. In
English lines a name needs more evidence (see ``analyzer``); the lines are told apart by
function words, which every sentence has, whatever its topic.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from gateway.redaction.lexicons import ENGLISH_STOP_WORDS, Lexicons
from gateway.redaction.names import NAME_WORD
from gateway.types import Span

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Function words of one language that are not words of the other.
_EN = frozenset("""
    the a an of to in on at for with from by about into over after before and or but if then
    than that this these those there here what which who whom whose when where why how is are
    was were be been being have has had do does did done will would shall should can could may
    might must not no yes you your yours he him his she her hers it its we us our they them
    their i my me mine all any each every some such only own same so very just also as up out
    off again further once please thanks thank dear regards kind best hi hello
""".split()) - {"a", "on", "me", "as", "been", "i"}
_FR = frozenset("""
    le la les un une des du de et ou mais donc car ni que qui quoi dont où ce cet cette ces
    son sa ses mon ma mes ton ta tes notre nos votre vos leur leurs je tu il elle nous vous
    ils elles on se en y est sont était été être avoir ai as avons avez ont pour par avec sans
    sur sous dans chez vers pas ne plus très aussi bien merci bonjour cordialement madame
    monsieur au aux à ça cela ceci lui
""".split())
MIN_WORDS = 4


def english_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the lines written in English. A short line (a heading, a
    signature) takes the language of the text around it."""
    lines: list[tuple[int, int, str | None]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        words = [w.casefold() for w in _WORD.findall(line)]
        lang: str | None = None
        if len(words) >= MIN_WORDS:
            en = sum(w in _EN for w in words)
            fr = sum(w in _FR for w in words)
            if en or fr:  # a line with no function word at all (a heading, a title) follows
                lang = "en" if en > fr else "fr"
        lines.append((pos, pos + len(line), lang))
        pos += len(line)
    ranges: list[tuple[int, int]] = []
    last: str | None = None
    # A short line follows the last decided line, or the next one at the top of the text.
    first = next((lang for _, _, lang in lines if lang), "fr")
    for start, end, lang in lines:
        decided = lang or last or first
        last = decided
        if decided == "en":
            if ranges and ranges[-1][1] == start:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
    return ranges


def inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """True if ``[start, end)`` lies in one of ``ranges``."""
    return any(a <= start and end <= b for a, b in ranges)


_LETTERS = re.compile(r"[^\W\d_]+(?:[ '’-][^\W\d_]+)*")


@functools.lru_cache(maxsize=4096)
def _latin_letter(c: str) -> bool:
    # one name look-up per distinct letter, not per letter of every accented word
    return unicodedata.name(c, "LATIN").startswith("LATIN")


def _latin(word: str) -> bool:
    if word.isascii():
        return True
    # ASCII letters are all LATIN ... LETTER
    return all(_latin_letter(c) for c in word if not c.isascii() and c.isalpha())


def foreign_script_runs(text: str) -> list[tuple[int, int]]:
    """Runs of letters in a non-Latin script (Arabic, Cyrillic, Georgian, Tamil, Dari…)."""
    runs: list[tuple[int, int]] = []
    for m in _LETTERS.finditer(text):
        if len(m.group()) >= 2 and not _latin(m.group()):
            runs.append(m.span())
    return runs


def beside(text: str, run: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """True if ``run`` is written right next to one of ``spans`` (« Maksym (Максим) »,
    « فاطمة بن علي (Fatima Benali) », « Benali – آدم »): only brackets, dashes, colons or
    spaces between them."""
    start, end = run
    for a, b in spans:
        gap = text[b:start] if b <= start else text[end:a] if end <= a else None
        if gap is not None and len(gap) <= 4 and all(c in " ()[]:–-—,/" for c in gap):
            return True
    return False


_TITLE_BEFORE = re.compile(
    r"(?:\b(?:mr|mrs|ms|miss|dr|mme|mlle|m|madame|monsieur|sir|madam)\.?|\bdear)\s*$",
    re.IGNORECASE)


# A capital that is not « I » nor the first letter of a sentence.
_CAPITALISED_WORD = re.compile(r"(?<![.!?]\s)(?<![.!?]\s\s)(?<!^)\b(?!I\b)[A-Z][a-z]", re.MULTILINE)


def writes_capitals(text: str, ranges: list[tuple[int, int]], pos: int) -> bool:
    """True if the English passage around ``pos`` has capitalised words (other than « I »):
    its writer capitalises, so a lower-case word there is no name."""
    for start, end in ranges:
        if start <= pos < end:
            return _CAPITALISED_WORD.search(text, start, end) is not None
    return False


def english_person_span(
    text: str, start: int, end: int, lexicons: Lexicons
) -> tuple[int, int] | None:
    """A name-like span of an English line, trimmed to its name words, or ``None``.

    Words count as name words when they are in no English (nor French) dictionary, or when a
    known first name is written capitalised inside a sentence; a title before the span (« Ms »,
    « Dr ») keeps it whole. « Stock Trends » or « the chat history » in a chat front-end's
    task prompt stay readable; « Hi Sandra, I met » keeps only « Sandra »."""
    if _TITLE_BEFORE.search(text[max(0, start - 8):start]):
        return start, end
    # After a quote or a bracket a capitalised word is a label or a title (« ["General"] »),
    # as at a sentence start: being a first name is no evidence there.
    before = text[:start].rstrip(" ")
    sentence_start = not before or before[-1] in ".!?:\n-#*\"'«“([{"
    words: list[tuple[int, int, bool]] = []  # (start, end, is a name word)
    all_ordinary = True
    all_first_names = True
    for i, match in enumerate(NAME_WORD.finditer(text, start, end)):
        word = match.group()
        if len(word) < 2:
            continue
        english = lexicons.is_english(word)
        ordinary = english or lexicons.is_common(word)
        first_name = (lexicons.is_first_name(word) and word[0].isupper() and not word.isupper()
                      and not (i == 0 and sentence_start))
        all_ordinary = all_ordinary and ordinary
        all_first_names = all_first_names and first_name
        # Edge words trimmed off: English words that are not a first name (« Hi », « met »).
        words.append((*match.span(), lexicons.is_first_name(word) or not english))
    # A first name followed by capitalised words is a full name even when the surname is an
    # English word (« Pupil Daisy Green », « his cousin, Victor Hill », « Tiago Sousa Martins »);
    # up to three words, as longer title-case runs are titles (« the Rose Garden Project »).
    if 2 <= len(words) <= 3 and _first_name_then_surnames(text, words, lexicons, sentence_start):
        return words[0][0], words[-1][1]
    # Dictionary words only (« Stock Trends », « the chat history ») are not a person,
    # unless every word is a first name (« Rose Martin »).
    if not words or (all_ordinary and not all_first_names):
        return None
    kept = [(a, b) for a, b, is_name in words if is_name]
    if not kept:
        return None
    return kept[0][0], kept[-1][1]


def _first_name_then_surnames(
    text: str, words: list[tuple[int, int, bool]], lexicons: Lexicons, sentence_start: bool
) -> bool:
    first = text[words[0][0]:words[0][1]]
    if not (lexicons.is_first_name(first) and first[0].isupper() and not first.isupper()):
        return False
    # At a sentence start (a sign-off line, « To confirm: Leo Baker ») every word has its
    # capital: only a first name that is no English word (« Leo », not « Will ») followed by
    # one surname is evidence (« Austin Public Library » is a place).
    if sentence_start and (lexicons.is_english(first) or len(words) > 2):
        return False
    # Inside a longer run of capitalised words it is a title (« Perfect Chocolate Chip
    # Recipe »); a capitalised word opening the sentence does not count (« Pupil Daisy Green »).
    after = re.match(r"[ \t]+([^\W\d_]+)", text[words[-1][1]:words[-1][1] + 30])
    if after and after.group(1)[0].isupper():
        return False
    before = re.search(r"(^|[.!?\n]\s*)?([^\W\d_]+)[ \t]+$",
                       text[max(0, words[0][0] - 40):words[0][0]])
    if before and before.group(2)[0].isupper() and before.group(1) is None:
        return False
    rest = [text[a:b] for a, b, _ in words[1:]]
    return all(w[0].isupper() and not w.isupper() and w.casefold() not in ENGLISH_STOP_WORDS
               for w in rest)


def foreign_script_names(text: str, spans: list[Span]) -> list[Span]:
    """A name written in its own script next to its transliteration (« Maksym (Максим) »)
    is the same person's name: the French rules cannot read it, its neighbour tells."""
    people = [(s.start, s.end) for s in spans if s.label == "PERSON"]
    if not people:
        return []
    found: list[Span] = []
    for run in foreign_script_runs(text):
        if beside(text, run, people):
            found.append(Span(run[0], run[1], "PERSON", 0.8))
            people.append(run)
    return found
