"""Regression guard on the tuning corpora (the blind set is scored, never asserted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.policy.classify import classify

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["tuning_a.jsonl", "tuning_b.jsonl"])
def test_tuning_sets_stay_above_targets(default_policy: Any, name: str) -> None:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    blocked = allowed = caught = false_blocks = right_use = 0
    for row in rows:
        got = classify(default_policy.policy, [{"role": "user", "content": row["text"]}])
        if row["forbidden"]:
            blocked += 1
            caught += got.forbidden is not None
        else:
            allowed += 1
            false_blocks += got.forbidden is not None
        right_use += got.use == row["use"]
    assert caught / blocked >= 0.95
    assert false_blocks / allowed <= 0.03
    assert right_use / len(rows) >= 0.85


def test_blind_set_is_well_formed() -> None:
    rows = [json.loads(line) for line in (DATA / "blind.jsonl").read_text().splitlines()]
    assert all((r["action"] == "block") == bool(r["forbidden"]) for r in rows)
    assert all(r["use"] or r["forbidden"] for r in rows)
