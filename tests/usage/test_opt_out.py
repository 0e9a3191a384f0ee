"""Workers who objected to the research export are left out of it, and only of it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gateway.usage.export import ExportOptions, research_rows
from gateway.usage.pseudonym import pseudonym
from gateway.usage.report import Period, dashboard
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.usage.helpers import event, worker

MARCH = Period("2025-03", "2025-03")


def _total(rows: list[dict]) -> dict:
    return next(r for r in rows if r["dimension"] == "total")


@pytest.fixture
async def store(tmp_path: Path):
    s = SQLiteUsageStore(tmp_path / "usage.sqlite3")
    yield s
    await s.aclose()


async def _fill(store: SQLiteUsageStore, opted_out: set[int]) -> None:
    for i in range(14):
        w = worker("equipe", i)
        for _ in range(2):
            e = dataclasses.replace(event(w), research_opt_out=i in opted_out)
            await store.add(e, pseudonym(b"s", w.worker, e.hour))


async def test_opted_out_workers_leave_the_research_export(store) -> None:
    await _fill(store, opted_out={5, 9})
    total = _total(await research_rows(store, ["asso"], MARCH, ExportOptions()))
    assert (total["masque"], total["utilisateurs_distincts"], total["nombre"]) == (0, 12, 24)


async def test_below_the_threshold_once_they_leave(store) -> None:
    # 14 workers, 4 object: 10 remain, under the research threshold of 11 -> all masked
    await _fill(store, opted_out={0, 1, 2, 3})
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions())
    assert all(r.get("utilisateurs_distincts") in (None, 0) or r["masque"] == 1 for r in rows)
    assert not [r for r in rows if r["masque"] == 0]


async def test_the_dashboard_still_counts_them(store) -> None:
    await _fill(store, opted_out={0, 1, 2, 3})
    data = await dashboard(store, "asso", MARCH, None, 5)
    point = data["graphiques"]["adoption"]["points"][0]
    assert (point["utilisateurs"], point["requetes"]) == (14, 28)
