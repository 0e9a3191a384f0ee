"""A Presidio ``PatternRecognizer`` with mandatory context and value groups.

Presidio's own context handling only *raises* scores; many French identifiers (a 7-digit
CAF number, a 10-digit AGDREF number) are only identifiers *because of* their context, so
here context can be required. Patterns may also name a group ``v``: only that group is the
identifier (``N° allocataire : 2276391`` -> ``2276391``), since ``re`` has no
variable-length look-behind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.redaction.regex_guards import guarded

SEP = r"[ .\-]"  # separators people put inside numbers (NBSP is folded to a space upstream)


class FrenchPatternRecognizer(PatternRecognizer):
    """Base of the gateway's regex recognizers (one subclass per identifier family).

    Subclasses set ``ENTITY``, ``PATTERNS`` (Presidio ``Pattern`` objects), ``CONTEXT``
    (words, for Presidio's explanations) and optionally ``REQUIRED_CONTEXT`` (a regex that
    must occur within ``CONTEXT_WINDOW`` characters before the match for patterns whose
    name ends with ``/ctx``), and may override ``validate_value``.
    """

    ENTITY: str = ""
    PATTERNS: Sequence[Pattern] = ()
    CONTEXT: Sequence[str] = ()
    REQUIRED_CONTEXT: re.Pattern[str] | None = None
    CONTEXT_WINDOW: int = 60
    FLAGS: int = 0

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            supported_language="fr",
            name=type(self).__name__,
        )
        flags = self.FLAGS | re.MULTILINE
        # each behind a look-ahead on its possible first characters: the same matches, found
        # without trying the pattern at every position (``regex_guards.py``)
        self._compiled = [
            (p, guarded(p.regex, flags)) for p in self.PATTERNS
        ]

    def validate_value(self, value: str) -> bool | None:
        """Checksum or shape check on the matched value; ``False`` rejects it."""
        return None

    def has_context(self, text: str, start: int, end: int) -> bool:
        """True if the required context occurs shortly before ``start`` (``end``: where the
        match ends, for recognizers whose cue may also follow the value)."""
        if self.REQUIRED_CONTEXT is None:
            return True
        window = text[max(0, start - self.CONTEXT_WINDOW) : start]
        return self.REQUIRED_CONTEXT.search(window) is not None

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Run every pattern; keep matches that pass context and validation."""
        results: list[RecognizerResult] = []
        for pattern, regex in self._compiled:
            needs_context = pattern.name.endswith("/ctx")
            for match in regex.finditer(text):
                group = "v" if "v" in regex.groupindex else 0
                start, end = match.span(group)
                if start < 0 or start == end:
                    continue
                if needs_context and not self.has_context(text, match.start(), match.end()):
                    continue
                if self.validate_value(match.group(group)) is False:
                    continue
                results.append(
                    RecognizerResult(
                        entity_type=self.ENTITY,
                        start=start,
                        end=end,
                        score=pattern.score,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return results
