"""DuckDB over the Parquet store, embedded (no server): the study's query engine.

Every query reads the hive-partitioned tree (:mod:`.store`) through one view, ``cellules``,
whose columns are the stored ones plus ``mois`` and ``organisation`` from the path. The same
SQL runs unchanged against a copy of the tree in object storage (``docs/study.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.study.store import FILE


def connect(cells_dir: Path) -> Any:
    """A DuckDB connection (in memory) with the view ``cellules`` over the store."""
    import duckdb

    con = duckdb.connect(":memory:")
    pattern = str(cells_dir / "mois=*" / "organisation=*" / FILE).replace("'", "''")
    if not any(cells_dir.glob(f"mois=*/organisation=*/{FILE}")):
        con.execute("CREATE VIEW cellules AS SELECT NULL::VARCHAR AS mois, "
                    "NULL::VARCHAR AS organisation, NULL::VARCHAR AS secteur, "
                    "NULL::VARCHAR AS dimension WHERE false")
        return con
    con.execute(
        f"CREATE VIEW cellules AS SELECT * FROM read_parquet('{pattern}', "
        "hive_partitioning = true, union_by_name = true)"
    )
    return con


@dataclass(frozen=True, slots=True)
class OrgCell:
    """One organisation's cell of one month, as the publication rules need it."""

    mois: str
    organisation: str
    secteur: str
    dimension: str
    valeur: str
    masque: int
    nombre: int | None
    utilisateurs: int | None
    figures: dict[str, float]


TOTAL_FIGURES = ("jetons_entree", "jetons_sortie", "energie_kwh_min", "energie_kwh_max",
                 "ges_kgco2eq_min", "ges_kgco2eq_max")


def org_cells(con: Any, month: str) -> list[OrgCell]:
    """Every organisation's cells of ``month`` (the input of the publication rules)."""
    cols = ", ".join(TOTAL_FIGURES)
    rows = con.execute(
        "SELECT mois, organisation, secteur, dimension, valeur, masque, nombre, "
        f"utilisateurs_distincts, {cols} FROM cellules WHERE mois = ? "
        "ORDER BY organisation, dimension, valeur", [month]).fetchall()
    return [OrgCell(r[0], r[1], r[2], r[3], r[4] or "", int(r[5]), r[6], r[7],
                    {c: float(v) for c, v in zip(TOTAL_FIGURES, r[8:], strict=True)
                     if v is not None})
            for r in rows]


def sums_by(con: Any, group: str = "secteur") -> list[tuple[Any, ...]]:
    """Visible cells summed by month, ``group`` (secteur, taille or region), dimension and
    value: ``(mois, group, dimension, valeur, organisations, nombre, utilisateurs)``.
    The unrestricted sums a researcher would compute over the store — before the
    publication rules, so for the collector's own checks, never published as such."""
    if group not in ("secteur", "taille", "region"):
        raise ValueError("group must be secteur, taille or region")
    rows: list[tuple[Any, ...]] = con.execute(
        f"SELECT mois, {group}, dimension, valeur, count(*) AS organisations, "
        "sum(nombre) AS nombre, sum(utilisateurs_distincts) AS utilisateurs "
        f"FROM cellules WHERE masque = 0 GROUP BY ALL ORDER BY ALL").fetchall()
    return rows


def months(con: Any) -> list[str]:
    """Months present in the store."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT mois FROM cellules WHERE mois IS NOT NULL ORDER BY 1").fetchall()]


def profiles(con: Any, month: str) -> dict[str, dict[str, str]]:
    """Each organisation's profile as stored with its cells of ``month``."""
    rows = con.execute("SELECT DISTINCT organisation, secteur, taille, region FROM cellules "
                       "WHERE mois = ?", [month]).fetchall()
    return {r[0]: {"secteur": r[1], "taille": r[2], "region": r[3]} for r in rows}
