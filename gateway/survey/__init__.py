"""« Ce que la passerelle ne voit pas » : a short anonymous questionnaire at ``/enquete``.

The gateway only sees the use that goes through it; the study also wants the informal use
(other AI tools staff use for work, for what, how often, what they paste there). Each
gateway serves the questionnaire; answers are **counters only** (organisation, month,
question, option), aggregated with the research threshold and exported with the monthly
research export (``enquete_*`` dimensions).

Modules: ``questions`` (the closed question set), ``store`` (SQLite or Redis counters, the
one-answer-per-month guard), ``aggregate`` (export rows, k-suppressed), ``routes`` (HTTP).
"""
