"""Policy store: per-org files, default fallback, hot reload, last valid version kept."""

from __future__ import annotations

import asyncio
import copy
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import PolicyUnavailable
from gateway.policy import PolicyStore
from tests.policy.conftest import write_policy

ROOT_EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"


def _org(raw: dict[str, Any], org: str, k: int = 5) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    out["organisation"] = {"id": org, "name": org}
    out["usage"] = {"k_anonymity": k, "research_threshold": 11}
    return out


def _touch_later(path: Path) -> None:
    """Make sure the poller sees a new mtime even on coarse file systems."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_org_file_and_default(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    write_policy(tmp_path / "acme.yaml", _org(default_raw, "acme", 7))
    store = PolicyStore(tmp_path)
    assert store.get("acme").policy.usage.k_anonymity == 7
    other = store.get("autre")
    assert other.org == "autre" and other.policy.organisation.id == "default"
    assert set(store.all()) == {"acme", "default"}
    assert {r.org for r in store.audit} == {"acme", "default"}


def test_invalid_change_keeps_last_valid(
    tmp_path: Path, default_raw: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    path = write_policy(tmp_path / "acme.yaml", _org(default_raw, "acme", 7))
    store = PolicyStore(tmp_path)
    good = store.get("acme").revision
    bad = _org(default_raw, "acme", 2)
    write_policy(path, bad)
    _touch_later(path)
    with caplog.at_level(logging.INFO, logger="gateway.policy"):
        errors = store.reload()
    assert len(errors) == 1 and "usage.k_anonymity" in errors[0] and "acme.yaml" in errors[0]
    assert store.get("acme").revision == good
    assert store.get("acme").policy.usage.k_anonymity == 7
    assert "last valid version kept" in caplog.text
    write_policy(path, _org(default_raw, "acme", 9))
    _touch_later(path)
    assert store.reload() == []
    assert store.get("acme").policy.usage.k_anonymity == 9
    assert [r.org for r in store.audit].count("acme") == 2


def test_invalid_file_at_start_is_reported(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    (tmp_path / "broken.yaml").write_text("version: 1\norganisation: {id: x}\n")
    store = PolicyStore(tmp_path)
    assert store.errors and "broken.yaml" in next(iter(store.errors.values()))
    assert store.get("x").policy.organisation.id == "default"


def test_two_files_for_one_org(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    write_policy(tmp_path / "a.yaml", _org(default_raw, "acme"))
    write_policy(tmp_path / "b.yaml", _org(default_raw, "acme"))
    store = PolicyStore(tmp_path)
    assert any("already has a policy file" in e for e in store.reload())


def test_removed_file_keeps_the_last_valid_version(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    # Losing a file must never widen what staff may do: no silent fall-back to the default.
    path = write_policy(tmp_path / "acme.yaml", _org(default_raw, "acme"))
    store = PolicyStore(tmp_path)
    path.unlink()
    store.reload()
    assert store.get("acme").policy.organisation.id == "acme"


def test_no_default_means_unavailable(tmp_path: Path) -> None:
    store = PolicyStore(None, default_path=tmp_path / "missing.yaml")
    with pytest.raises(PolicyUnavailable):
        store.get("acme")


def test_log_lines_carry_no_policy_content(
    tmp_path: Path, default_raw: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.policy"):
        write_policy(tmp_path / "acme.yaml", _org(default_raw, "acme"))
        PolicyStore(tmp_path)
    assert "org=acme revision=" in caplog.text
    assert "placement" not in caplog.text


async def test_watch_hot_reloads(tmp_path: Path, default_raw: dict[str, Any]) -> None:
    path = write_policy(tmp_path / "acme.yaml", _org(default_raw, "acme", 7))
    store = PolicyStore(tmp_path)
    task = asyncio.create_task(store.watch(interval_s=0.01))
    try:
        write_policy(path, _org(default_raw, "acme", 8))
        _touch_later(path)
        for _ in range(500):
            if store.get("acme").policy.usage.k_anonymity == 8:
                break
            await asyncio.sleep(0.01)
        assert store.get("acme").policy.usage.k_anonymity == 8
    finally:
        task.cancel()


def test_org_whose_file_was_never_valid_does_not_get_the_default(tmp_path) -> None:
    from gateway.errors import PolicyUnavailable
    from gateway.policy import PolicyStore

    (tmp_path / "ase-93.yaml").write_text("version: 1\norganisation:\n  id: ase-93\nuses: oops\n")
    store = PolicyStore(tmp_path)
    assert store.errors
    with pytest.raises(PolicyUnavailable):
        store.get("ase-93")
    assert store.get("another-org").org == "another-org"  # orgs without a file: default


def test_deleted_file_keeps_the_last_valid_policy(tmp_path) -> None:
    import shutil

    from gateway.policy import PolicyStore
    from gateway.policy.store import DEFAULT_POLICY_PATH

    path = tmp_path / "ccas-ville-exemple.yaml"
    shutil.copy(ROOT_EXAMPLES / "ccas.yaml", path)
    store = PolicyStore(tmp_path)
    before = store.get("ccas-ville-exemple")
    assert before.path == path
    path.unlink()
    store.reload()
    assert store.get("ccas-ville-exemple").revision == before.revision
    assert before.path != DEFAULT_POLICY_PATH
