"""Cross-organisation publication rules: what of a month the study may show.

A publication is one month, frozen once written (``publications/YYYY-MM.json``): later
pushes for that month are refused, since a second version minus the first would isolate the
late organisation. Cells are *(sector or « ensemble », dimension, value)*; organisations
appear only through their sector here, and through sector / size band / region counts in the
participation table. Rules:

1. **Primary.** A cell sums the organisations whose own export shows that value; it is
   published only if it covers ≥ ``k_orgs`` organisations (default 3) and ≥ ``k_workers``
   distinct workers (default 11, sum of the organisations' distinct counts: organisations
   are disjoint groups of workers).
2. **Complementary, across organisations.** Each *line* of a dimension's table — a sector's
   row (whose margin is the sector's total), the « ensemble » row, and each value's column
   (whose margin is the « ensemble » cell) — either hides nothing or hides cells that
   together cover ≥ ``k_orgs`` organisations and ≥ ``k_workers`` workers (per
   organisation, the largest of its hidden cells' counts: a lower bound of the union).
   Otherwise the smallest visible cell of the line is hidden too, until every line holds.
   So subtracting published cells from a published margin yields a group of at least
   ``k_orgs`` organisations, never one hidden cell.
3. **Months are never summed.** Each figure belongs to one month; there is no period total
   to subtract a month from.
4. **Optional differential privacy** (OpenDP Laplace, :func:`gateway.usage.dp.laplace`) on
   the published distinct-worker counts, with a ledger of ε per month over all its
   publications (``registre_dp.json``), refused beyond the budget. Under DP the exact worker
   counts are not published.

Known limit: which cells are hidden depends on exact counts (as in the gateway's export).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.study.query import TOTAL_FIGURES, OrgCell

ENSEMBLE = "ensemble"


class AlreadyPublished(RuntimeError):
    """The month is already published: a publication is final."""

    def __init__(self, month: str) -> None:
        super().__init__(f"Le mois {month} est déjà publié : une publication ne change plus "
                         "(une seconde version permettrait d'isoler une organisation par "
                         "soustraction).")


class StudyBudgetExhausted(RuntimeError):
    """A DP publication would take the month past its ε budget (nothing was charged)."""


@dataclass(slots=True)
class PubCell:
    """One published (or suppressed) cell. Suppressed cells carry no figure."""

    mois: str
    secteur: str
    dimension: str
    valeur: str
    masque: int = 0
    organisations: int | None = None
    utilisateurs: int | None = None
    utilisateurs_bruites: float | None = None
    nombre: int | None = None
    figures: dict[str, float] = field(default_factory=dict)
    # Contributions (organisation → its distinct workers): used by the rules, never written.
    members: dict[str, int] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Rules:
    k_orgs: int = 3
    k_workers: int = 11


def cells_of_month(month: str, org_cells: list[OrgCell]) -> dict[tuple[str, str, str], PubCell]:
    """Sum the organisations' visible cells per (sector, dimension, value) and « ensemble »."""
    out: dict[tuple[str, str, str], PubCell] = {}
    for oc in org_cells:
        if oc.masque:
            continue
        for row in (oc.secteur, ENSEMBLE):
            cell = out.setdefault((row, oc.dimension, oc.valeur),
                                  PubCell(month, row, oc.dimension, oc.valeur))
            cell.members[oc.organisation] = int(oc.utilisateurs or 0)
            if oc.nombre is not None:
                cell.nombre = (cell.nombre or 0) + int(oc.nombre)
            for name, value in oc.figures.items():
                cell.figures[name] = cell.figures.get(name, 0.0) + value
    return out


def _union(cells: list[PubCell]) -> tuple[int, int]:
    """(organisations, workers lower bound) of a group of cells."""
    best: dict[str, int] = {}
    for cell in cells:
        for org, n in cell.members.items():
            best[org] = max(best.get(org, 0), n)
    return len(best), sum(best.values())


def _small(cells: list[PubCell], rules: Rules) -> bool:
    orgs, workers = _union(cells)
    return orgs < rules.k_orgs or workers < rules.k_workers


def _lines(cells: dict[tuple[str, str, str], PubCell]) -> list[list[PubCell]]:
    """Every line whose cells add up to a published margin: rows (sector, dimension) and
    columns (dimension, value) — the « ensemble » cell last in its column."""
    rows: dict[tuple[str, str], list[PubCell]] = defaultdict(list)
    cols: dict[tuple[str, str], list[PubCell]] = defaultdict(list)
    for (row, dim, value), cell in sorted(cells.items()):
        if dim != "total":
            rows[(row, dim)].append(cell)
        cols[(dim, value)].append(cell)
    for col in cols.values():
        col.sort(key=lambda c: c.secteur == ENSEMBLE)
    return list(rows.values()) + list(cols.values())


def suppress(cells: dict[tuple[str, str, str], PubCell], rules: Rules) -> None:
    """Primary then complementary suppression (module doc), in place."""
    for cell in cells.values():
        if _small([cell], rules):
            cell.masque = 1
    lines = _lines(cells)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [c for c in line if c.masque]
            if not hidden or not _small(hidden, rules):
                continue
            visible = [c for c in line if not c.masque]
            if not visible:
                continue
            # Smallest first; the « ensemble » margin only when no sector cell is left.
            visible.sort(key=lambda c: (c.secteur == ENSEMBLE, _union([c])[1], c.nombre or 0,
                                        c.secteur, c.valeur))
            visible[0].masque = 1
            changed = True


