"""Optional differential privacy for research exports, with OpenDP (``pip install opendp``).

Privacy unit: one worker (one pseudonym in a month). Released statistic: the distinct-worker
count of every row of one organisation's month. Contribution bounding: a worker counts in
the « total » row, in one frequency bucket, and in at most ``max_cells`` cells of each other
dimension (memberships beyond that are dropped, deterministically) — so the L1 sensitivity
of the whole vector is ``2 + max_cells × dimensions``, and one Laplace mechanism with scale
``sensitivity / ε`` makes the month's release ε-DP. Organisations are disjoint groups of
workers (parallel composition); months add up (sequential composition): the export records
ε per month and the total. Request counts are not released with noise: the store keeps no
per-worker request counts, so their contribution cannot be bounded.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence


class DPUnavailable(RuntimeError):
    """OpenDP is not installed (it is an optional extra: ``gardefou[research]``)."""


def bound_contributions(
    members: Mapping[str, set[str]], max_cells: int
) -> dict[str, set[str]]:
    """Keep each worker in at most ``max_cells`` keys (chosen by a stable hash order)."""
    by_worker: dict[str, list[str]] = defaultdict(list)
    for key, marks in members.items():
        for mark in marks:
            by_worker[mark].append(key)
    out: dict[str, set[str]] = {key: set() for key in members}
    for mark, keys in by_worker.items():
        keys.sort(key=lambda key: hashlib.sha256(f"{mark}|{key}".encode()).hexdigest())
        for key in keys[:max_cells]:
            out[key].add(mark)
    return out


def laplace(values: Sequence[float], sensitivity: float, epsilon: float) -> list[float]:
    """``values`` plus Laplace noise calibrated by OpenDP for L1 ``sensitivity`` and ε."""
    try:
        import opendp.prelude as dp
    except ImportError as exc:
        raise DPUnavailable("OpenDP n'est pas installé : pip install 'gardefou[research]'") from exc
    dp.enable_features("contrib")
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
    meas = dp.m.make_laplace(domain, dp.l1_distance(T=float), scale=sensitivity / epsilon)
    spent = meas.map(float(sensitivity))
    if spent > epsilon * (1 + 1e-9):
        raise RuntimeError(f"OpenDP reports ε={spent}, above the budget {epsilon}")
    return [float(v) for v in meas([float(v) for v in values])]
