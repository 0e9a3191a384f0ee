"""Hint matchers: the patterns tried together first (one alternation) find exactly what they
find one by one, and are not joined when joining would change their meaning."""

from __future__ import annotations

import dataclasses
import re

import pytest

from gateway.policy.matching import Matcher, _gate, compile_hints, compile_patterns
from gateway.policy.schema import Hints

PATTERNS = (
    r"\b(?:r[ée]dig|[ée]cri)\w*\s+(?:un|une|le|la)\s+(?:mail|courriel|lettre)\b",
    r"\bfiche\s+(?:de\s+)?(?:liaison|synth[èe]se)\b",
    r"(?<!\w)CR\b",
    r"\d{2}/\d{2}/\d{4}",
    r"(?P<jour>lundi|mardi)\s+matin",
)
PHRASES = ("compte rendu", "note de situation", "exclu*", "relis*")
TEXTS = (
    "",
    "rédige un mail à la CAF pour le dossier",
    "Peux-tu écrire une lettre et une fiche de synthèse ?",
    "CR de la réunion du 12/03/2024, lundi matin",
    "relisez ce compte rendu, sans exclure la note de situation",
    "rien à voir : le chat dort",
)


def without_gate(hints: Hints, patterns_only: bool = False) -> Matcher:
    matcher = compile_patterns(hints) if patterns_only else compile_hints(hints)
    return dataclasses.replace(matcher, gate=None)


@pytest.mark.parametrize("text", TEXTS)
def test_gated_matchers_find_what_ungated_ones_do(text: str) -> None:
    hints = Hints(phrases=PHRASES, patterns=PATTERNS)
    for gated, plain in ((compile_hints(hints), without_gate(hints)),
                         (compile_patterns(hints), without_gate(hints, patterns_only=True))):
        assert gated.gate is not None
        assert gated.find(text) == plain.find(text)


def test_hits_keep_their_order() -> None:
    hints = Hints(patterns=PATTERNS)
    assert compile_patterns(hints).find(TEXTS[3]) == ("CR", "12/03/2024", "lundi matin")


def test_gate_matches_exactly_where_one_pattern_does() -> None:
    regexes = [re.compile(p) for p in PATTERNS]
    gate = _gate(regexes)
    assert gate is not None
    for text in TEXTS:
        assert bool(gate.search(text)) == any(r.search(text) for r in regexes)


@pytest.mark.parametrize("patterns", [
    (r"(\w+) et \1", r"mail"),  # a back-reference would point at another pattern's group
    (r"(?P<x>a)(?P=x)", r"b"),
    (r"(a)?(?(1)b|c)", r"d"),  # a conditional group
    (r"(?P<x>a)", r"(?P<x>b)"),  # one group name twice
    (r"mail", r"(?i)lettre"),  # a global flag inside the alternation
])
def test_no_gate_where_joining_changes_meaning(patterns: tuple[str, ...]) -> None:
    assert _gate([re.compile(p) for p in patterns]) is None


def test_no_gate_for_different_flags() -> None:
    assert _gate([re.compile("mail"), re.compile("lettre", re.IGNORECASE)]) is None
