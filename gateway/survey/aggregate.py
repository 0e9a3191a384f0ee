"""Questionnaire counters → research-export rows, with the research threshold.

Each respondent is one worker of one month, so a cell's respondent count is its distinct
worker count. A month with fewer than ``k`` respondents yields one hidden
``enquete_repondants`` row and nothing else. Within a question, an option under ``k`` is
hidden. For a single-choice question the options add up to the respondents, so if the
hidden options together hold fewer than ``k`` people the smallest visible ones are hidden
too (complementary: respondents − visible options never isolates a small group). A
multiple-choice question has no such sum (one person ticks several options, or none), so
no subtraction yields a hidden option; its options get the primary rule only.
"""

from __future__ import annotations

from typing import Any

from gateway.survey.questions import BY_ID, DIMENSION, QUESTIONS, RESPONDENTS


def _hidden(counts: dict[str, int], k: int, exclusive: bool) -> set[str]:
    hidden = {o for o, n in counts.items() if n < k}
    if not exclusive:
        return hidden
    visible = sorted((o for o in counts if o not in hidden), key=lambda o: (counts[o], o))
    while hidden and visible and sum(counts[o] for o in hidden) < k:
        hidden.add(visible.pop(0))
    return hidden


def survey_rows(org: str, month: str, respondents: int, counts: dict[tuple[str, str], int],
                k: int, base: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Export rows (columns of :data:`gateway.usage.export.COLUMNS`) for one org-month."""
    if respondents == 0:
        return []
    common = {"mois": month, "organisation": org, "seuil_k": k, "dp_epsilon": None,
              **(base or {})}
    if respondents < k:
        return [{**common, "dimension": RESPONDENTS, "valeur": "", "masque": 1}]
    rows = [{**common, "dimension": RESPONDENTS, "valeur": "", "masque": 0,
             "nombre": respondents, "utilisateurs_distincts": respondents}]
    for question in QUESTIONS:
        mine = {o: n for (q, o), n in counts.items() if q == question.id and n > 0}
        hidden = _hidden(mine, k, exclusive=not BY_ID[question.id].multiple)
        for option in sorted(mine):
            row = {**common, "dimension": DIMENSION[question.id], "valeur": option}
            if option in hidden:
                rows.append({**row, "masque": 1})
            else:
                rows.append({**row, "masque": 0, "nombre": mine[option],
                             "utilisateurs_distincts": mine[option]})
    return rows
