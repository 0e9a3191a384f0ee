"""Name rules for informal writing: quick notes in lower case, log lines, lists, vocatives,
and birth/age markers. Each rule marks tokens in ``marks``."""

from __future__ import annotations

import re

from gateway.redaction.lexicons import PARTICLES
from gateway.redaction.recognizers.name_words import (
    AFTER_NAME,
    CIVILITY_SET,
    CONTACT_WORDS,
    ESTABLISHMENT_SET,
    LOWER_AGE,
    PHONE_AFTER,
    ROLE_SET,
    SENTENCE_END,
    STOP,
    TIME_BEFORE,
    VOCATIVE_AFTER,
    NameWords,
    Tok,
)


# In French a common noun usually takes a determiner to be a subject (« l'espoir est mince »,
# « le soleil a brillé »): in a quick note typed in lower case, a bare first name that opens
# a clause and is followed by a verb or a clitic is someone (« bon, pierre ne veut plus »).
# Where the writer capitalises sentence starts, a name would have its capital too, and a
# lower-case word there is the noun of a set phrase (« Mais noël va être difficile »,
# « patience est la clé »): then only first names that are no common word count.
_CLAUSE_BEFORE = re.compile(
    r"(?:,|\b(?:et|mais|car|que|qu['’]|donc|puis|alors|ok|bon|quand|si|comme|parce que))\s+$",
    re.IGNORECASE)
_VERB_AFTER = re.compile(
    r"\s+(?:(?:est|était|etait|sera|va|allait|ira|avait|aura|dit|disait|fait|vient|venait|veut|"
    r"voulait|peut|pouvait|doit|devait|dort|dormait|part|arrive|rentre|reste|refuse|accepte|"
    r"pleure|demande|sort|revient)(?!\w)|a\s+(?!(?:la|le|les|l['’]|un|une|des|du|ce|cet|cette|ces|"
    r"mon|ma|mes|ton|ta|tes|son|sa|ses|leur|leurs|notre|nos|votre|vos|toi|moi|lui|eux|vous|"
    r"nous|tous|toutes|tout|quoi|qui)\b)|n['’]|ne\s|se\s|s['’]|m['’]|me\s|nous\s|vous\s|"
    r"lui\s|leur\s|y\s)",
    re.IGNORECASE)
# Words typed without their apostrophe (« jai dit », « quil est », « cest »): an elided
# pronoun or particle and a form of avoir/être or a subject pronoun, not a name.
_ELIDED = re.compile(
    r"j(?:ai|avais|avait|étais|etais|suis)|c(?:est|était|etait)|qu(?:il|ils|elle|elles|on)|"
    r"n(?:est|ai|a|avait|était|etait)|l(?:a|ai|est|était|etait)|m(?:a|ai)|t(?:as|es)|s(?:est|il|ils)")
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?]\s+|\n\s*)([^\W\d_])", re.MULTILINE)


def _capitalises(text: str) -> bool:
    """True if most sentences of ``text`` open with a capital. (Not cached: a cache keyed by
    the text would keep beneficiaries' words in memory; it is read only for the rare word
    that passes every other test of :func:`_bare_subject`.)"""
    openings = [m.group(1) for m in _SENTENCE_OPENING.finditer(text)]
    return bool(openings) and sum(c.isupper() for c in openings) * 2 > len(openings)


def _bare_subject(w: NameWords, text: str, tok: Tok) -> bool:
    if tok.folded in STOP or tok.folded in ROLE_SET or _ELIDED.fullmatch(tok.folded):
        return False  # « elle a », « qui est », « maman dit », « jai dit »
    before = text[max(0, tok.start - 14) : tok.start]
    opens = SENTENCE_END.search(before) is not None or _CLAUSE_BEFORE.search(before) is not None
    if not (opens and _VERB_AFTER.match(text, tok.end) is not None):
        return False
    return not (w.lexicons.is_common(tok.text) and _capitalises(text))


