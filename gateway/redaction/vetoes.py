"""What the learned recognizer may not mask on its own.

The model reads context, and context is sometimes misleading: a help line written like a
phone number, a SIRET or a decree number where a case number would stand, a date in a
sentence about an appointment. The rules know these cases (``recognizers/``); a span found
*only* by the model is dropped when one of them applies. Spans the rules find themselves are
never vetoed here.
"""

from __future__ import annotations

import re

from gateway.redaction.recognizers.birth_date import EVENT_BEFORE
from gateway.redaction.recognizers.iban import iban_ok
from gateway.redaction.recognizers.phone import HELPLINE

# Words that make the number after them an administrative or legal reference, not a person's.
_NOT_PERSONAL_BEFORE = re.compile(
    r"\b(?:siret|siren|finess|rna|cerfa|loi|lois|d[ée]cret|ordonnance|arr[êe]t[ée]|article|"
    r"art\.|circulaire|directive|r[èe]glement)\b[^\n]{0,14}$",
    re.IGNORECASE,
)
_REFERENCE_LABELS = frozenset({"CASE_ID", "ID_DOCUMENT", "CAF_NUMBER", "FT_ID", "PHONE"})
_YEARS = re.compile(r"(?:19|20)\d\d(?:\s*[-–/à]\s*(?:19|20)?\d\d)?")
# Around a birth date the writer says so, or it stands in a record: a table cell, a form
# field, a list entry after a name.
_BIRTH_CONTEXT = re.compile(
    r"\bnée?s?\b|\bnee?s?\s+(?:le|en|au|à|a)\b|naissance|naiss|\bddn\b|\bdob\b|born|birth|°|\(|anniversaire|\b[âa]g[ée]e?s?\b|"
    r"\bans\b|[;|\t:,]| {2,}|\bde\s+\d{4}\b",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(
    r"\d{1,2}\s?[/.\-]\s?\d{1,2}(?:\s?[/.\-]\s?\d{2,4})?|(?:19|20)\d{2}-\d{2}-\d{2}"
    r"|(?:1er|\d{1,2})\s+[^\W\d_]{3,9}\.?(?:\s+\d{4})?")
# A duration before the date (« un CDD de 2 ans depuis le … »): the « ans » is no age.
_DURATION_BEFORE = re.compile(
    r"\b(?:de|pendant|durant|sur|pour)\s+\d{1,2}\s+ans\b[^\d]{0,20}$", re.IGNORECASE)
# Offices named in place of a person (« Monsieur le Préfet », « la Présidente »): a title,
# not a name, whatever its capital.
_TITLE_ONLY = re.compile(
    r"(?:(?:le|la|l'|les|m\.|mme|monsieur|madame)\s+)?(?:sous-)?(?:pr[ée]f[eè]te?|"
    r"pr[ée]sidente?|procureure?|maire|ministre|directeur|directrice|juge|substitute?|"
    r"d[ée]fenseure? des droits|b[âa]tonni[eè]re?|conseill[eè]re?)s?",
    re.IGNORECASE)
_DAY_OR_MONTH_ABBREVIATION = re.compile(
    r"(?:lun|mar|mer|jeu|ven|sam|dim|janv|f[ée]vr?|avr|juil|sept|oct|nov|d[ée]c)\.",
    re.IGNORECASE)
# A day written short before a date, in a planning: « Lun 17/03 », « jeu. 20 ».
_DAY_BEFORE_DATE = re.compile(r"(?:lun|mar|mer|jeu|ven|sam|dim)\.?", re.IGNORECASE)
_DATE_AFTER = re.compile(r"\.?\s+\d{1,2}(?:[/.]\d{1,2}\b|\b(?!\s*(?:ans?|mois)\b))")


def never_personal(text: str, start: int, end: int, label: str) -> bool:
    """True for what no recognizer may mask: a day or month abbreviation (« Lun. », « Mar. »)
    or an office (« le Préfet », « la Présidente ») taken for a name, a number right after a legal or administrative reference word (« loi
    n° 2022-140 », « cerfa 15692 », « SIRET … »)."""
    if label == "PERSON":
        return bool(_DAY_OR_MONTH_ABBREVIATION.fullmatch(text[start:end + 1].strip())
                    or (_DAY_BEFORE_DATE.fullmatch(text[start:end])
                        and _DATE_AFTER.match(text, end))
                    or _TITLE_ONLY.fullmatch(text[start:end].strip()))
    return label in _REFERENCE_LABELS and any(c.isdigit() for c in text[start:end]) and bool(
        _NOT_PERSONAL_BEFORE.search(text[max(0, start - 30):start]))


_NUMBER_WORD = re.compile(
    r"\b(?:z[ée]ro|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|"
    r"quatorze|quinze|seize|vingt|trente|quarante|cinquante|soixante|septante|huitante|"
    r"octante|nonante|cent|cents|mille)\b", re.IGNORECASE)
_IDENTIFIER_LABELS = frozenset({"ID_DOCUMENT", "CASE_ID", "CAF_NUMBER", "FT_ID", "NIR"})


def vetoed(text: str, start: int, end: int, label: str) -> bool:
    """True if the model's ``label`` span ``text[start:end]`` must stay readable."""
    if never_personal(text, start, end, label):
        return True
    value = text[start:end]
    before = text[max(0, start - 45):start]
    digits = re.sub(r"\D", "", value)
    if label == "PERSON":
        return False
    if _YEARS.fullmatch(value.strip()):
        return True
    number = len(digits) >= 0.6 * len(re.sub(r"\s", "", value))
    public_line = number and label in _REFERENCE_LABELS and (
        (digits.startswith("08") and value.startswith("0") and len(digits) == 10)
        or (bool(HELPLINE.search(text[max(0, start - 25):start])) and not re.search(
            r"\b(?:t[ée]l|portable|joindre|joignable|mobile)\b", before, re.IGNORECASE)))
    if public_line:
        return True
    if label == "PHONE":
        return len(digits) <= 4
    if label in _IDENTIFIER_LABELS and len(digits) + len(_NUMBER_WORD.findall(value)) < 3:
        return True  # an identifier has digits, maybe said in words; « tag3 » is a word
    if label == "IBAN":
        return not iban_ok(re.sub(r"\s", "", value)) and not re.search(r"\b(?:iban|rib)\b", before, re.IGNORECASE)
    if label == "DATE_OF_BIRTH":
        if _DATE_ONLY.fullmatch(value.strip()) and (
                EVENT_BEFORE.search(text, max(0, start - 30), start)
                or _DURATION_BEFORE.search(text, max(0, start - 40), start)):
            # « rendez-vous le 05/06 », « audience du 12/03 »: an event's date (a span that
            # holds more than a date is left masked).
            return True
        around = text[max(0, start - 30):start] + "\x00" + text[end:end + 15]
        return not _BIRTH_CONTEXT.search(around)
    return bool(digits) and bool(_NOT_PERSONAL_BEFORE.search(text[max(0, start - 30):start]))
