"""Research export files (csv, jsonl, parquet), optional OpenDP noise, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.usage.dp import bound_contributions
from gateway.usage.export import COLUMNS, ExportOptions, metadata, render, research_rows
from gateway.usage.pseudonym import pseudonym
from gateway.usage.report import Period
from gateway.usage.simulate import month_of_traffic
from gateway.usage.store_sqlite import SQLiteUsageStore

MARCH = Period("2025-03", "2025-03")


@pytest.fixture
async def store(tmp_path: Path):
    s = SQLiteUsageStore(tmp_path / "usage.sqlite3")
    for item in month_of_traffic("2025-03", org="asso"):
        await s.add(item.event, pseudonym(b"s", item.principal.worker, item.event.hour))
    yield s
    await s.aclose()


async def test_csv_and_jsonl_carry_the_same_rows(store) -> None:
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions())
    meta = metadata(MARCH, ExportOptions(), rows)
    parsed = list(csv.DictReader(io.StringIO(render(rows, "csv", meta).decode())))
    lines = render(rows, "jsonl", meta).decode().splitlines()
    assert json.loads(lines[0])["_meta"]["seuil_k"] == 11
    assert len(parsed) == len(lines) - 1 == len(rows)
    assert tuple(parsed[0]) == COLUMNS


async def test_parquet_keeps_metadata(store) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions())
    body = render(rows, "parquet", metadata(MARCH, ExportOptions(), rows))
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == len(rows)
    assert json.loads(table.schema.metadata[b"gardefou"])["seuil_k"] == 11


async def test_dp_noise_records_epsilon_and_keeps_the_threshold(store) -> None:
    pytest.importorskip("opendp")
    options = ExportOptions(epsilon=1.0)
    rows = await research_rows(store, ["asso"], MARCH, options)
    shown = [r for r in rows if r["masque"] == 0]
    assert all(r["dp_epsilon"] == 1.0 for r in rows)
    assert all("dp_utilisateurs_bruites" in r for r in shown)
    # The exact count next to the noisy one would void the noise.
    assert all(r.get("utilisateurs_distincts") is None for r in rows)
    parsed = list(csv.DictReader(io.StringIO(render(rows, "csv", metadata(MARCH, options, rows)).decode())))
    assert {r["utilisateurs_distincts"] for r in parsed} == {""}
    assert not any("dp_utilisateurs_bruites" in r for r in rows if r["masque"] == 1)
    meta = metadata(MARCH, options, rows)
    assert meta["dp"]["epsilon_total"] == 1.0 and meta["dp"]["unite"].startswith("travailleur")


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_contribution_bounding_caps_cells_per_worker(cap: int) -> None:
    members = {f"c{i}": {"w1", "w2"} if i < 4 else {"w2"} for i in range(6)}
    bounded = bound_contributions(members, cap)
    for worker in ("w1", "w2"):
        assert sum(worker in marks for marks in bounded.values()) == cap


async def test_dp_releases_are_charged_to_a_persisted_budget(store, tmp_path: Path) -> None:
    """Fresh noise on every request would average out: the ledger refuses the release that
    would exceed the organisation-month's budget, and survives a restart."""
    pytest.importorskip("opendp")
    from gateway.usage.dp import EPSILON_BUDGET, BudgetExhausted

    assert EPSILON_BUDGET == 3.0
    for _ in range(3):
        await research_rows(store, ["asso"], MARCH, ExportOptions(epsilon=1.0))
    with pytest.raises(BudgetExhausted, match="Budget de confidentialité épuisé .* 2025-03"):
        await research_rows(store, ["asso"], MARCH, ExportOptions(epsilon=0.5))
    reopened = SQLiteUsageStore(store.path)
    assert await reopened.epsilon_spent("asso", "2025-03") == 3.0
    await reopened.aclose()
    # exports without noise are not charged (they publish the threshold rule only)
    assert await research_rows(store, ["asso"], MARCH, ExportOptions())


async def test_a_release_above_the_whole_budget_is_refused_without_charge(store) -> None:
    pytest.importorskip("opendp")
    from gateway.usage.dp import BudgetExhausted

    with pytest.raises(BudgetExhausted):
        await research_rows(store, ["asso"], MARCH, ExportOptions(epsilon=3.5))
    assert await store.epsilon_spent("asso", "2025-03") == 0.0


@pytest.mark.parametrize(("now", "published"), [
    (datetime(2025, 3, 20, tzinfo=UTC), False),  # the month is open
    (datetime(2025, 4, 2, tzinfo=UTC), False),  # over, but late events may still arrive
    (datetime(2025, 4, 10, tzinfo=UTC), True),
])
async def test_only_closed_months_are_exported(store, now: datetime, published: bool) -> None:
    rows = await research_rows(store, ["asso"], MARCH, ExportOptions(), now=now)
    assert bool(rows) is published


def test_cli_simulate_needs_yes_and_refuses_to_mix(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GARDEFOU_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("GARDEFOU_REDIS_URL", raising=False)
    monkeypatch.delenv("GARDEFOU_USAGE_DB", raising=False)
    assert main(["usage", "simulate", "--month", "2025-03", "--org", "asso"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert not (tmp_path / "usage.sqlite3").exists()
    assert main(["usage", "simulate", "--month", "2025-03", "--org", "asso", "--yes"]) == 0
    assert main(["usage", "simulate", "--month", "2025-03", "--org", "asso", "--yes"]) == 2
    assert "already holds events" in capsys.readouterr().err
    assert not (tmp_path / "usage-secrets").exists()  # simulations use throwaway secrets


def test_cli_simulate_then_export(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GARDEFOU_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("GARDEFOU_REDIS_URL", raising=False)
    assert main(["usage", "simulate", "--month", "2025-03", "--org", "asso", "--yes"]) == 0
    out = tmp_path / "export.csv"
    code = main(["export", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "csv",
                 "-o", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("mois,organisation") and "asso" in text
    assert main(["export", "--from", "2025-04", "--to", "2025-03"]) == 2
