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
   row, when it adds up to a published margin (:data:`MARGINS`: the sector's total for
   uses, models, hosting; « aucun » hosting for blocked rules…), the « ensemble » row, and
   each value's column (whose margin is the « ensemble » cell) — hides nothing or hides cells that
   together cover ≥ ``k_orgs`` organisations and ≥ ``k_workers`` workers (per
   organisation, the largest of its hidden cells' counts: a lower bound of the union).
   Otherwise the smallest visible cell of the line is hidden too, until every line holds.
   A hidden cell that is the only unknown of a line can be computed: it then counts as
   shown for the other lines, and must itself pass rule 1. So subtracting published cells
   from a published margin yields a group of at least ``k_orgs`` organisations, never one
   hidden cell (``tests/study/test_publish.py`` runs the linear-algebra attack).
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


# Which published figure a sector's row of a dimension adds up to (at an organisation whose
# cells are all visible): requests by use, model or hosting add up to all requests (the
# « total » row); active-day buckets to the workers of « total »; blocked requests by rule to
# the requests that went nowhere (hosting and model « aucun »); single-choice answers to the
# respondents. Multi-label dimensions (redaction labels, sensitivity classes, the
# questionnaire's multiple choices) add up to nothing published: one request or person counts
# in several values.
MARGINS: dict[str, tuple[tuple[str, str], ...]] = {
    "usages": (("total", ""),),
    "modeles": (("total", ""),),
    "hebergement": (("total", ""),),
    "frequence_jours_actifs": (("total", ""),),
    "blocages": (("hebergement", "aucun"), ("modeles", "aucun")),
    "enquete_frequence": (("enquete_repondants", ""),),
}


def _lines(cells: dict[tuple[str, str, str], PubCell]) -> list[list[PubCell]]:
    """Every group of cells tied by one published relation: a sector's (or « ensemble »'s)
    row of a dimension with its margin (:data:`MARGINS`), and each value's column with its
    « ensemble » cell (the margin: sectors are disjoint)."""
    rows: dict[tuple[str, str], list[PubCell]] = defaultdict(list)
    cols: dict[tuple[str, str], list[PubCell]] = defaultdict(list)
    for (row, dim, value), cell in sorted(cells.items()):
        if dim in MARGINS:
            rows[(row, dim)].append(cell)
        cols[(dim, value)].append(cell)
    lines = list(cols.values())
    for (row, dim), line in rows.items():
        for margin_dim, margin_value in MARGINS[dim]:
            margin = cells.get((row, margin_dim, margin_value))
            if margin is not None:
                lines.append([*line, margin])
    return lines


def _hide_order(cell: PubCell) -> tuple[Any, ...]:
    """Which visible cell to hide first: inner cells before sector totals before any
    « ensemble » cell (the figures readers need most), then the smallest."""
    return (cell.secteur == ENSEMBLE, cell.dimension == "total", _union([cell])[1],
            cell.nombre or 0, cell.secteur, cell.dimension, cell.valeur)


def _exposed(lines: list[list[PubCell]]) -> set[int]:
    """Hidden cells an attacker can still compute: the only unknown of a line, repeatedly
    (each line's cells add up to zero once the margin is moved to the other side)."""
    exposed: set[int] = set()
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [c for c in line if c.masque and id(c) not in exposed]
            if len(unknown) == 1:
                exposed.add(id(unknown[0]))
                changed = True
    return exposed


def _violation(line: list[PubCell], exposed: set[int], rules: Rules) -> bool:
    """The line lets a small group out: its still-unknown hidden cells together are small,
    or one of its hidden cells is computable although it failed the primary rule."""
    unknown = [c for c in line if c.masque and id(c) not in exposed]
    if unknown and _small(unknown, rules):
        return True
    return any(c.masque and id(c) in exposed and _small([c], rules) for c in line)


def suppress(cells: dict[tuple[str, str, str], PubCell], rules: Rules) -> None:
    """Primary then complementary suppression (module doc), in place: repeat until no line
    lets a small group out, hiding the smallest visible cell of an offending line (a margin
    only when no inner cell is left)."""
    for cell in cells.values():
        if _small([cell], rules):
            cell.masque = 1
    _line_rules(cells, rules)
    _close_leaks(cells, rules)


def _line_rules(cells: dict[tuple[str, str, str], PubCell], rules: Rules) -> None:
    lines = _lines(cells)
    while True:
        exposed = _exposed(lines)
        offending = next((line for line in lines if _violation(line, exposed, rules)
                          and any(not c.masque for c in line)), None)
        if offending is None:
            return
        visible = sorted((c for c in offending if not c.masque), key=_hide_order)
        visible[0].masque = 1


def recoverable(cells: dict[tuple[str, str, str], PubCell], dimension: str,
                rules: Rules) -> list[tuple[str, ...]]:
    """Groups of fewer than ``k_orgs`` organisations (single ones and pairs) whose combined
    cells of ``dimension`` a linear combination of the published figures gives.

    Unknowns: each organisation's visible cell of each value. Equations: every published
    cell, and every published margin (:data:`MARGINS`) as the sum of its sector's row
    (conservative: as if every organisation showed all its cells). A combination of some unknowns is computable iff
    it lies in the row space, i.e. iff the residual projector restricted to them is singular.
    Groups of up to 2 organisations are searched (``k_orgs`` = 3 by default; with a higher
    ``k_orgs`` larger groups are covered only by the line rules)."""
    import numpy as np

    mine = [c for (_, dim, _), c in cells.items() if dim == dimension]
    unknowns: dict[tuple[str, str], int] = {}
    for c in mine:
        for org in c.members:
            unknowns.setdefault((org, c.valeur), len(unknowns))
    equations: list[list[int]] = []
    for c in mine:
        if not c.masque:
            equations.append([unknowns[(o, c.valeur)] for o in c.members])
    for margin_dim, margin_value in MARGINS.get(dimension, ()):
        for (row, dim, value), margin in cells.items():
            if (dim, value) == (margin_dim, margin_value) and not margin.masque:
                orgs = _row_orgs(mine, row)
                equations.append([j for (o, _), j in unknowns.items()
                                  if row == ENSEMBLE or o in orgs])
    if not unknowns or not equations:
        return []
    a = np.zeros((len(equations), len(unknowns)))
    for i, cols in enumerate(equations):
        a[i, cols] = 1.0
    residual = np.eye(len(unknowns)) - np.linalg.pinv(a) @ a
    by_org: dict[str, list[int]] = defaultdict(list)
    for (org, _), j in unknowns.items():
        by_org[org].append(j)
    names = sorted(by_org)
    groups: list[tuple[str, ...]] = [(o,) for o in names]
    if rules.k_orgs > 2:
        groups += [(a_, b) for i, a_ in enumerate(names) for b in names[i + 1:]]
    return singular_groups(residual, by_org, groups)


def singular_groups(residual: Any, by_org: dict[str, list[int]],
                    groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The groups whose unknowns span a direction the published figures determine: the
    residual projector restricted to them is singular. Batched: each group's block is padded
    with the identity (which adds no singular direction) so one eigvalsh call does them all."""
    import numpy as np

    if not groups:
        return []
    size = max(sum(len(by_org[o]) for o in g) for g in groups)
    batch = np.tile(np.eye(size), (len(groups), 1, 1))
    for i, group in enumerate(groups):
        idx = [j for org in group for j in by_org[org]]
        batch[i, :len(idx), :len(idx)] = residual[np.ix_(idx, idx)]
    smallest = np.linalg.eigvalsh(batch)[:, 0]
    return [g for g, v in zip(groups, smallest, strict=True) if v < 1e-8]


def _row_orgs(cells: list[PubCell], row: str) -> set[str]:
    return {o for c in cells if c.secteur == row for o in c.members}


def _close_leaks(cells: dict[tuple[str, str, str], PubCell], rules: Rules) -> None:
    """Run :func:`recoverable` on every dimension; while a small group can be computed,
    hide the smallest visible inner cell holding one of its organisations (a margin if none)."""
    dimensions = sorted({dim for (_, dim, _) in cells})
    for dimension in dimensions:
        while True:
            leaks = recoverable(cells, dimension, rules)
            if not leaks:
                break
            orgs = set(leaks[0])
            candidates = sorted(
                (c for (_, dim, _), c in cells.items()
                 if not c.masque and orgs & set(c.members)
                 and (dim == dimension or (dim == "total" and dimension != "total"))),
                key=_hide_order)
            if not candidates:
                break
            candidates[0].masque = 1
            _line_rules(cells, rules)


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
    publication: dict[str, Any] = json.loads(publication_path(pub_dir, month).read_text("utf-8"))
    return publication
