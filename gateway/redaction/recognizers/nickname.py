"""Nicknames introduced as such: « Jean-Marie Le Floch, dit « Le Breton » », « surnommé
"Pitbull" », « alias Kiki ». A nickname names the person as surely as the civil name, and is
often the only name staff know; the word that introduces it says so, whatever the nickname
is made of (« la Chouette », « Tonton »).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.redaction.recognizers.base import FrenchPatternRecognizer

# « dit » only right after the name it qualifies (« Le Floch, dit … »): « le juge a dit « non » »
# is reported speech.
_INTRO = r"(?:[,(]\s*dite?|\bsurnomm[ée]e?|\balias|\ba\.?k\.?a\.?|qu['’]on\s+appelle|qu['’]ils\s+appellent)"
# Quoted: anything short inside the quotes; unquoted: one or two capitalised words.
# At most three words, one of them capitalised: « le Chti », « Tonton » — not a quoted
# sentence (« je ne viendrai pas ») nor a term (« mise à l'abri »).
_QUOTED = (r"[«\"“]\s*(?P<v>(?=[^»\"”\n]{0,30}?(?-i:[A-ZÀ-ÖØ-Þ]))[^\s»\"”]+"
           r"(?:\s[^\s»\"”]+){0,2}?)\s*[»\"”]")
_BARE = r"(?P<v>(?-i:[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s[A-ZÀ-ÖØ-Þ][\w'’\-]+)?))"


class NicknameRecognizer(FrenchPatternRecognizer):
    """A nickname right after « dit », « surnommé », « alias »."""

    ENTITY = "PERSON"
    PATTERNS = (
        Pattern("nickname/quoted", rf"{_INTRO}\s+{_QUOTED}", 0.8),
        Pattern("nickname/bare", rf"(?:\balias|\bsurnomm[ée]e?)\s+{_BARE}", 0.7),
    )
    CONTEXT = ("dit", "surnommé", "alias")
    FLAGS = re.IGNORECASE
