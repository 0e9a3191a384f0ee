from __future__ import annotations

import json

import pytest

from gateway.auth import (
    FileKeyStore,
    MemoryKeyStore,
    RedisKeyStore,
    authenticate,
    hash_key,
    mint_key,
    revoke,
)
from gateway.errors import AuthError, ConfigError
from gateway.types import Role
from tests.conftest import REDIS_URL


def test_minted_key_authenticates_to_its_principal() -> None:
    key, record = mint_key("ase-93", "aemo-est", Role.STAFF)
    principal = authenticate(f"Bearer {key}", MemoryKeyStore([record]))
    assert (principal.org, principal.team, principal.role) == ("ase-93", "aemo-est", Role.STAFF)
    assert principal.key_id == record.key_id


def test_record_holds_hash_not_key() -> None:
    key, record = mint_key("ase-93", "aemo", Role.STAFF)
    assert record.sha256 == hash_key(key)
    assert key not in json.dumps(record.__repr__())


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer gf_short_x"])
def test_missing_or_malformed_header_is_rejected(header: str | None) -> None:
    with pytest.raises(AuthError):
        authenticate(header, MemoryKeyStore())


def test_wrong_secret_with_real_key_id_is_rejected() -> None:
    key, record = mint_key("ase-93", "aemo", Role.STAFF)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthError):
        authenticate(f"Bearer {forged}", MemoryKeyStore([record]))


def test_revoked_key_is_rejected(tmp_path) -> None:
    store = FileKeyStore(tmp_path / "keys.json")
    key, record = mint_key("ccas-lyon", "accueil", Role.STAFF)
    store.put(record)
    authenticate(f"Bearer {key}", store)
    revoke(store, record.key_id)
    with pytest.raises(AuthError):
        authenticate(f"Bearer {key}", store)
    with pytest.raises(ConfigError):
        revoke(store, "000000000000")


def test_file_store_never_contains_clear_key(tmp_path) -> None:
    path = tmp_path / "keys.json"
    key, record = mint_key("chrs", "nuit", Role.ADMIN)
    FileKeyStore(path).put(record)
    text = path.read_text()
    assert key not in text and record.sha256 in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_file_store_sees_changes_made_by_another_process(tmp_path) -> None:
    path = tmp_path / "keys.json"
    reader, writer = FileKeyStore(path), FileKeyStore(path)
    assert reader.all() == []
    _, record = mint_key("chrs", "nuit", Role.STAFF)
    writer.put(record)
    assert reader.get(record.key_id) == record


@pytest.mark.parametrize("org", ["Org With Spaces", "ORG", "", "a" * 80])
def test_invalid_org_names_are_refused(org: str) -> None:
    with pytest.raises(ConfigError):
        mint_key(org, "team", Role.STAFF)


def test_redis_store_roundtrip() -> None:
    store = RedisKeyStore(REDIS_URL)
    key, record = mint_key("test-redis-org", "t", Role.RESEARCHER)
    try:
        store.put(record)
        assert authenticate(f"Bearer {key}", store).role is Role.RESEARCHER
        assert record.key_id in {r.key_id for r in store.all()}
        revoke(store, record.key_id)
        with pytest.raises(AuthError):
            authenticate(f"Bearer {key}", store)
    finally:
        store._redis.delete(RedisKeyStore.PREFIX + record.key_id)


def test_imported_key_authenticates_and_is_stored_hashed(tmp_path) -> None:
    from gateway.auth import import_key

    store = FileKeyStore(tmp_path / "keys.json")
    key = "sk-migrated-from-elsewhere-0001"
    store.put(import_key(key, "ccas-lyon", "accueil", Role.STAFF))
    assert authenticate(f"Bearer {key}", store).org == "ccas-lyon"
    assert key not in (tmp_path / "keys.json").read_text()
    with pytest.raises(AuthError):
        authenticate("Bearer sk-migrated-from-elsewhere-0002", store)
    with pytest.raises(ConfigError):
        import_key("short", "ccas-lyon", "accueil", Role.STAFF)


def test_rotation_keeps_the_subject_and_revokes_the_old_key(tmp_path) -> None:
    from gateway.auth import rotate

    store = FileKeyStore(tmp_path / "keys.json")
    old_key, old = mint_key("ase-93", "aemo", Role.STAFF)
    store.put(old)
    new_key, new = rotate(store, old.key_id)
    assert new.key_id != old.key_id
    assert authenticate(f"Bearer {new_key}", store).worker == old.key_id == new.subject
    with pytest.raises(AuthError):
        authenticate(f"Bearer {old_key}", store)
    with pytest.raises(ConfigError):
        rotate(store, old.key_id)
