"""Aggregate cells built from store rows: counts plus the pseudonyms needed to count users.

A :class:`Cell` keeps, per rotation window (calendar month), the set of worker pseudonyms
seen. Its distinct-user count is the **largest** per-window count, a lower bound of the true
number of people: pseudonyms rotate monthly, so a sum over months would count one person
several times and let a small group pass the k threshold. Cells never leave this package
with their pseudonyms: read paths publish counts only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gateway.usage.pseudonym import window_of
from gateway.usage.store import CounterRow, UserRow

# dims indexes (see gateway.usage.events.DIMENSIONS)
TEAM, ROLE, USE, FORBIDDEN, ACTION, MODEL, HOSTING = range(7)


@dataclass(slots=True)
class Cell:
    counts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    users: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def merge(self, other: Cell) -> Cell:
        for metric, value in other.counts.items():
            self.counts[metric] += value
        for window, marks in other.users.items():
            self.users[window] |= marks
        return self

    @property
    def distinct(self) -> int:
        return max((len(m) for m in self.users.values()), default=0)


def merged(cells: Iterable[Cell]) -> Cell:
    out = Cell()
    for cell in cells:
        out.merge(cell)
    return out


# A breakdown maps a counter row to (key, value) and a user row to a key, or None to skip.
CounterPick = Callable[[CounterRow], tuple[str, float] | None]
UserPick = Callable[[UserRow], str | None]


@dataclass(frozen=True, slots=True)
class Breakdown:
    name: str
    title: str
    counter: CounterPick
    user: UserPick


def _requests_by(index: int, empty: str, only_action: str | None = None) -> Breakdown:
    def counter(row: CounterRow) -> tuple[str, float] | None:
        if row.metric != "requests" or (only_action and row.dims[ACTION] != only_action):
            return None
        return row.dims[index] or empty, row.value

    def user(row: UserRow) -> str | None:
        if row.facet or (only_action and row.dims[ACTION] != only_action):
            return None
        return row.dims[index] or empty

    return Breakdown("", "", counter, user)


def _facet(prefix: str) -> Breakdown:
    def counter(row: CounterRow) -> tuple[str, float] | None:
        return (row.metric[len(prefix):], row.value) if row.metric.startswith(prefix) else None

    def user(row: UserRow) -> str | None:
        return row.facet[len(prefix):] if row.facet.startswith(prefix) else None

    return Breakdown("", "", counter, user)


def _named(b: Breakdown, name: str, title: str) -> Breakdown:
    return Breakdown(name, title, b.counter, b.user)


BREAKDOWNS: tuple[Breakdown, ...] = (
    _named(_requests_by(USE, "non_classe"), "usages", "Requêtes par catégorie d'usage"),
    _named(_requests_by(FORBIDDEN, "autre_regle", "block"), "blocages",
           "Tentatives bloquées par décision interdite"),
    _named(_requests_by(FORBIDDEN, "autre_regle", "remind"), "rappels",
           "Réponses avec rappel : décision qui reste humaine"),
    _named(_facet("redaction:"), "masquages", "Données masquées par type"),
    _named(_requests_by(MODEL, "aucun"), "modeles", "Requêtes par modèle"),
    _named(_requests_by(HOSTING, "aucun"), "hebergement", "Requêtes par hébergement"),
    _named(_facet("sensitivity:"), "sensibilite", "Requêtes touchant une catégorie sensible"),
)


def month_of(row: CounterRow | UserRow) -> str:
    return (row.hour if isinstance(row, CounterRow) else row.day)[:7]


def by_month(counters: Iterable[CounterRow], users: Iterable[UserRow]
             ) -> dict[str, tuple[list[CounterRow], list[UserRow]]]:
    """Counters and user marks grouped by calendar month (``YYYY-MM``)."""
    out: dict[str, tuple[list[CounterRow], list[UserRow]]] = defaultdict(lambda: ([], []))
    for row in counters:
        out[month_of(row)][0].append(row)
    for urow in users:
        out[month_of(urow)][1].append(urow)
    return out


def total_cells(
    counters: Iterable[CounterRow], users: Iterable[UserRow], group: Callable[[tuple[str, ...]], str]
) -> dict[str, Cell]:
    """All counters and base user marks, by ``group(dims)``."""
    out: dict[str, Cell] = defaultdict(Cell)
    for row in counters:
        out[group(row.dims)].counts[row.metric] += row.value
    for urow in users:
        if urow.facet == "":
            out[group(urow.dims)].users[window_of(urow.day)].add(urow.pseudonym)
    return dict(out)


def breakdown_cells(
    breakdown: Breakdown,
    counters: Iterable[CounterRow],
    users: Iterable[UserRow],
    group: Callable[[tuple[str, ...]], str],
) -> dict[str, dict[str, Cell]]:
    """``group → breakdown key → cell`` (the cell's ``value`` count is the chart value)."""
    out: dict[str, dict[str, Cell]] = defaultdict(lambda: defaultdict(Cell))
    for row in counters:
        picked = breakdown.counter(row)
        if picked is not None:
            out[group(row.dims)][picked[0]].counts["value"] += picked[1]
    for urow in users:
        key = breakdown.user(urow)
        if key is not None:
            out[group(urow.dims)][key].users[window_of(urow.day)].add(urow.pseudonym)
    return {g: dict(cells) for g, cells in out.items()}
