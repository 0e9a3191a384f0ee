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

Repeated releases compose too (averaging fresh noise from many requests would give the
exact count back). So the exact distinct counts are never published next to the noisy ones,
and every release is charged to a persisted **ledger** per organisation-month (the usage
store's ``dp_ledger`` table / ``dp:{org}`` hash): a release that would take an
organisation-month past :data:`EPSILON_BUDGET` in total is refused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence

# Total ε per organisation-month over all releases (sum of every export's ε for it).
EPSILON_BUDGET = 3.0


_MISSING = ("OpenDP n'est pas installé : pip install -e '.[research]' depuis le dépôt, ou "
            "pip install 'gardefou[research]'")


class DPUnavailable(RuntimeError):
    """OpenDP is not installed (it is an optional extra: ``gardefou[research]``)."""


class BudgetExhausted(RuntimeError):
    """A DP release would exceed the organisation-month's ε budget (nothing was charged)."""

    def __init__(self, org: str, month: str, spent: float, epsilon: float, budget: float):
        left = max(budget - spent, 0.0)
        super().__init__(
            f"Budget de confidentialité épuisé pour {org} en {month} : ε déjà dépensé "
            f"{spent:g} sur {budget:g}, il reste {left:g} et cette diffusion demande "
            f"ε = {epsilon:g}. Réutilisez un export déjà produit, ou demandez un ε plus petit."
        )
        self.org, self.month = org, month


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


def ensure_available() -> None:
    """Raise :class:`DPUnavailable` before anything is charged if OpenDP is missing."""
    try:
        import opendp.prelude  # noqa: F401
    except ImportError as exc:
        raise DPUnavailable(_MISSING) from exc


def laplace(values: Sequence[float], sensitivity: float, epsilon: float) -> list[float]:
    """``values`` plus Laplace noise calibrated by OpenDP for L1 ``sensitivity`` and ε."""
    try:
        import opendp.prelude as dp
    except ImportError as exc:
        raise DPUnavailable(_MISSING) from exc
    dp.enable_features("contrib")
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
    meas = dp.m.make_laplace(domain, dp.l1_distance(T=float), scale=sensitivity / epsilon)
    spent = meas.map(float(sensitivity))  # type: ignore[no-untyped-call]  # opendp: untyped
    if spent > epsilon * (1 + 1e-9):
        raise RuntimeError(f"OpenDP reports ε={spent}, above the budget {epsilon}")
    return [float(v) for v in meas([float(v) for v in values])]
