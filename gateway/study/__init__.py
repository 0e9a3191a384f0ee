"""``gardefou study``: the collector that brings organisations' research exports together.

A separate FastAPI app in the same package, with its own settings (prefix
``GARDEFOU_STUDY_``). Organisations' gateways push their closed-month exports
(``gardefou export --push URL``) with a per-organisation token, or an operator drops files in
(``gardefou study ingest FILE``). Modules, one job each:

    settings   StudySettings (GARDEFOU_STUDY_*)
    members    who takes part: token hash, sector, size band, region, k
    validate   an export file → checked rows, or a French refusal that quotes nothing
    store      Parquet, partitioned by month and organisation (hive layout)
    query      DuckDB over the Parquet store (embedded)
    publish    cross-organisation rules: ≥ k organisations and ≥ k' workers per cell,
               complementary suppression, frozen months, optional OpenDP noise with a ledger
    ingest     one export in (checked, refused if its month is published), publish a month
    report     charts' JSON from the publications; app: the HTTP routes and the report page

Needs the ``research`` extra (pyarrow, duckdb, opendp): :func:`require_extra` says so.
"""

from __future__ import annotations


class ExtraMissing(RuntimeError):
    """The study needs the optional ``research`` extra."""


def require_extra() -> None:
    """Raise :class:`ExtraMissing` with a clear French message if pyarrow or duckdb is absent."""
    missing = []
    for module in ("pyarrow", "duckdb"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ExtraMissing(
            f"Le collecteur de l'étude demande l'extra « research » ({', '.join(missing)} "
            "manquant) : pip install 'gardefou[research]'"
        )
