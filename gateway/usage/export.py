"""Research export: monthly aggregates per organisation over a fixed taxonomy, k ≥ 11.

One row per (month, organisation, dimension, value); no free text, no per-worker row. The
organisation's month is published only if it has at least ``k`` workers; in each dimension
the cells under ``k`` are hidden with complementary suppression (:mod:`.suppress`), and
appear as rows with ``masque = 1`` and no figures. Only closed months are exported
(:mod:`gateway.usage.periods`). Optional DP noise on distinct-worker counts (:mod:`.dp`):
then the exact distinct counts are left out, and each release is charged to a persisted
ε ledger per organisation-month, refused beyond :data:`gateway.usage.dp.EPSILON_BUDGET`.
Column meanings: ``docs/data-dictionary.md``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.usage import impact
from gateway.usage.cells import BREAKDOWNS, Cell, breakdown_cells, by_month, total_cells
from gateway.usage.dp import (
    EPSILON_BUDGET,
    BudgetExhausted,
    bound_contributions,
    ensure_available,
    laplace,
)
from gateway.usage.events import DIMENSIONS, OPT_OUT_SUFFIX
from gateway.usage.report import Period
from gateway.usage.store import CounterRow, UsageStore, UserRow
from gateway.usage.suppress import effective_k, suppress

_ROLE = DIMENSIONS.index("role")

RESEARCH_K = 11
COLUMNS: tuple[str, ...] = (
    "mois", "organisation", "dimension", "valeur", "masque", "nombre",
    "utilisateurs_distincts", "jetons_entree", "jetons_sortie", "energie_kwh_min",
    "energie_kwh_max", "ges_kgco2eq_min", "ges_kgco2eq_max", "seuil_k", "dp_epsilon",
    "dp_utilisateurs_bruites",
)
FREQUENCY = ("1-2", "3-9", "10+")
FORMATS = ("csv", "jsonl", "parquet")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    k: int = RESEARCH_K
    epsilon: float | None = None  # per organisation-month; None = no DP columns
    max_cells: int = 3
    budget: float = EPSILON_BUDGET  # total ε per organisation-month, all releases


@dataclass(frozen=True, slots=True)
class _Release:
    """What the noise of one organisation-month needs (kept until the ledger is charged)."""

    rows: list[dict[str, Any]]
    total: Cell
    members: dict[tuple[str, str], set[str]]


async def research_rows(
    store: UsageStore, orgs: Iterable[str], requested: Period, options: ExportOptions,
    now: datetime | None = None, survey: Any = None,
) -> list[dict[str, Any]]:
    """Every export row for ``orgs`` over the closed months of ``requested`` (at ``now``).

    With ``options.epsilon``, every released organisation-month is charged ``ε`` in the
    store's ledger first; :class:`BudgetExhausted` if one would exceed ``options.budget``.
    With ``survey`` (a :class:`gateway.survey.store.SurveyStore`), the questionnaire's
    ``enquete_*`` rows follow each organisation-month, same threshold — left out of DP
    exports, whose guarantee does not cover them.
    """
    period = requested.closed(now)
    if period is None:
        return []
    k = effective_k(options.k, RESEARCH_K)
    rows: list[dict[str, Any]] = []
    releases: dict[str, list[tuple[str, _Release]]] = defaultdict(list)
    for org in orgs:
        # Workers who objected to the research export (flag set at record time) are left
        # out of every export, counters and distinct-worker marks alike.
        counters = [c for c in await store.counters(org, period.start, period.end)
                    if not c.dims[_ROLE].endswith(OPT_OUT_SUFFIX)]
        users = [u for u in await store.users(org, period.start, period.end)
                 if not u.dims[_ROLE].endswith(OPT_OUT_SUFFIX)]
        months = by_month(counters, users)
        for month in period.months():
            month_counters, month_users = months.get(month, ([], []))
            if month_counters:
                month_rows, release = _org_month(
                    org, month, month_counters, month_users, k, options
                )
                rows += month_rows
                if release is not None:
                    releases[org].append((month, release))
            if survey is not None and options.epsilon is None:
                from gateway.survey.aggregate import survey_rows

                respondents, answers = await survey.counts(org, month)
                rows += survey_rows(org, month, respondents, answers, k)
    if options.epsilon is not None:
        await _charge(store, releases, options)
        for released in releases.values():
            for _, release in released:
                _add_noise(release, len(BREAKDOWNS), options)
    return rows


async def _charge(
    store: UsageStore, releases: dict[str, list[tuple[str, _Release]]], options: ExportOptions
) -> None:
    """Check every organisation-month against the budget, then charge each org atomically."""
    assert options.epsilon is not None
    ensure_available()
    eps, budget = options.epsilon, options.budget
    for org, released in releases.items():
        for month, _ in released:
            spent = await store.epsilon_spent(org, month)
            if spent + eps > budget + 1e-9:
                raise BudgetExhausted(org, month, spent, eps, budget)
    for org, released in releases.items():
        months = [month for month, _ in released]
        if not await store.charge_epsilon(org, months, eps, budget):
            raise BudgetExhausted(org, months[0], budget, eps, budget)


def org_month_rows(
    org: str, month: str, counters: list[CounterRow], users: list[UserRow],
    options: ExportOptions = ExportOptions(),
) -> list[dict[str, Any]]:
    """The export rows of one organisation-month from its store rows, without DP (used by
    the study simulation, which builds aggregates without going through a store)."""
    rows, _ = _org_month(org, month, counters, users, effective_k(options.k, RESEARCH_K),
                         ExportOptions(k=options.k, max_cells=options.max_cells))
    return rows


def _org_month(
    org: str, month: str, counters: list[CounterRow], users: list[UserRow], k: int,
    options: ExportOptions,
) -> tuple[list[dict[str, Any]], _Release | None]:
    dp = options.epsilon is not None
    base = {"mois": month, "organisation": org, "seuil_k": k, "dp_epsilon": options.epsilon}
    total = total_cells(counters, users, lambda _: "total")["total"]
    if total.distinct < k:
        return [{**base, "dimension": "total", "valeur": "", "masque": 1}], None
    out = [{**base, **_total_figures(total, dp), "dimension": "total", "valeur": ""}]
    dimensions: list[tuple[str, dict[str, Cell]]] = [
        (b.name, breakdown_cells(b, counters, users, lambda _: "org").get("org", {}))
        for b in BREAKDOWNS
    ]
    dimensions.append(("frequence_jours_actifs", _frequency(users)))
    members: dict[tuple[str, str], set[str]] = {}
    for name, cells in dimensions:
        hidden = suppress(cells, k)
        for key in sorted(cells):
            cell = cells[key]
            row = {**base, "dimension": name, "valeur": key}
            if key in hidden:
                out.append({**row, "masque": 1})
                continue
            # With DP the exact distinct count is not published: only its noisy version.
            figures: dict[str, Any] = {"masque": 0}
            if not dp:
                figures["utilisateurs_distincts"] = cell.distinct
            if "value" in cell.counts:
                figures["nombre"] = int(cell.counts["value"])
            out.append({**row, **figures})
            members[(name, key)] = set().union(*cell.users.values()) if cell.users else set()
    return out, (_Release(out, total, members) if dp else None)


def _total_figures(cell: Cell, dp: bool) -> dict[str, Any]:
    c = cell.counts
    return {
        "masque": 0,
        "nombre": int(c.get("requests", 0)),
        "utilisateurs_distincts": None if dp else cell.distinct,
        "jetons_entree": int(c.get("prompt_tokens", 0)),
        "jetons_sortie": int(c.get("completion_tokens", 0)),
        "energie_kwh_min": c.get("energy_kwh_min", 0.0),
        "energie_kwh_max": c.get("energy_kwh_max", 0.0),
        "ges_kgco2eq_min": c.get("gwp_kgco2eq_min", 0.0),
        "ges_kgco2eq_max": c.get("gwp_kgco2eq_max", 0.0),
    }


def _frequency(users: list[UserRow]) -> dict[str, Cell]:
    """Workers by number of active days in the month (each worker in one bucket)."""
    days: dict[str, set[str]] = defaultdict(set)
    for u in users:
        if u.facet == "":
            days[u.pseudonym].add(u.day)
    cells: dict[str, Cell] = {}
    for mark, active in days.items():
        n = len(active)
        bucket = FREQUENCY[0] if n <= 2 else FREQUENCY[1] if n <= 9 else FREQUENCY[2]
        cells.setdefault(bucket, Cell()).users[users[0].day[:7]].add(mark)
    return cells


def _add_noise(release: _Release, n_dims: int, options: ExportOptions) -> None:
    """Laplace noise on distinct-worker counts of the published rows (see :mod:`.dp`)."""
    assert options.epsilon is not None
    rows, total, members = release.rows, release.total, release.members
    bounded: dict[tuple[str, str], set[str]] = {}
    for name in {n for n, _ in members}:
        part = {key: marks for (n, key), marks in members.items() if n == name}
        cap = 1 if name == "frequence_jours_actifs" else options.max_cells
        bounded |= {(name, key): marks for key, marks in bound_contributions(part, cap).items()}
    keys = sorted(bounded)
    true = [float(total.distinct)] + [float(len(bounded[key])) for key in keys]
    sensitivity = 2 + options.max_cells * n_dims
    noisy = laplace(true, sensitivity, options.epsilon)
    by_key = dict(zip(keys, noisy[1:], strict=True))
    for row in rows:
        if row.get("masque") == 1:
            continue
        value = noisy[0] if row["dimension"] == "total" else by_key.get((row["dimension"], row["valeur"]))
        if value is not None:
            row["dp_utilisateurs_bruites"] = round(max(value, 0.0), 1)


def metadata(period: Period, options: ExportOptions, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What a reader needs to interpret the file: threshold, DP budget, impact method."""
    months = {r["mois"] for r in rows}
    eps = options.epsilon
    return {
        "periode": {"debut": period.first, "fin": period.last},
        "mois_publies": sorted(months),
        "mois_clos_seulement": True,
        "seuil_k": effective_k(options.k, RESEARCH_K),
        "dp": None if eps is None else {
            "unite": "travailleur (pseudonyme mensuel)",
            "mecanisme": "Laplace (OpenDP)",
            "epsilon_par_organisation_mois": eps,
            "epsilon_total": eps * len(months),
            "budget_par_organisation_mois": options.budget,
            "registre": "chaque diffusion est imputée au budget de l'organisation-mois ; "
                        "au-delà, l'export est refusé",
            "comptes_exacts_distincts": "non publiés",
            "cellules_max_par_dimension": options.max_cells,
        },
        "impact": impact.method(),
        "dictionnaire": "docs/data-dictionary.md",
    }


def render(rows: list[dict[str, Any]], fmt: str, meta: dict[str, Any]) -> bytes:
    """The export file's bytes in ``fmt`` (csv, jsonl, or parquet when pyarrow is installed)."""
    full = [{c: row.get(c) for c in COLUMNS} for row in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: ("" if v is None else v) for c, v in r.items()} for r in full)
        return buf.getvalue().encode("utf-8")
    if fmt == "jsonl":
        lines = [json.dumps({"_meta": meta}, ensure_ascii=False)]
        lines += [json.dumps(r, ensure_ascii=False) for r in full]
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt == "parquet":
        return _parquet(full, meta)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _parquet(rows: list[dict[str, Any]], meta: dict[str, Any]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RuntimeError(
            "Parquet demande pyarrow (extra optionnel) : pip install -e '.[research]' depuis "
            "le dépôt, ou pip install 'gardefou[research]'"
        ) from exc
    table = pa.Table.from_pylist(rows).replace_schema_metadata(
        {"gardefou": json.dumps(meta, ensure_ascii=False)}
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
