"""Cross-organisation publication: thresholds, an attacker's subtraction, DuckDB = memory."""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from gateway.study import publish, query
from gateway.study.publish import ENSEMBLE, Rules
from gateway.study.query import TOTAL_FIGURES, OrgCell
from tests.study.conftest import MONTHS, Study


def _memory_cells(study: Study, month: str) -> list[OrgCell]:
    """The organisations' cells of ``month`` read straight from the export files (no DuckDB)."""
    out = []
    for org, profile in study.profiles.items():
        for r in csv.DictReader(io.StringIO((study.exports / f"{org}.csv").read_text())):
            if r["mois"] != month:
                continue
            out.append(OrgCell(month, org, str(profile["secteur"]), r["dimension"], r["valeur"],
                               int(r["masque"]), _int_or_none(r["nombre"]),
                               _int_or_none(r["utilisateurs_distincts"]),
                               {c: float(r[c]) for c in TOTAL_FIGURES if r[c]}))
    return out


def test_published_cells_cover_k_organisations_and_k_workers(study: Study) -> None:
    for month, pub in study.publications.items():
        cells = pub["cellules"]
        shown = [c for c in cells if not c["masque"]]
        assert shown and len(shown) < len(cells)  # something published, something suppressed
        for c in shown:
            assert c["organisations"] >= 3 and c["utilisateurs"] >= 11, c
            assert c["mois"] == month  # no figure spans several months
        for c in cells:
            if c["masque"]:
                assert c["nombre"] is None and c["utilisateurs"] is None
                assert c["organisations"] is None
        # Organisations appear only by sector, size band and region.
        text = str(pub)
        assert not any(f"'{org}'" in text for org in study.profiles)
        assert set(pub["participation"]) == {"organisations", "secteur", "taille", "region"}


# What each dimension's row adds up to, as an attacker reads the data dictionary: requests
# by use / model / hosting sum to all requests, active-day buckets to the workers, blocked
# requests by rule to the requests sent nowhere, single-choice answers to the respondents.
SUMS_TO = {"usages": [("total", "")], "modeles": [("total", "")], "hebergement": [("total", "")],
           "frequence_jours_actifs": [("total", "")],
           "blocages": [("hebergement", "aucun"), ("modeles", "aucun")],
           "enquete_frequence": [("enquete_repondants", "")]}


def _attack(study: Study, dimension: str) -> list[str]:
    """An attacker who knows every organisation's sector and which of its cells it showed
    writes every published figure of every month as a linear equation over the unknown
    organisation cells — published cells, and each published figure a sector's row adds up
    to (:data:`SUMS_TO`, as if every organisation showed all its cells) — and looks for a
    combination of equations that
    isolates one organisation or any two organisations, over one month or across months.
    Returns what it recovered (empty = nothing)."""
    unknowns: dict[tuple[str, str, str], int] = {}  # (month, org, value) -> column
    rows: list[dict[int, float]] = []
    for month in MONTHS:
        org_cells = [c for c in _memory_cells(study, month)
                     if c.dimension == dimension and not c.masque]
        for c in org_cells:
            unknowns.setdefault((month, c.organisation, c.valeur), len(unknowns))
        sector_of = {org: str(p["secteur"]) for org, p in study.profiles.items()}
        pub = {(c["secteur"], c["valeur"]): c for c in study.publications[month]["cellules"]
               if c["dimension"] == dimension}
        margins = [c["secteur"] for c in study.publications[month]["cellules"]
                   if (c["dimension"], c["valeur"]) in SUMS_TO.get(dimension, [])
                   and not c["masque"]]
        for (sector, value), cell in pub.items():
            if cell["masque"]:
                continue
            rows.append({unknowns[(month, c.organisation, value)]: 1.0 for c in org_cells
                         if c.valeur == value and sector in (ENSEMBLE, sector_of[c.organisation])})
        for sector in margins:  # a sector's (or everybody's) row adds up to a published figure
            rows.append({unknowns[(month, c.organisation, c.valeur)]: 1.0 for c in org_cells
                         if sector in (ENSEMBLE, sector_of[c.organisation])})
    if not unknowns or not rows:
        return []
    # Residual projector R: R x = 0 exactly when x is a combination of published figures.
    # No published figure spans two months, so R is block-diagonal by month: computed per
    # month, then assembled, and the search below runs across months on the whole of it.
    residual = np.zeros((len(unknowns), len(unknowns)))
    for month in MONTHS:
        cols = [j for (m, _, _), j in unknowns.items() if m == month]
        block_rows = [r for r in rows if r and min(r) in cols]
        assert all(set(r) <= set(cols) for r in block_rows)
        if not cols:
            continue
        a = np.zeros((max(len(block_rows), 1), len(cols)))
        pos = {j: i for i, j in enumerate(cols)}
        for i, row in enumerate(block_rows):
            for j, v in row.items():
                a[i, pos[j]] = v
        residual[np.ix_(cols, cols)] = np.eye(len(cols)) - np.linalg.pinv(a) @ a
    by_org: dict[str, list[int]] = defaultdict(list)
    for (_, org, _), j in unknowns.items():
        by_org[org].append(j)
    groups = [(o,) for o in by_org] + list(combinations(sorted(by_org), 2))
    size = max(sum(len(by_org[o]) for o in g) for g in groups)
    batch = np.tile(np.eye(size), (len(groups), 1, 1))  # identity padding: no new null vector
    for i, group in enumerate(groups):
        cols = [j for org in group for j in by_org[org]]
        batch[i, :len(cols), :len(cols)] = residual[np.ix_(cols, cols)]
    # Some combination of a group's cells is published iff R restricted to them is singular.
    smallest = np.linalg.eigvalsh(batch)[:, 0]
    return [f"{dimension}: {g}" for g, v in zip(groups, smallest, strict=True) if v < 1e-8]


