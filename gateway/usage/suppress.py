"""k-anonymity: primary and complementary suppression.

Rules (DOMAIN C-19, D-24):

- A cell is published only if at least ``k`` distinct workers contributed to it (primary).
- Within a partition whose total is published (every breakdown of a unit's month), the
  hidden cells together must hold at least ``k`` distinct workers; otherwise the smallest
  visible cells are hidden too (complementary), so that ``total − visible cells`` only ever
  reveals a group of ``k`` or more people, never a hidden cell.
- Teams are grouped into *reporting units* per month with the same rule: teams under ``k``
  are pooled into « autres équipes », and if that pool is still under ``k`` the smallest
  visible team joins it. Every unit therefore has at least ``k`` workers; team views show
  a unit, and the organisation view is the sum of published unit cells (never a margin
  computed over hidden cells), so no view can be subtracted from another to isolate a
  small team.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from gateway.usage.cells import Cell, merged

K = TypeVar("K", bound=Hashable)
MIN_K = 5
OTHERS = "(autres équipes)"
WHOLE = "(ensemble)"


def effective_k(k: int | None, floor: int = MIN_K) -> int:
    """``k`` may be raised by policy, never lowered below ``floor`` (5, or 11 for research)."""
    return max(floor, MIN_K, int(k or 0))


def union_distinct(cells: list[Cell]) -> int:
    return merged(cells).distinct


def suppress(cells: Mapping[K, Cell], k: int) -> set[K]:
    """The keys to hide in one partition: primary (< k) plus complementary suppression."""
    hidden = {key for key, cell in cells.items() if cell.distinct < k}
    if not hidden:
        return hidden
    visible = sorted(
        (key for key in cells if key not in hidden),
        key=lambda key: (cells[key].distinct, sum(cells[key].counts.values()), str(key)),
    )
    while visible and union_distinct([cells[key] for key in hidden]) < k:
        hidden.add(visible.pop(0))
    return hidden


def form_units(teams: Mapping[str, Cell], k: int) -> dict[str, str]:
    """Team → reporting unit for one month (see module docstring)."""
    hidden = suppress(teams, k)
    if not hidden:
        return {team: team for team in teams}
    pooled = WHOLE if hidden == set(teams) else OTHERS
    return {team: (pooled if team in hidden else team) for team in teams}


def policy_thresholds(services: object, org: str) -> tuple[int, int]:
    """``(k, research_k)`` from the org's policy (``usage.k_anonymity``,
    ``usage.research_threshold``), floored at 5 and 11; the floors if no policy answers."""
    k, research = MIN_K, 11
    try:
        usage = services.policies.get(org).policy.usage  # type: ignore[attr-defined]
        k, research = int(usage.k_anonymity), int(usage.research_threshold)
    except Exception:  # noqa: BLE001 - no policy store, or none for this org: the floors apply
        return k, research
    return effective_k(k), effective_k(research, 11)
