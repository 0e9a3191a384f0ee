"""Dates of birth, told apart from other dates by what introduces them.

``né le 3 mars 2012``, ``Date de naissance : 12/03/1985``, ``DN 12.03.85``, ``(née le …)``:
only the date is the identifier. Appointment, judgment or letter dates stay readable.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer

MONTHS = (
    r"janv(?:ier|\.)?|f[ée]v(?:rier|r?\.)?|mars|avr(?:il|\.)?|mai|juin|juil(?:let|\.)?|"
    r"ao[uû]t|sept(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?|d[ée]c(?:embre|\.)?"
)
_NUMERIC = r"(?:0?[1-9]|[12]\d|3[01])\s?[/.\-]\s?(?:0?[1-9]|1[0-2])\s?[/.\-]\s?(?:19|20)?\d{2}"
_ISO = r"(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_WORDS = rf"(?:1er|1ᵉʳ|0?[1-9]|[12]\d|3[01])\s+(?:{MONTHS})\s+(?:19|20)\d{{2}}"
_MONTH_YEAR = rf"(?:{MONTHS})\s+(?:19|20)\d{{2}}"
# English and passport dates (« 9 May 2010 », « May 9, 2010 », « 03 JUL 1994 »): a day and a
# year around the month, so « may » alone is never read as a date.
_EN_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_ENGLISH = (
    rf"{_DAY}\s+(?:{_EN_MONTHS})\.?(?:/(?:{MONTHS}))?\s+(?:19|20)\d{{2}}"
    rf"|(?:{_EN_MONTHS})\.?\s+{_DAY},?\s+(?:19|20)\d{{2}}"
)
# A birthday without its year (« son anniversaire, c'est le 14 mars », « née un 3 juin »).
_DAY_MONTH = rf"(?:1er|1ᵉʳ|0?[1-9]|[12]\d|3[01])\s+(?:{MONTHS})|(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])"

_CONTEXT = re.compile(
    r"(?:\bné(?:e|s|es)?\b|\bnee\b|\bne\s+(?:le|en)\b|\bn[ée]\(e\)|naissance|naiss\.|\bD\.?D?\.?N\.?\b|\bborn\b"
    r"|\bD\.?O\.?B\b|\bdate\s+of\s+birth\b|\bbirth\s*date\b"
    # Someone's birthday (not « la date anniversaire de la mesure »).
    r"|\b(?:mon|ton|son|sa|leur|notre|votre)\s+anniv(?:ersaire|\.)?|\bbirthday"
    # An age reached on a day (« 18 ans depuis le 3 avril », « a eu 5 ans le 2 mai »), a
    # childbirth (« a accouché le … » dates the baby's birth).
    # (not a duration: « un CDD de 2 ans depuis le … »)
    r"|(?<!\bde\s)(?<!\bpendant\s)(?<!\bdurant\s)(?<!\bsur\s)(?<!\bpour\s)"
    r"\b\d{1,2}\s+ans\s+(?:depuis\s+(?:le\s+)?|le\s+)"
    r"|\baccouch[ée]e?\s+(?:le|du|en)\s+$)[^\d]{0,30}$",
    re.IGNORECASE,
)
# The cue after the date: « le 25 décembre, c'est son anniversaire », « 3 mai (anniv.) ».
_AFTER = re.compile(
    r"[\s,:;–\-]{0,4}(?:c['’]est|ce\s+sera|est)?\s*(?:le\s+jour\s+de\s+)?"
    r"(?:mon|ton|son|sa|leur|notre|votre|\()\s*anniv(?:ersaire|\.|(?!\w))"
    r"(?!\s+(?:du\b|des\b|d['’]|de\s+(?:mariage|la|l['’]|son|sa|leur|ses)\b))",
    re.IGNORECASE,
)


# An event the date belongs to, right before it (« rendez-vous le 05/06 », « audience du
# 12/03 »): that date is no birth date, whatever cue is around.
EVENT_BEFORE = re.compile(
    r"\b(?:rendez-vous|rdv|audience|jugement|ordonnance|convoqu[ée]e?s?|convocation|r[ée]union|"
    r"visite|entretien|commission|d[ée]cision|courrier|appel|passage|expulsion|sortie|entr[ée]e|"
    r"signature|[ée]ch[ée]ance|requested|issued|appointment)\s+"
    r"(?:(?:du|le|au|on|pour\s+le|prévue?\s+le|fixée?\s+au)\s+)?$",
    re.IGNORECASE,
)


class BirthDateRecognizer(FrenchPatternRecognizer):
    """Numeric, ISO and written-out dates right after a birth marker."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = (
        Pattern("dob/ctx", rf"(?<![\w/.\-])(?P<v>{_ISO}|{_NUMERIC}|{_WORDS})(?![\w/])", 0.9),
        Pattern("dob-english/ctx", rf"(?<![\w/.\-])(?P<v>{_ENGLISH})(?![\w/])", 0.85),
        Pattern("dob-month/ctx", rf"(?<![\w/.\-])(?P<v>{_MONTH_YEAR})(?![\w/])", 0.7),
        Pattern("dob-day-month/ctx",
                rf"(?<![\w/.\-])(?P<v>{_DAY_MONTH})(?![\w/]|\s+(?:19|20)?\d{{2}}\b)", 0.7),
    )
    CONTEXT = ("né le", "née le", "date de naissance", "naissance", "DN", "DDN")
    FLAGS = re.IGNORECASE

    def has_context(self, text: str, start: int, end: int) -> bool:
        # The marker must be close and no other number may sit between it and the date.
        window = text[max(0, start - 45) : start]
        if EVENT_BEFORE.search(window):
            return False
        return _CONTEXT.search(window) is not None or _AFTER.match(text, end) is not None
