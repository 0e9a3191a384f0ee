"""The store protocol, run on SQLite and Redis alike (``store`` fixture), and their parity."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.usage.export import ExportOptions, research_rows
from gateway.usage.pseudonym import pseudonym
from gateway.usage.report import Period, dashboard
from gateway.usage.simulate import month_of_traffic
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.usage.conftest import REDIS_URL, redis_available
from tests.usage.helpers import MARCH, event, worker

SALT = b"salt"


async def add(store, ev, principal) -> None:
    await store.add(ev, pseudonym(SALT, principal.worker, ev.hour))


async def test_counters_sum_per_hour_and_dims(store) -> None:
    w = worker("equipe", 1)
    for _ in range(3):
        await add(store, event(w, labels={"NIR": 2}), w)
    await add(store, event(w, use="traduction"), w)
    rows = await store.counters("asso", MARCH - timedelta(days=1), MARCH + timedelta(days=1))
    by = {(r.dims[2], r.metric): r.value for r in rows}
    assert by[("synthese", "requests")] == 3
    assert by[("synthese", "redaction:NIR")] == 6
    assert by[("synthese", "prompt_tokens")] == 300
    assert by[("traduction", "requests")] == 1


async def test_same_event_twice_counts_once(store) -> None:
    w = worker("equipe", 1)
    ev = event(w)
    await add(store, ev, w)
    await add(store, ev, w)  # a retry after a lost reply
    rows = await store.counters("asso", MARCH - timedelta(days=1), MARCH + timedelta(days=1))
    assert sum(r.value for r in rows if r.metric == "requests") == 1


async def test_a_batch_is_the_sum_of_its_events_and_idempotent(store) -> None:
    """The recorder's write-behind batches (``add_many``) count like single adds; a batch
    retried after a partial failure counts each event once."""
    a, b = worker("equipe", 1), worker("equipe", 2)
    events = [event(a, labels={"NIR": 1}), event(b), event(a, use="traduction")]
    items = [(ev, pseudonym(SALT, w.worker, ev.hour)) for ev, w in zip(events, (a, b, a))]
    await store.add_many(items[:1])
    await store.add_many(items)  # the first one again
    await store.add_many([])
    rows = await store.counters("asso", MARCH - timedelta(days=1), MARCH + timedelta(days=1))
    by = {(r.dims[2], r.metric): r.value for r in rows}
    assert by[("synthese", "requests")] == 2 and by[("traduction", "requests")] == 1
    assert by[("synthese", "redaction:NIR")] == 1
    users = await store.users("asso", MARCH.replace(hour=0), MARCH + timedelta(days=1))
    assert len({r.pseudonym for r in users}) == 2


async def test_user_marks_are_sets_by_day_and_facet(store) -> None:
    a, b = worker("equipe", 1), worker("equipe", 2)
    for w in (a, a, b):
        await add(store, event(w, labels={"PERSONNE": 1}), w)
    rows = await store.users("asso", MARCH.replace(hour=0), MARCH + timedelta(days=1))
    assert {(r.facet, r.day) for r in rows} == {("", "2025-03-12"), ("redaction:PERSONNE", "2025-03-12")}
    assert len({r.pseudonym for r in rows}) == 2


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (datetime(2025, 3, 12, 10, tzinfo=UTC), datetime(2025, 3, 12, 11, tzinfo=UTC), 1),
        (datetime(2025, 3, 12, 11, tzinfo=UTC), datetime(2025, 3, 13, tzinfo=UTC), 0),
        (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC), 1),
        (datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 5, 1, tzinfo=UTC), 0),
    ],
)
async def test_ranges_are_half_open(store, start, end, expected) -> None:
    w = worker("equipe", 1)
    await add(store, event(w), w)
    rows = await store.counters("asso", start, end)
    assert sum(r.value for r in rows if r.metric == "requests") == expected


async def test_orgs_and_isolation(store) -> None:
    a, b = worker("x", 1, org="org-a"), worker("x", 2, org="org-b")
    await add(store, event(a), a)
    await add(store, event(b), b)
    assert await store.orgs() == ["org-a", "org-b"]
    rows = await store.counters("org-a", MARCH - timedelta(days=1), MARCH + timedelta(days=1))
    assert {r.org for r in rows} == {"org-a"}


@pytest.mark.skipif(not redis_available(), reason="no Redis server")
async def test_sqlite_and_redis_give_the_same_reports(tmp_path: Path) -> None:
    """Parity: the same simulated traffic gives identical dashboards and exports."""
    import uuid

    from gateway.usage.store_redis import RedisUsageStore

    sqlite = SQLiteUsageStore(tmp_path / "u.sqlite3")
    prefix = f"gftest:{uuid.uuid4().hex[:10]}"
    redis = RedisUsageStore(REDIS_URL, prefix=prefix)
    teams = {"grande": 9, "moyenne": 6, "petite": 3}
    try:
        for item in month_of_traffic("2025-03", org="asso", teams=teams, seed=2):
            ev = dataclasses.replace(item.event, energy_kwh=(1e-5, 2e-5), gwp_kgco2eq=(1e-6, 3e-6))
            for s in (sqlite, redis):
                await add(s, ev, item.principal)
        period = Period("2025-03", "2025-03")
        reports = [await dashboard(s, "asso", period, None, 5) for s in (sqlite, redis)]
        assert _rounded(reports[0]) == _rounded(reports[1])
        exports = [await research_rows(s, ["asso"], period, ExportOptions(k=11)) for s in (sqlite, redis)]
        assert _rounded(exports[0]) == _rounded(exports[1])
        assert reports[0]["graphiques"]["adoption"]["points"][0]["requetes"] > 100
    finally:
        keys = [k async for k in redis._redis.scan_iter(match=prefix + ":*")]
        if keys:
            await redis._redis.delete(*keys)
        await redis.aclose()
        await sqlite.aclose()


def _rounded(value):
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


async def test_purge_removes_what_ends_before_the_cut_for_one_org_only(store) -> None:
    a, b = worker("x", 1, org="org-a"), worker("x", 2, org="org-b")
    for moment in (MARCH - timedelta(days=2), MARCH):
        await add(store, event(a, moment=moment), a)
        await add(store, event(b, moment=moment), b)
    await store.charge_epsilon("org-a", ["2025-02", "2025-03"], 1.0, 3.0)
    start, end = MARCH - timedelta(days=30), MARCH + timedelta(days=1)
    await store.purge("org-a", MARCH.replace(hour=0))  # cut at midnight of the 12th
    hours = {r.hour for r in await store.counters("org-a", start, end)}
    days = {r.day for r in await store.users("org-a", start, end)}
    assert hours == {"2025-03-12T10"} and days == {"2025-03-12"}
    assert len({r.hour for r in await store.counters("org-b", start, end)}) == 2
    assert await store.epsilon_spent("org-a", "2025-02") == 0.0  # February ended: gone
    assert await store.epsilon_spent("org-a", "2025-03") == 1.0  # March not over at the cut
    await store.purge("org-a", datetime(2025, 4, 1, tzinfo=UTC))
    assert await store.counters("org-a", start, end) == []
    assert await store.users("org-a", start, end) == []
    assert await store.epsilon_spent("org-a", "2025-03") == 0.0


async def test_epsilon_ledger_charges_all_months_or_none(store) -> None:
    assert await store.charge_epsilon("asso", ["2025-02", "2025-03"], 2.0, 3.0)
    assert await store.charge_epsilon("asso", ["2025-04"], 2.5, 3.0)
    assert not await store.charge_epsilon("asso", ["2025-03", "2025-04"], 1.0, 3.0)  # 04 full
    assert await store.epsilon_spent("asso", "2025-03") == 2.0  # nothing charged
    assert await store.charge_epsilon("asso", ["2025-03"], 1.0, 3.0)  # exactly the budget
    assert await store.epsilon_spent("asso", "2025-03") == 3.0
    assert await store.epsilon_spent("other", "2025-03") == 0.0


@pytest.mark.skipif(not redis_available(), reason="no Redis server")
async def test_redis_aggregates_expire_after_the_org_retention() -> None:
    import uuid

    from gateway.usage.store_redis import RedisUsageStore

    prefix = f"gftest:{uuid.uuid4().hex[:10]}"
    store = RedisUsageStore(REDIS_URL, prefix=prefix, retention={"asso": 30}.get)
    try:
        now = datetime.now(UTC)
        for org in ("asso", "autre"):
            w = worker("x", 1, org=org)
            await add(store, event(w, moment=now), w)
        hour = now.strftime("%Y-%m-%dT%H")
        ttl_short = await store.client.ttl(f"{prefix}:c:asso:{hour}")
        ttl_default = await store.client.ttl(f"{prefix}:c:autre:{hour}")
        assert 30 * 86400 < ttl_short <= 32 * 86400
        assert 365 * 86400 < ttl_default <= 367 * 86400
        assert 0 < await store.client.ttl(f"{prefix}:u:asso:{now.strftime('%Y-%m-%d')}")
    finally:
        keys = [k async for k in store.client.scan_iter(match=prefix + ":*")]
        if keys:
            await store.client.delete(*keys)
        await store.aclose()


def test_an_in_memory_store_leaves_no_file(tmp_path, monkeypatch) -> None:
    """The dashboard's demo month lives in SQLite's in-memory database: no file named
    « :memory: » appears in the current directory."""
    from pathlib import Path

    from gateway.usage.store_sqlite import SQLiteUsageStore

    monkeypatch.chdir(tmp_path)
    SQLiteUsageStore(Path(":memory:"))
    assert list(tmp_path.iterdir()) == []
