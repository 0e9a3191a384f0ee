"""The collector's store: Parquet files partitioned by month and organisation (hive layout).

    <data_dir>/cellules/mois=2025-03/organisation=asso-x/cellules.parquet

One file per organisation-month, replaced whole when the organisation pushes that month
again (until the month is published: then it is frozen, see :mod:`.publish`). The files hold
the export's cells plus the organisation's profile (``secteur``, ``taille``, ``region``);
``mois`` and ``organisation`` live in the path only, as hive partitioning expects. The same
tree copied to object storage is read in place by DuckDB, Spark or Trino (``docs/study.md``).
"""

from __future__ import annotations

from typing import Any
import os
import shutil
from pathlib import Path

from gateway.study.members import Member
from gateway.study.validate import CheckedExport
from gateway.usage.export import COLUMNS

FILE = "cellules.parquet"
PROFILE = ("secteur", "taille", "region")
# Columns of a stored file: the export's, less the partition keys, plus the profile.
STORED = tuple(c for c in COLUMNS if c not in ("mois", "organisation")) + PROFILE


def partition(cells_dir: Path, month: str, org: str) -> Path:
    """The directory of one organisation-month."""
    return cells_dir / f"mois={month}" / f"organisation={org}"


def _schema() -> Any:
    import pyarrow as pa

    types = {"dimension": pa.string(), "valeur": pa.string(), "masque": pa.int8(),
             "nombre": pa.int64(), "utilisateurs_distincts": pa.int64(),
             "jetons_entree": pa.int64(), "jetons_sortie": pa.int64(), "seuil_k": pa.int16(),
             "secteur": pa.string(), "taille": pa.string(), "region": pa.string()}
    return pa.schema([(c, types.get(c, pa.float64())) for c in STORED])


def write(cells_dir: Path, export: CheckedExport, member: Member) -> list[Path]:
    """Store each month of ``export`` (replacing an earlier push of that month)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    profile = {"secteur": member.secteur, "taille": member.taille, "region": member.region}
    for month in export.months:
        rows = [{**{c: r.get(c) for c in STORED if c not in PROFILE}, **profile}
                for r in export.rows if r["mois"] == month]
        folder = partition(cells_dir, month, export.org)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{FILE}.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), tmp)
        os.replace(tmp, folder / FILE)  # readers see the old file or the new one, never half
        written.append(folder / FILE)
    return written


def months(cells_dir: Path) -> list[str]:
    """Months that have at least one organisation's file."""
    if not cells_dir.exists():
        return []
    return sorted(p.name.split("=", 1)[1] for p in cells_dir.glob("mois=*")
                  if any(p.glob(f"organisation=*/{FILE}")))


def delete_org(cells_dir: Path, org: str) -> int:
    """Remove every stored month of ``org`` (an organisation leaving); returns the count."""
    n = 0
    for folder in cells_dir.glob(f"mois=*/organisation={org}"):
        shutil.rmtree(folder)
        n += 1
    return n


def purge_before(cells_dir: Path, month: str) -> int:
    """Delete every organisation-month before ``month`` (retention); returns the count."""
    n = 0
    for folder in cells_dir.glob("mois=*"):
        if folder.name.split("=", 1)[1] < month:
            n += sum(1 for _ in folder.glob("organisation=*"))
            shutil.rmtree(folder)
    return n
