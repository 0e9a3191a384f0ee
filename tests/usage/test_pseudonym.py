"""Per-month pseudonym secrets: random, shared while the month is open, destroyed after."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.settings import Settings
from gateway.usage import build_usage
from gateway.usage.periods import GRACE, closes_at, is_closed, last_closed_month, open_months
from gateway.usage.pseudonym import DerivedSecrets, FileSecrets, RedisSecrets, pseudonym
from tests.usage.conftest import REDIS_URL, redis_available
from tests.usage.helpers import event, worker

MID_MARCH = datetime(2025, 3, 15, 12, tzinfo=UTC)
AFTER_GRACE = datetime(2025, 4, 1, tzinfo=UTC) + GRACE


@pytest.mark.parametrize(("month", "now", "closed"), [
    ("2025-03", datetime(2025, 3, 31, 23, tzinfo=UTC), False),
    ("2025-03", datetime(2025, 4, 2, tzinfo=UTC), False),  # grace for late events
    ("2025-03", AFTER_GRACE, True),
    ("2024-12", datetime(2025, 1, 10, tzinfo=UTC), True),
])
def test_months_close_after_a_grace_period(month: str, now: datetime, closed: bool) -> None:
    assert is_closed(month, now) is closed


@pytest.mark.parametrize(("now", "last", "open_"), [
    (datetime(2025, 4, 2, tzinfo=UTC), "2025-02", ["2025-03", "2025-04"]),
    (datetime(2025, 4, 20, tzinfo=UTC), "2025-03", ["2025-04"]),
    (datetime(2025, 1, 1, tzinfo=UTC), "2024-11", ["2024-12", "2025-01"]),
])
def test_last_closed_and_open_months(now: datetime, last: str, open_: list[str]) -> None:
    assert last_closed_month(now) == last and open_months(now) == open_


async def test_file_secret_is_random_shared_and_destroyed_at_closing(tmp_path: Path) -> None:
    a = FileSecrets(tmp_path / "s")
    secret = await a.get("2025-03", MID_MARCH)
    assert secret and len(secret) >= 32
    assert await FileSecrets(tmp_path / "s").get("2025-03", MID_MARCH) == secret  # shared
    assert await FileSecrets(tmp_path / "other").get("2025-03", MID_MARCH) != secret  # random
    assert oct((tmp_path / "s" / "2025-03").stat().st_mode & 0o777) == "0o600"
    await a.forget_closed(AFTER_GRACE - timedelta(hours=1))
    assert (tmp_path / "s" / "2025-03").exists()
    await a.forget_closed(AFTER_GRACE)
    assert not (tmp_path / "s" / "2025-03").exists()
    assert await a.get("2025-03", AFTER_GRACE) is None  # never re-created for a closed month


async def test_legacy_salt_is_adopted_for_open_months_then_deleted(tmp_path: Path) -> None:
    legacy = tmp_path / "worker_salt"
    legacy.write_bytes(b"old-salt")
    secrets = FileSecrets(tmp_path / "usage-secrets", legacy=legacy)
    assert not legacy.exists()
    now = datetime.now(UTC)
    month = now.strftime("%Y-%m")
    # Same pseudonyms as before the upgrade for the open month: its counts do not split.
    assert await secrets.get(month, now) == b"old-salt"


def test_derived_secret_depends_on_salt_and_month() -> None:
    import asyncio

    one, two = DerivedSecrets(b"a"), DerivedSecrets(b"b")
    get = asyncio.run
    assert get(one.get("2025-03")) == get(DerivedSecrets(b"a").get("2025-03"))
    assert get(one.get("2025-03")) != get(one.get("2025-04"))
    assert get(one.get("2025-03")) != get(two.get("2025-03"))


def test_pseudonym_rotates_monthly_and_hides_the_worker() -> None:
    march, april = MID_MARCH, MID_MARCH + timedelta(days=31)
    p = pseudonym(b"k", "worker-1", march)
    assert p == pseudonym(b"k", "worker-1", march + timedelta(days=3))
    assert p != pseudonym(b"k", "worker-1", april) and "worker" not in p and len(p) == 16


@pytest.mark.skipif(not redis_available(), reason="no Redis server")
async def test_redis_secret_is_shared_expires_at_closing_and_adopts_legacy() -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    prefix = f"gftest:{uuid.uuid4().hex[:10]}"
    legacy = f"{prefix}:legacy-salt"
    now = datetime.now(UTC)
    month = now.strftime("%Y-%m")
    try:
        await client.set(legacy, "old-salt")
        a = RedisSecrets(client, prefix, legacy_key=legacy)
        b = RedisSecrets(client, prefix, legacy_key=None)
        secret = await a.get(month, now)
        assert secret == b"old-salt" and await client.exists(legacy) == 0
        assert await b.get(month, now) == secret  # replicas share it
        expires = await client.expiretime(a.key(month))
        assert expires == int(closes_at(month).timestamp())
        assert await b.get("2025-03") is None  # closed long ago: no secret is ever made
        assert await client.exists(a.key("2025-03")) == 0
    finally:
        keys = [k async for k in client.scan_iter(match=prefix + ":*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def _marks(settings: Settings) -> list[str]:
    from gateway.usage.store_sqlite import SQLiteUsageStore

    store = SQLiteUsageStore(settings.usage_path)
    now = datetime.now(UTC)
    rows = await store.users("asso", now - timedelta(days=40), now + timedelta(days=1))
    await store.aclose()
    return sorted(r.pseudonym for r in rows)


async def test_state_dir_and_keys_do_not_link_marks_to_a_key(tmp_path: Path) -> None:
    """The threat model: an operator holding the state directory and the keys file tries
    every file there as the month secret (raw, or as the seed of the derivation) and every
    worker reference from the keys file. No stored mark may match."""
    (tmp_path / "worker_salt").write_bytes(b"old long-term salt")  # an older version's
    (tmp_path / "usage-secrets").mkdir()
    (tmp_path / "usage-secrets" / datetime.now(UTC).strftime("%Y-%m")).write_bytes(b"s")
    settings = Settings(state_dir=tmp_path, redis_url=None, worker_salt=None,
                        usage_seed="seed-of-this-serve-process")
    recorder = build_usage(settings)
    workers = [worker("equipe", i) for i in range(3)]
    for w in workers:
        await recorder.record(event(w, moment=datetime.now(UTC)), w)
    await recorder.aclose()
    marks = set(await _marks(settings))
    assert len(marks) == 3
    assert not (tmp_path / "worker_salt").exists() and not (tmp_path / "usage-secrets").exists()
    now = datetime.now(UTC)
    month = now.strftime("%Y-%m")
    candidates = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    candidates += [p.name.encode() for p in tmp_path.rglob("*")]
    for blob in candidates:
        for secret in (blob, blob.strip(), await DerivedSecrets(blob).get(month),
                       await DerivedSecrets(blob.strip()).get(month)):
            for w in workers:
                assert pseudonym(secret, w.worker, now) not in marks
    for path in (tmp_path / "usage.sqlite3", *(tmp_path / "usage-epochs").iterdir()):
        assert oct(path.stat().st_mode & 0o777) == "0o600", path.name


async def test_a_new_seed_discards_the_open_months_marks_instead_of_double_counting(
        tmp_path: Path) -> None:
    w = worker("equipe", 1)
    now = datetime.now(UTC)
    first = Settings(state_dir=tmp_path, redis_url=None, worker_salt=None, usage_seed="a")
    recorder = build_usage(first)
    await recorder.record(event(w, moment=now), w)
    await recorder.aclose()
    before = await _marks(first)
    # another worker process of the same `serve` (same seed): marks kept and shared
    recorder = build_usage(first)
    await recorder.record(event(w, moment=now), w)
    await recorder.aclose()
    assert await _marks(first) == before and len(before) == 1
    # a restart (new seed): the worker must not count twice in the open month
    restarted = Settings(state_dir=tmp_path, redis_url=None, worker_salt=None, usage_seed="b")
    recorder = build_usage(restarted)
    await recorder.record(event(w, moment=now), w)
    await recorder.aclose()
    after = await _marks(restarted)
    assert len(after) == 1 and after != before


async def test_configured_salt_derives_the_month_secret(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, redis_url=None, worker_salt="operator-secret")
    recorder = build_usage(settings)
    assert isinstance(recorder.secrets, DerivedSecrets)
    w = worker("equipe", 1)
    await recorder.record(event(w, moment=datetime.now(UTC)), w)
    await recorder.aclose()
    assert not (tmp_path / "usage-secrets").exists() and not (tmp_path / "worker_salt").exists()
    assert not (tmp_path / "usage-epochs").exists()
