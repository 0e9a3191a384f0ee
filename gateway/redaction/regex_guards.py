"""Cheap tests put in front of costly regexes, worked out from the regex itself.

Two guards, each admitting a superset of what the regex can match, so results never change:

- :func:`start_guard`, a look-ahead on the characters a match can start with. Most
  identifier patterns start with look-behinds (« no letter or digit before »), which stop
  Python's regex engine from skipping ahead to a possible first character: it tries the
  whole pattern, look-behinds and branches, at every position of the text. A look-ahead on
  a small set of first characters (a digit, « 0 » or « + », a few cue letters) rejects the
  other positions at once: on a 1,500-character note, a phone or NIR pattern runs ~2–3 ×
  faster.
- :func:`required_guard`, the characters every match must contain one of. spaCy's French
  tokenizer tries its exceptions regex (« faux-vampire », « entr'abat », « saut-de-ski »:
  hundreds of alternatives) on every new word and again after each prefix or suffix it
  cuts off; every alternative needs a hyphen or an apostrophe, which most words lack.

Both read the pattern with the ``re`` module's own parser; they give up (no guard) on
anything they do not know, on a pattern that can match the empty string, and where the set
is too broad to save anything (letters by range, ``\\w``, a negated class).
``tests/redaction/test_regex_guards.py`` compares guarded and plain regexes on the corpora
and random text.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# Single letters beyond this many (case-insensitive ones count twice) make the guard
# broader than it saves.
_MAX_LETTERS = 24


class _Unknown(Exception):
    """A construct whose first characters are not worked out here."""


def _class_items(items: list[tuple[Any, Any]], constants: Any) -> list[str]:
    fragments = []
    for op, value in items:
        if op is constants.LITERAL:
            fragments.append(re.escape(chr(value)))
        elif op is constants.RANGE:
            low, high = chr(value[0]), chr(value[1])
            if any(c.isalpha() for c in (low, high)):
                raise _Unknown("a range of letters")  # too broad to save anything
            fragments.append(f"{re.escape(low)}-{re.escape(high)}")
        elif op is constants.CATEGORY and value is constants.CATEGORY_DIGIT:
            fragments.append(r"\d")
        else:  # \w, \s, a negated category, a negation: too broad or not handled
            raise _Unknown(op)
    return fragments


def _first(items: Any, folded: bool, out: list[tuple[str, bool]], constants: Any) -> bool:
    """Add to ``out`` the character classes a match of ``items`` can start with (each with
    whether it matches case-insensitively); return whether ``items`` can match empty."""
    for op, value in items:
        if op is constants.LITERAL:
            out.append((re.escape(chr(value)), folded))
            return False
        if op is constants.IN:
            out.extend((fragment, folded) for fragment in _class_items(value, constants))
            return False
        if op in (constants.AT, constants.ASSERT, constants.ASSERT_NOT):
            continue  # zero width: the first character comes after
        if op is constants.SUBPATTERN:
            _, add, remove, inner = value
            inner_folded = (folded or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            if not _first(inner, inner_folded, out, constants):
                return False
            continue
        if op is constants.BRANCH:
            empty = False
            for alternative in value[1]:
                empty |= _first(alternative, folded, out, constants)
            if not empty:
                return False
            continue
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT,
                  getattr(constants, "POSSESSIVE_REPEAT", None)):
            least, _, inner = value
            if not _first(inner, folded, out, constants) and least > 0:
                return False
            continue
        raise _Unknown(op)  # any character, group references, conditionals…
    return True


def _parsed(pattern: str, flags: int) -> tuple[Any, Any]:
    """``re``'s own parse of ``pattern`` and its constants (private modules: any change in
    another Python raises, and the callers then give no guard)."""
    constants = importlib.import_module("re._constants")
    return importlib.import_module("re._parser").parse(pattern, flags), constants


def _char_class(fragments: list[tuple[str, bool]], everywhere: bool) -> str:
    """A regex matching one character of ``fragments``, each case-insensitive where it is
    read so; ``""`` when its letters make it too broad to help."""
    fragments = list(dict.fromkeys(fragments))  # alternatives repeat the same classes
    exact = "".join(f for f, folded in fragments if not folded or everywhere)
    folding = "".join(f for f, folded in fragments if folded and not everywhere)
    letters = ((2 if everywhere else 1) * sum(c.isalpha() for c in exact)
               + 2 * sum(c.isalpha() for c in folding))
    if letters > _MAX_LETTERS:
        return ""
    parts = [f"[{exact}]"] if exact else []
    if folding:
        parts.append(f"(?i:[{folding}])")  # the pattern reads these letters in any case
    return "|".join(parts)


def start_guard(pattern: str, flags: int = 0) -> str:
    """A look-ahead admitting every character a match of ``pattern`` (compiled with
    ``flags``) can start with, to put in front of it; ``""`` when it cannot tell or when
    the set would be too broad to help."""
    try:
        parsed, constants = _parsed(pattern, flags)
        fragments: list[tuple[str, bool]] = []
        if _first(parsed.data, bool(parsed.state.flags & re.IGNORECASE), fragments, constants):
            return ""  # an empty match may start anywhere
    except Exception:  # noqa: BLE001 - _Unknown, or a parser of another Python: no guard
        return ""
    admitted = _char_class(fragments, bool(flags & re.IGNORECASE))
    return f"(?={admitted})" if admitted else ""


def guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``pattern`` compiled behind its :func:`start_guard`: the same matches, found without
    trying the pattern at every position."""
    return re.compile(start_guard(pattern, flags) + pattern, flags)