def participation(month: str, org_cells: list[OrgCell], profiles: dict[str, dict[str, str]],
                  rules: Rules) -> dict[str, Any]:
    """Organisations of the month by sector, size band and region (counts under
    ``k_orgs`` shown as None: « moins de 3 »)."""
    orgs = sorted({oc.organisation for oc in org_cells})
    out: dict[str, Any] = {"organisations": len(orgs)}
    for axis in ("secteur", "taille", "region"):
        counts: dict[str, int] = defaultdict(int)
        for org in orgs:
            counts[profiles.get(org, {}).get(axis, "inconnu")] += 1
        out[axis] = {k: (n if n >= rules.k_orgs else None) for k, n in sorted(counts.items())}
    return out


def _ledger_path(pub_dir: Path) -> Path:
    return pub_dir / "registre_dp.json"


def epsilon_spent(pub_dir: Path, month: str) -> float:
    """ε already spent on publications of ``month``."""
    path = _ledger_path(pub_dir)
    ledger = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return float(sum(e["epsilon"] for e in ledger.get(month, [])))


def _charge(pub_dir: Path, month: str, epsilon: float, budget: float) -> None:
    path = _ledger_path(pub_dir)
    ledger = json.loads(path.read_text("utf-8")) if path.exists() else {}
    spent = float(sum(e["epsilon"] for e in ledger.get(month, [])))
    if spent + epsilon > budget + 1e-9:
        raise StudyBudgetExhausted(
            f"Budget de confidentialité épuisé pour {month} : ε déjà dépensé {spent:g} sur "
            f"{budget:g}, cette publication demande ε = {epsilon:g}.")
    ledger.setdefault(month, []).append(
        {"epsilon": epsilon, "date": datetime.now(UTC).isoformat(timespec="seconds")})
    _write_json(path, ledger)


def _noise(cells: list[PubCell], epsilon: float) -> dict[str, Any]:
    """Laplace noise on the published workers counts (privacy unit: one worker)."""
    from gateway.usage.dp import laplace

    shown = [c for c in cells if not c.masque]
    # A worker belongs to one organisation, so to one sector row and to « ensemble »; in a
    # dimension they may be in every value: L1 sensitivity = 2 × number of columns.
    columns = {(c.dimension, c.valeur) for c in cells}
    sensitivity = 2 * len(columns)
    noisy = laplace([float(c.utilisateurs or 0) for c in shown], sensitivity, epsilon)
    for cell, value in zip(shown, noisy, strict=True):
        cell.utilisateurs_bruites = round(max(value, 0.0), 1)
        cell.utilisateurs = None
    return {"mecanisme": "Laplace (OpenDP)", "unite": "travailleur", "epsilon": epsilon,
            "sensibilite_l1": sensitivity, "comptes_exacts_utilisateurs": "non publiés"}


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, path)


def publication_path(pub_dir: Path, month: str) -> Path:
    return pub_dir / f"{month}.json"


def build(month: str, org_cells: list[OrgCell], profiles: dict[str, dict[str, str]],
          rules: Rules) -> dict[str, Any]:
    """The publication of ``month`` (not yet noised nor written)."""
    cells = cells_of_month(month, org_cells)
    suppress(cells, rules)
    out = []
    for cell in sorted(cells.values(), key=lambda c: (c.dimension, c.valeur, c.secteur)):
        if not cell.masque:
            cell.organisations, cell.utilisateurs = _union([cell])[0], _union([cell])[1]
        else:
            cell.nombre, cell.figures = None, {}
        out.append(cell)
    return {
        "mois": month,
        "regles": asdict(rules),
        "participation": participation(month, org_cells, profiles, rules),
        "cellules": out,
    }


def to_json(pub: dict[str, Any]) -> dict[str, Any]:
    """The publication as written (contributions dropped)."""
    cells = []
    for c in pub["cellules"]:
        row = {"mois": c.mois, "secteur": c.secteur, "dimension": c.dimension,
               "valeur": c.valeur, "masque": c.masque, "organisations": c.organisations,
               "utilisateurs": c.utilisateurs, "utilisateurs_bruites": c.utilisateurs_bruites,
               "nombre": c.nombre}
        row |= {name: (c.figures.get(name) if c.dimension == "total" and not c.masque
                       else None) for name in TOTAL_FIGURES}
        cells.append(row)
    return {**{k: v for k, v in pub.items() if k != "cellules"}, "cellules": cells}


def publish(pub_dir: Path, month: str, org_cells: list[OrgCell],
            profiles: dict[str, dict[str, str]], rules: Rules, epsilon: float | None = None,
            budget: float = 3.0) -> dict[str, Any]:
    """Publish ``month`` once: apply the rules, optionally charge the ledger and add noise,
    write ``publications/YYYY-MM.json``. :class:`AlreadyPublished` if it exists."""
    path = publication_path(pub_dir, month)
    if path.exists():
        raise AlreadyPublished(month)
    if not org_cells:
        raise ValueError(f"Aucun export pour {month}.")
    pub = build(month, org_cells, profiles, rules)
    pub["dp"] = None
    if epsilon is not None:
        from gateway.usage.dp import ensure_available

        ensure_available()
        _charge(pub_dir, month, epsilon, budget)
        pub["dp"] = _noise(pub["cellules"], epsilon)
        pub["dp"]["budget_par_mois"] = budget
    pub["publie_le"] = datetime.now(UTC).isoformat(timespec="seconds")
    data = to_json(pub)
    _write_json(path, data)
    return data


def published_months(pub_dir: Path) -> list[str]:
    """Months already published (frozen)."""
    if not pub_dir.exists():
        return []
    return sorted(p.stem for p in pub_dir.glob("????-??.json"))


def load(pub_dir: Path, month: str) -> dict[str, Any]:
    """A written publication."""
    return json.loads(publication_path(pub_dir, month).read_text("utf-8"))
