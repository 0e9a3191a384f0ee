"""Birth dates listed under a heading that says they are birthdays (« Anniversaires du
mois : » then « Kenza  14 mars », « - Yusuf : 29 août »): the heading says it once, each line
gives a name and a day with no cue word of its own."""

from __future__ import annotations

import re

from gateway.redaction.layout_score import SCORE
from gateway.redaction.recognizers.birth_date import MONTHS
from gateway.redaction.regex_guards import guarded
from gateway.types import Span

# A line that says the list under it is of birthdays (« Anniversaires du mois : »,
# « dates de naissance des enfants », « birthdays »), and a date in a list line under it.
# Not « la date anniversaire du contrat », « bon anniversaire Kenza ! », « anniversaire de la
# mesure »: one anniversary, not a list of birthdays.
BIRTHDAY_HEADING = (
    r"(?<!date\s)(?<!\bbon\s)(?<!\bjoyeux\s)"
    r"\b(?:anniversaires|anniversaire(?!\s+(?:de|du|des|d['’]))|anniv\.?|dates?\s+de\s+naissance"
    r"|birthdays?|dates?\s+of\s+birth|n[ée]e?s\s+(?:le|en))\b"
)
# Searched over every text: behind a look-ahead on its first letters (``regex_guards.py``),
# it skips the other positions without trying its three look-behinds there (~3 × faster).
_BIRTHDAY_HEADING = guarded(BIRTHDAY_HEADING, re.IGNORECASE)
_HEADING_MAX_WORDS = 8  # a longer line must end with « : » to announce a list
_LISTED_DATE = re.compile(
    r"(?<![\w/.\-])(?:(?:19|20)\d{2}-\d{2}-\d{2}|\d{1,2}\s?[/.\-]\s?\d{1,2}(?:\s?[/.\-]\s?\d{2,4})?"
    rf"|(?:1er|\d{{1,2}})\s+(?i:{MONTHS})(?:\s+\d{{4}})?)(?![\w/])"
)
_LIST_LINE_MAX = 120
_LIST_WORDS_BEFORE_DATE = 4
_WORD = re.compile(r"[^\W\d_]+")
_LIST_SEPARATOR = re.compile(r"(?:[:\t|;–—(]|\s-|\s{2,})\s*$")


def birthday_lists(text: str) -> list[Span]:
    """Dates in the list under a heading that says they are birthdays: the heading says it
    once, each line gives a name and a day (« Kenza  14 mars », « - Yusuf : 29 août »)."""
    found: list[Span] = []
    for heading in _BIRTHDAY_HEADING.finditer(text):
        pos = text.find("\n", heading.end())
        if pos < 0:
            continue  # nothing under the heading
        line = text[text.rfind("\n", 0, heading.start()) + 1:pos].strip()
        if not line.endswith(":") and len(_WORD.findall(line)) > _HEADING_MAX_WORDS:
            continue  # a sentence that mentions birthdays, not a heading
        if _LISTED_DATE.search(text, heading.end(), pos):
            continue  # the date is on the heading's own line: the recognizers read it there
        blank_lines = 0
        listed = 0
        while pos < len(text):
            start = pos + 1
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            line = text[start:end]
            pos = end
            if not line.strip():
                blank_lines += 1
                if listed or blank_lines > 1:
                    break
                continue
            date = _LISTED_DATE.search(text, start, end)
            # A list line: a name or two, a separator, then the date (« Kenza⇥14 mars »,
            # « - Yusuf : 29 août »), not a sentence that holds a date (« le 12/06 à 16 h »).
            words_before = len(_WORD.findall(text, start, date.start())) if date else 0
            if (date is None or len(line) > _LIST_LINE_MAX
                    or not 1 <= words_before <= _LIST_WORDS_BEFORE_DATE
                    or not _LIST_SEPARATOR.search(text, start, date.start())):
                break
            found.append(Span(date.start(), date.end(), "DATE_OF_BIRTH", SCORE))
            listed += 1
            if pos >= len(text):
                break
    return found