def _letters(fragments: list[tuple[str, bool]]) -> int:
    return sum(c.isalpha() for f, _ in fragments for c in f)


def _required(items: Any, folded: bool, constants: Any) -> list[tuple[str, bool]] | None:
    """Character classes one of which every match of the sequence ``items`` contains (each
    with whether it matches case-insensitively), or None when none is known. Of the items
    a match cannot skip, the one with the fewest letters, then fewest classes, is chosen."""
    best: list[tuple[str, bool]] | None = None
    for op, value in items:
        found: list[tuple[str, bool]] | None = None
        if op is constants.LITERAL:
            found = [(re.escape(chr(value)), folded)]
        elif op is constants.IN:
            try:
                found = [(fragment, folded) for fragment in _class_items(value, constants)]
            except _Unknown:
                found = None
        elif op is constants.SUBPATTERN:
            _, add, remove, inner = value
            found = _required(inner, (folded or bool(add & re.IGNORECASE))
                              and not remove & re.IGNORECASE, constants)
        elif op is constants.BRANCH:
            union: list[tuple[str, bool]] = []
            for alternative in value[1]:
                needed = _required(alternative, folded, constants)
                if needed is None:  # one alternative needs none of them: nothing is required
                    union = []
                    break
                union += needed
            found = union or None
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT,
                    getattr(constants, "POSSESSIVE_REPEAT", None)) and value[0] > 0:
            found = _required(value[2], folded, constants)
        # anything else (zero-width assertions, optional items, any character) requires
        # nothing, and leaves the other items of the sequence required
        if found and (best is None
                      or (_letters(found), len(found)) < (_letters(best), len(best))):
            best = found
    return best


def required_guard(pattern: str, flags: int = 0) -> str:
    """A regex (to compile without flags) of the characters every match of ``pattern``
    (compiled with ``flags``) contains one of: a string it does not find in cannot match.
    ``""`` when it cannot tell or when the class would be too broad to help."""
    try:
        parsed, constants = _parsed(pattern, flags)
        needed = _required(parsed.data, bool(parsed.state.flags & re.IGNORECASE), constants)
    except Exception:  # noqa: BLE001 - a parser of another Python: no guard
        return ""
    return _char_class(needed, everywhere=False) if needed else ""
