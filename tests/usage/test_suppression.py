"""k-anonymity: primary and complementary suppression on every read path."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.usage.cells import Cell
from gateway.usage.export import ExportOptions, research_rows
from gateway.usage.pseudonym import pseudonym
from gateway.usage.report import Period, dashboard
from gateway.usage.simulate import month_of_traffic
from gateway.usage.store_sqlite import SQLiteUsageStore
from gateway.usage.suppress import OTHERS, WHOLE, effective_k, form_units, suppress

SALT = b"salt"
MARCH = Period("2025-03", "2025-03")


def cell(users: int, start: int = 0, requests: float = 10) -> Cell:
    c = Cell()
    c.users["2025-03"] = {f"w{i}" for i in range(start, start + users)}
    c.counts["requests"] = requests
    return c


@pytest.mark.parametrize(
    ("sizes", "k", "hidden"),
    [
        ({"a": 9, "b": 8}, 5, set()),
        ({"a": 9, "b": 3}, 5, {"a", "b"}),  # one small cell drags the other: total − a = b
        ({"a": 20, "b": 9, "c": 3}, 5, {"b", "c"}),  # the smallest visible one is added
        ({"a": 20, "b": 3, "c": 2}, 5, {"b", "c"}),  # two small ones pool to 5: enough
        ({"a": 20, "b": 2, "c": 2}, 5, {"a", "b", "c"}),  # pooled 4 < 5 → everything
        ({"a": 12, "b": 11}, 11, set()),
        ({"a": 12, "b": 10}, 11, {"a", "b"}),
    ],
)
def test_suppress_partition(sizes: dict[str, int], k: int, hidden: set[str]) -> None:
    start, cells = 0, {}
    for key, n in sizes.items():
        cells[key] = cell(n, start)
        start += n
    assert suppress(cells, k) == hidden


def test_hidden_cells_always_pool_at_least_k() -> None:
    cells = {f"c{i}": cell(n, 100 * i) for i, n in enumerate([1, 2, 3, 4, 6, 7, 30])}
    hidden = suppress(cells, 5)
    assert len(set().union(*(cells[h].users["2025-03"] for h in hidden))) >= 5


@pytest.mark.parametrize(
    ("sizes", "units"),
    [
        ({"grande": 20, "moyenne": 9}, {"grande": "grande", "moyenne": "moyenne"}),
        ({"grande": 20, "moyenne": 9, "petite": 3},
         {"grande": "grande", "moyenne": OTHERS, "petite": OTHERS}),
        ({"grande": 20, "p1": 3, "p2": 4}, {"grande": "grande", "p1": OTHERS, "p2": OTHERS}),
        ({"p1": 3, "p2": 4}, {"p1": WHOLE, "p2": WHOLE}),
    ],
)
def test_teams_form_units_of_at_least_k(sizes: dict[str, int], units: dict[str, str]) -> None:
    start, cells = 0, {}
    for key, n in sizes.items():
        cells[key] = cell(n, start)
        start += n
    assert form_units(cells, 5) == units


@pytest.mark.parametrize(("asked", "floor", "expected"), [
    (None, 5, 5), (3, 5, 5), (8, 5, 8), (5, 11, 11), (20, 11, 20),
])
def test_k_is_never_lowered(asked: int | None, floor: int, expected: int) -> None:
    assert effective_k(asked, floor) == expected


@pytest.fixture
async def month_store(tmp_path: Path):
    """A simulated month: teams of 18, 11, 7, 4 and 3 workers."""
    store = SQLiteUsageStore(tmp_path / "u.sqlite3")
    truth: Counter[tuple[str, str]] = Counter()
    for item in month_of_traffic("2025-03", org="asso"):
        await store.add(item.event, pseudonym(SALT, item.principal.worker, item.event.hour))
        truth[(item.event.team, item.event.use)] += 1
    yield store, truth
    await store.aclose()


async def test_team_of_three_never_shows(month_store) -> None:
    store, _ = month_store
    data = await dashboard(store, "asso", MARCH, None, 5)
    assert "direction" not in data["equipes"] and "insertion" not in data["equipes"]
    assert OTHERS in data["equipes"]
    assert (await dashboard(store, "asso", MARCH, "direction", 5))["graphiques"]["adoption"][
        "points"] == [{"mois": "2025-03", "masque": True}]


async def test_subtraction_attack_only_yields_groups_of_k(month_store) -> None:
    """Organisation view − every named team view = the pooled unit (≥ k people), never the
    team of 3: org figures are sums of published unit figures."""
    store, truth = month_store
    org = await dashboard(store, "asso", MARCH, None, 5)
    views = {t: await dashboard(store, "asso", MARCH, t, 5) for t in org["equipes"]}
    for chart, spec in org["graphiques"].items():
        if spec["type"] != "bars":
            continue
        total = {v["cle"]: v["valeur"] for v in spec["valeurs"]}
        named = Counter()
        for team, view in views.items():
            if team != OTHERS:
                named.update({v["cle"]: v["valeur"] for v in view["graphiques"][chart]["valeurs"]})
        pooled = {v["cle"]: v["valeur"] for v in views[OTHERS]["graphiques"][chart]["valeurs"]}
        residual = {k: total[k] - named.get(k, 0) for k in total if total[k] - named.get(k, 0)}
        assert residual == pooled, chart
    # and the pooled figures are not the small team's own figures
    small = {use: n for (team, use), n in truth.items() if team == "direction"}
    pooled_uses = {v["cle"]: v["valeur"] for v in views[OTHERS]["graphiques"]["usages"]["valeurs"]}
    assert all(pooled_uses.get(use) != n for use, n in small.items())


async def test_periods_are_sums_of_months(month_store) -> None:
    store, _ = month_store
    one = await dashboard(store, "asso", MARCH, None, 5)
    three = await dashboard(store, "asso", Period("2025-02", "2025-04"), None, 5)
    assert one["graphiques"]["usages"] == three["graphiques"]["usages"]


async def test_research_export_hides_small_org_months_and_small_cells(month_store) -> None:
    store, _ = month_store
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions(k=11))
    assert rows[0]["dimension"] == "total" and rows[0]["masque"] == 0
    assert all(r["seuil_k"] == 11 for r in rows)
    for r in rows:
        if r["masque"] == 0:
            assert r["utilisateurs_distincts"] >= 11
    assert not any("team" in r or "equipe" in r for r in rows)
    # k = 50 is above the organisation's 43 workers: only a masked total remains
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions(k=50))
    assert rows == [{"mois": "2025-03", "organisation": "asso", "seuil_k": 50,
                     "dp_epsilon": None, "dimension": "total", "valeur": "", "masque": 1}]


async def test_research_k_cannot_go_below_11(month_store) -> None:
    store, _ = month_store
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions(k=2))
    assert {r["seuil_k"] for r in rows} == {11}


@pytest.mark.parametrize(("now", "months"), [
    (datetime(2025, 4, 2, tzinfo=UTC), []),  # March over, still in its grace period
    (datetime(2025, 4, 20, tzinfo=UTC), ["2025-03"]),  # April is open: not shown
    (datetime(2025, 6, 1, tzinfo=UTC), ["2025-03", "2025-04"]),
])
async def test_only_closed_months_are_published(month_store, now, months) -> None:
    """A manager polling the open month would watch single events arrive (12 → 13)."""
    store, _ = month_store
    for item in month_of_traffic("2025-04", org="asso", seed=9):
        await store.add(item.event, pseudonym(SALT, item.principal.worker, item.event.hour))
    data = await dashboard(store, "asso", Period("2025-03", "2025-04"), None, 5, now=now)
    charts = data["graphiques"]
    assert [p["mois"] for p in charts["adoption"]["points"]] == months
    weeks = [p["semaine"] for p in charts["activite_hebdo"]["points"]]
    assert all(w[:7] in months for w in weeks) and bool(weeks) is bool(months)
    assert bool(charts["usages"]["valeurs"]) is bool(months)
    assert data["note"] == "Les chiffres du mois en cours apparaissent à sa clôture."


@pytest.mark.parametrize(("now", "last"), [
    (datetime(2025, 4, 2, tzinfo=UTC), "2025-02"), (datetime(2025, 4, 20, tzinfo=UTC), "2025-03"),
])
def test_default_period_ends_with_the_last_closed_month(now, last) -> None:
    assert Period.parse(None, None, now=now).last == last