def lower_first_name_rule(
    w: NameWords, text: str, toks: list[Tok], i: int, marks: list[bool]
) -> None:
    """Quick notes in lower case: ``rappeler océane``, ``appeler emmanuel mbemba``."""
    tok = toks[i]
    if not tok.text.islower() or len(tok.text) < 3:
        return
    if tok.start > 0 and text[tok.start - 1].isdigit():
        return  # "15min"
    compact_age = LOWER_AGE.match(text[tok.end : tok.end + 12])
    in_years = compact_age is not None and "mois" not in compact_age.group()
    if (
        compact_age
        and tok.folded not in STOP
        and tok.folded not in ROLE_SET
        and (in_years or not w.lexicons.is_common(tok.text))
    ):
        marks[i] = True
        return
    if not w.lexicons.is_first_name(tok.text):
        return
    contact = i > 0 and toks[i - 1].folded in CONTACT_WORDS and toks[i - 1].end >= tok.start - 3
    phone_after = PHONE_AFTER.match(text[tok.end : tok.end + 16]) is not None
    subject = _bare_subject(w, text, tok)
    if w.lexicons.is_common(tok.text) and not (contact and phone_after) and not subject:
        return  # "rappeler olive 06…" is a person; "une olive" is not
    if w.after_establishment(text, toks, i):
        return
    surname = False
    if i + 1 < len(toks) and w.adjacent(text, tok, toks[i + 1]):
        nxt = toks[i + 1]
        surname = (
            nxt.text.islower()
            and len(nxt.text) >= 2
            and nxt.folded not in STOP
            and (not w.lexicons.is_common(nxt.text) or w.lexicons.is_first_name(nxt.text))
        )
    after = text[tok.end : tok.end + 16]
    trigger = (
        contact
        or phone_after
        or AFTER_NAME.match(after) is not None
        or (TIME_BEFORE.search(text, max(0, tok.start - 12), tok.start) is not None)
        or subject
    )
    if not (trigger or surname):
        return  # "en mai", "une page max": a lexicon hit alone is not enough in lower case
    marks[i] = True
    if surname:
        marks[i + 1] = True


def vocative_rule(w: NameWords, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
    """``Claire, je n'arrive pas à te joindre``: a first name opening a line, then a comma
    and a word addressing that person."""
    tok = toks[i]
    if not tok.text[0].isupper() or not w.lexicons.is_first_name(tok.text):
        return
    line_start = text.rfind("\n", 0, tok.start) + 1
    if text[line_start : tok.start].strip() or not VOCATIVE_AFTER.match(text, tok.end):
        return
    marks[i] = True


def context_rule(w: NameWords, text: str, toks: list[Tok], i: int, marks: list[bool]) -> None:
    tok = toks[i]
    if not w.name_shaped(tok) or not AFTER_NAME.match(text[tok.end : tok.end + 20]):
        return
    if w.after_establishment(text, toks, i) or tok.folded in ROLE_SET or tok.folded in CIVILITY_SET:
        return
    marks[i] = True
    j = i - 1  # take the rest of the name before it
    while (
        j >= 0
        and w.adjacent(text, toks[j], toks[j + 1])
        and (w.strong(toks[j]) or toks[j].folded in PARTICLES and marks[j + 1])
    ):
        if toks[j].folded in CIVILITY_SET or toks[j].folded in ROLE_SET:
            break
        marks[j] = True
        j -= 1


def enumeration_rule(w: NameWords, text: str, toks: list[Tok], marks: list[bool]) -> None:
    changed = True
    while changed:
        changed = False
        for i, tok in enumerate(toks):
            if (
                marks[i]
                or not w.name_shaped(tok)
                or tok.folded in CIVILITY_SET
                or tok.folded in ROLE_SET
            ):
                continue
            if not (w.strong(tok) or w.lexicons.is_first_name(tok.text)):
                continue
            left = i > 0 and marks[i - 1] and text[toks[i - 1].end : tok.start] in (", ", ",")
            right = (
                i + 1 < len(toks) and marks[i + 1] and text[tok.end : toks[i + 1].start] in (", ",)
            )
            # "Matteo et Pierre", "Louise, Chloé et Ambre": the connector is a token itself.
            if i > 1 and toks[i - 1].folded in ("et", "ou") and marks[i - 2]:
                left = left or (text[toks[i - 2].end : tok.start] == f" {toks[i - 1].text} ")
            if i + 2 < len(toks) and toks[i + 1].folded in ("et", "ou") and marks[i + 2]:
                right = right or (text[tok.end : toks[i + 2].start] == f" {toks[i + 1].text} ")
            if left or right:
                marks[i] = changed = True


def surname_after_first_name(w: NameWords, text: str, toks: list[Tok], marks: list[bool]) -> None:
    """``Jean Blanc``, ``Agathe Leclerc``: a capitalised word right after a marked first
    name is its surname, even when it is also a common word."""
    for i in range(len(toks) - 1):
        tok, nxt = toks[i], toks[i + 1]
        if not marks[i] or marks[i + 1] or not w.lexicons.is_first_name(tok.text):
            continue
        if not w.adjacent(text, tok, nxt) or not w.name_shaped(nxt):
            continue
        if nxt.folded in CIVILITY_SET or nxt.folded in ROLE_SET or nxt.folded in ESTABLISHMENT_SET:
            continue
        marks[i + 1] = True