@pytest.mark.parametrize("dimension", ["total", "usages", "blocages", "masquages", "modeles",
                                       "hebergement", "sensibilite", "frequence_jours_actifs",
                                       "enquete_outils", "enquete_taches", "enquete_frequence",
                                       "enquete_donnees", "enquete_repondants"])
def test_subtraction_across_months_and_organisations_recovers_nothing(
        study: Study, dimension: str) -> None:
    assert _attack(study, dimension) == []


def test_without_complementary_suppression_the_attack_succeeds(study: Study,
                                                               monkeypatch) -> None:
    """The attack is real: with primary suppression alone, it isolates organisations."""
    def primary_only(cells, rules):  # type: ignore[no-untyped-def]
        for cell in cells.values():
            if publish._small([cell], rules):
                cell.masque = 1

    month_pubs = {}
    monkeypatch.setattr(publish, "suppress", primary_only)
    for month in MONTHS:
        month_pubs[month] = publish.to_json(publish.build(
            month, _memory_cells(study, month), {}, Rules()))
    weak = Study(study.base, study.settings, study.exports, study.profiles, study.tokens,
                 month_pubs)
    assert any(_attack(weak, d) for d in ("usages", "blocages", "modeles", "hebergement"))


def test_duckdb_over_parquet_gives_the_in_memory_figures(study: Study) -> None:
    con = query.connect(study.settings.cells_dir)
    try:
        started = time.perf_counter()
        sums = query.sums_by(con, "secteur")
        elapsed = time.perf_counter() - started
        db_cells = {m: query.org_cells(con, m) for m in MONTHS}
    finally:
        con.close()
    print(f"\nDuckDB: {len(sums)} groups over the 50-organisation store in {elapsed * 1000:.1f} ms")
    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for month in MONTHS:
        for c in _memory_cells(study, month):
            if not c.masque:
                acc = expected[(month, c.secteur, c.dimension, c.valeur)]
                acc[0] += 1
                acc[1] += c.nombre or 0
                acc[2] += c.utilisateurs or 0
    got = {(m, s, d, v): [n, nb or 0, u] for m, s, d, v, n, nb, u in sums}
    assert got == dict(expected)
    for month in MONTHS:
        # The publication (its cells read through DuckDB) = the rules applied in memory.
        assert [(c.organisation, c.dimension, c.valeur, c.masque, c.nombre, c.utilisateurs)
                for c in db_cells[month]] == sorted(
            (c.organisation, c.dimension, c.valeur, c.masque, c.nombre, c.utilisateurs)
            for c in _memory_cells(study, month))
        in_memory = publish.to_json(publish.build(month, _memory_cells(study, month), {},
                                                  Rules()))
        assert study.publications[month]["cellules"] == in_memory["cellules"]


def test_dp_publication_charges_the_ledger_and_hides_exact_counts(study: Study,
                                                                  tmp_path: Path) -> None:
    pytest.importorskip("opendp")
    cells = _memory_cells(study, MONTHS[0])
    pub = publish.publish(tmp_path, MONTHS[0], cells, {}, Rules(), epsilon=2.0, budget=3.0)
    shown = [c for c in pub["cellules"] if not c["masque"]]
    assert all(c["utilisateurs"] is None and c["utilisateurs_bruites"] is not None
               for c in shown)
    assert pub["dp"]["epsilon"] == 2.0 and publish.epsilon_spent(tmp_path, MONTHS[0]) == 2.0
    with pytest.raises(publish.AlreadyPublished):
        publish.publish(tmp_path, MONTHS[0], cells, {}, Rules(), epsilon=1.0)
    # Deleting the publication to draw fresh noise does not reset the ledger.
    publish.publication_path(tmp_path, MONTHS[0]).unlink()
    with pytest.raises(publish.StudyBudgetExhausted, match="Budget de confidentialité épuisé"):
        publish.publish(tmp_path, MONTHS[0], cells, {}, Rules(), epsilon=2.0, budget=3.0)
    assert publish.epsilon_spent(tmp_path, MONTHS[0]) == 2.0


def _int_or_none(value: str) -> int | None:
    return int(value) if value else None
