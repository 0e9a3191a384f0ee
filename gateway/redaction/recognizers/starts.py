"""A look-ahead on the characters a regex's matches can start with, put in front of it.

Most identifier patterns start with look-behinds (« no letter or digit before »), which stop
Python's regex engine from skipping ahead to a possible first character: it tries the whole
pattern, look-behinds and branches, at every position of the text. A look-ahead on a small
set of first characters (a digit, « 0 » or « + », a few cue letters) rejects the other
positions at once: on a 1,500-character note, a phone or NIR pattern runs ~2–3 × faster.

:func:`start_guard` reads the pattern with the ``re`` module's own parser and collects every
character a match can start with; it gives up (no look-ahead, the pattern unchanged) on
anything it does not know, on a pattern that can match the empty string, and where the set
is too broad to save anything (letters by range, ``\\w``, a negated class). The look-ahead
only ever admits a superset of the positions where a match can start, so the matches are the
same (``tests/redaction/test_starts.py`` compares both on the corpora and random text).
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


def start_guard(pattern: str, flags: int = 0) -> str:
    """A look-ahead admitting every character a match of ``pattern`` (compiled with
    ``flags``) can start with, to put in front of it; ``""`` when it cannot tell or when
    the set would be too broad to help."""
    try:
        # the parser ``re`` itself compiles with (private: any change gives no guard)
        constants = importlib.import_module("re._constants")
        parsed = importlib.import_module("re._parser").parse(pattern, flags)
        fragments: list[tuple[str, bool]] = []
        if _first(parsed.data, bool(parsed.state.flags & re.IGNORECASE), fragments, constants):
            return ""  # an empty match may start anywhere
    except Exception:  # noqa: BLE001 - _Unknown, or a parser of another Python: no guard
        return ""
    everywhere = bool(flags & re.IGNORECASE)
    exact = "".join(f for f, folded in fragments if not folded or everywhere)
    folding = "".join(f for f, folded in fragments if folded and not everywhere)
    letters = ((2 if everywhere else 1) * sum(c.isalpha() for c in exact)
               + 2 * sum(c.isalpha() for c in folding))
    if letters > _MAX_LETTERS:
        return ""
    parts = [f"[{exact}]"] if exact else []
    if folding:
        parts.append(f"(?i:[{folding}])")  # the pattern reads these letters in any case
    return f"(?={'|'.join(parts)})"
