"""The management dashboard's data: every chart, k-anonymised, for one org and period.

The period is a range of whole calendar months (no arbitrary dates: two overlapping
periods must not differ by a few days of a small group's activity). Each month is
suppressed on its own (see :mod:`gateway.usage.suppress`) and a period's figure is the sum
of the published monthly figures, so a period reveals nothing its months do not.

Only **closed** months are published (:mod:`gateway.usage.periods`: a month closes a few
days after its end): figures that moved while a manager watched would reveal single events
(a blocked-attempt counter going 12 → 13 an hour after a colleague's request). The weekly
chart slices closed months, so every week slice shown has ended and no longer changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.usage import impact, periods
from gateway.usage.cells import (
    BREAKDOWNS,
    TEAM,
    Cell,
    breakdown_cells,
    by_month,
    total_cells,
)
from gateway.usage.store import CounterRow, UsageStore, UserRow
from gateway.usage.suppress import form_units, suppress

SERIES_METRICS = (
    "requests", "prompt_tokens", "completion_tokens", "energy_kwh_min", "energy_kwh_max",
    "gwp_kgco2eq_min", "gwp_kgco2eq_max", "impact_n",
)


@dataclass(frozen=True, slots=True)
class Period:
    """Whole months ``first`` … ``last`` (``YYYY-MM``), inclusive."""

    first: str
    last: str

    @classmethod
    def parse(cls, first: str | None, last: str | None, now: datetime | None = None) -> Period:
        """``first``…``last``; by default the six months up to the last closed one."""
        last = last or periods.last_closed_month(now)
        if first is None:
            y, m = int(last[:4]), int(last[5:7]) - 5
            while m < 1:
                y, m = y - 1, m + 12
            first = f"{y:04d}-{m:02d}"
        for value in (first, last):
            datetime.strptime(value, "%Y-%m")  # ValueError on anything else
        if first > last:
            raise ValueError("period starts after it ends")
        return cls(first, last)

    @property
    def start(self) -> datetime:
        return datetime.strptime(self.first, "%Y-%m").replace(tzinfo=UTC)

    @property
    def end(self) -> datetime:
        y, m = int(self.last[:4]), int(self.last[5:7]) + 1
        if m == 13:
            y, m = y + 1, 1
        return datetime(y, m, 1, tzinfo=UTC)

    def closed(self, now: datetime | None = None) -> Period | None:
        """The part of this period that is closed at ``now`` (None if nothing is)."""
        last = min(self.last, periods.last_closed_month(now))
        return Period(self.first, last) if self.first <= last else None

    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while f"{y:04d}-{m:02d}" <= self.last:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _week_of(day: str) -> str:
    """The week slice of a day inside its month: its Monday, or the 1st of the month."""
    d = date.fromisoformat(day[:10])
    monday = d - timedelta(days=d.weekday())
    return max(monday, d.replace(day=1)).isoformat()


OPEN_MONTH_NOTE = "Les chiffres du mois en cours apparaissent à sa clôture."


async def dashboard(
    store: UsageStore, org: str, requested: Period, team: str | None, k: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    """All charts for ``org`` over the closed months of ``requested`` (at ``now``);
    ``team`` selects one reporting unit."""
    closed = requested.closed(now)
    period = closed or requested
    counters = await store.counters(org, period.start, period.end) if closed else []
    users = await store.users(org, period.start, period.end) if closed else []
    months = by_month(counters, users)

    units_seen: set[str] = set()
    monthly: list[dict[str, Any]] = []
    weekly: dict[str, dict[str, float]] = {}
    bars: dict[str, dict[str, float]] = {b.name: defaultdict(float) for b in BREAKDOWNS}
    hidden_any: dict[str, bool] = {b.name: False for b in BREAKDOWNS}
    hidden_weeks = False
    for month in period.months() if closed else []:
        mc, mu = months.get(month, ([], []))
        teams = total_cells(mc, mu, lambda dims: dims[TEAM])
        if not teams:
            monthly.append({"mois": month, "masque": False, "requetes": 0, "utilisateurs": 0})
            continue
        unit_of = form_units(teams, k)

        def group(dims: tuple[str, ...], unit_of: dict[str, str] = unit_of) -> str:
            return unit_of.get(dims[TEAM], dims[TEAM])

        units = total_cells(mc, mu, group)
        shown = {u: c for u, c in units.items() if c.distinct >= k}
        units_seen |= set(shown)
        selected = _select(shown, team)
        if not selected:
            monthly.append({"mois": month, "masque": True})
            continue
        monthly.append(_series_point(month, selected))

        for b in BREAKDOWNS:
            for unit, cells in breakdown_cells(b, mc, mu, group).items():
                if unit not in selected:
                    continue
                hidden = suppress(cells, k)
                hidden_any[b.name] |= bool(hidden)
                for key, cell in cells.items():
                    if key not in hidden:
                        bars[b.name][key] += cell.counts.get("value", 0)
        weeks = _weekly(mc, mu, group, selected, k)
        hidden_weeks |= weeks.pop("__hidden__", {}).get("n", 0) > 0
        for week, values in weeks.items():
            acc = weekly.setdefault(week, defaultdict(float))
            for metric, value in values.items():
                acc[metric] += value

    charts: dict[str, Any] = {
        "adoption": {
            "titre": "Adoption : personnes distinctes et requêtes par mois",
            "type": "series",
            "points": [
                {key: p[key] for key in ("mois", "masque", "utilisateurs", "requetes") if key in p}
                for p in monthly
            ],
        },
        "activite_hebdo": {
            "titre": "Activité par semaine",
            "type": "series",
            "masques": hidden_weeks,
            "points": [
                {"semaine": w, "requetes": int(v["requests"]), "utilisateurs": int(v["users"])}
                for w, v in sorted(weekly.items())
            ],
        },
        "jetons": {
            "titre": "Jetons par mois (entrée / sortie)",
            "type": "series",
            "points": [
                {key: p[key] for key in ("mois", "masque", "jetons_entree", "jetons_sortie")
                 if key in p}
                for p in monthly
            ],
        },
        "impact": {
            "titre": "Énergie et émissions estimées par mois (fourchettes)",
            "type": "series",
            "methode": impact.method(),
            "points": [
                {key: p[key] for key in ("mois", "masque", "energie_kwh_min", "energie_kwh_max",
                                         "ges_kgco2eq_min", "ges_kgco2eq_max",
                                         "part_requetes_estimees") if key in p}
                for p in monthly
            ],
        },
    }
    for b in BREAKDOWNS:
        charts[b.name] = {
            "titre": b.title,
            "type": "bars",
            "masques": hidden_any[b.name],
            "valeurs": [
                {"cle": key, "valeur": round(value)}
                for key, value in sorted(bars[b.name].items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        }
    return {
        "organisation": org,
        "k": k,
        "periode": {"debut": requested.first, "fin": requested.last},
        "publie_jusqu_a": periods.last_closed_month(now),
        "note": OPEN_MONTH_NOTE,
        "equipe": team,
        "equipes": sorted(units_seen),
        "graphiques": charts,
    }


def _select(shown: dict[str, Cell], team: str | None) -> dict[str, Cell]:
    if team is None:
        return shown
    return {team: shown[team]} if team in shown else {}


def _series_point(month: str, selected: dict[str, Cell]) -> dict[str, Any]:
    counts: dict[str, float] = defaultdict(float)
    for cell in selected.values():
        for metric in SERIES_METRICS:
            counts[metric] += cell.counts.get(metric, 0)
    requests = counts["requests"]
    return {
        "mois": month,
        "masque": False,
        "utilisateurs": sum(c.distinct for c in selected.values()),
        "requetes": int(requests),
        "jetons_entree": int(counts["prompt_tokens"]),
        "jetons_sortie": int(counts["completion_tokens"]),
        "energie_kwh_min": counts["energy_kwh_min"],
        "energie_kwh_max": counts["energy_kwh_max"],
        "ges_kgco2eq_min": counts["gwp_kgco2eq_min"],
        "ges_kgco2eq_max": counts["gwp_kgco2eq_max"],
        "part_requetes_estimees": round(counts["impact_n"] / requests, 3) if requests else 0.0,
    }


def _weekly(
    counters: Iterable[CounterRow], users: Iterable[UserRow], group: Any,
    selected: dict[str, Cell], k: int,
) -> dict[str, dict[str, float]]:
    """Week slices of the month per unit, each slice suppressed within its unit's month."""
    per_unit: dict[str, dict[str, Cell]] = defaultdict(lambda: defaultdict(Cell))
    for row in counters:
        if row.metric == "requests":
            per_unit[group(row.dims)][_week_of(row.hour)].counts["requests"] += row.value
    for urow in users:
        if urow.facet == "":
            per_unit[group(urow.dims)][_week_of(urow.day)].users[urow.day[:7]].add(urow.pseudonym)
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    n_hidden = 0
    for unit, cells in per_unit.items():
        if unit not in selected:
            continue
        hidden = suppress(cells, k)
        n_hidden += len(hidden)
        for week, cell in cells.items():
            if week not in hidden:
                out[week]["requests"] += cell.counts.get("requests", 0)
                out[week]["users"] += cell.distinct
    out["__hidden__"]["n"] = n_hidden
    return out
