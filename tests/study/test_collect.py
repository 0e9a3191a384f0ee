"""Intake over real HTTP: fifty organisations accepted; bad exports refused, clearly."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gateway.study import store
from gateway.usage.push import push
from tests.study.conftest import MONTHS, N_ORGS, Study


def _rows(study: Study, org: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((study.exports / f"{org}.csv").read_text())))


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def _org_with_visible_cells(study: Study) -> str:
    return next(org for org in study.tokens
                if any(r["dimension"] == "usages" and r["masque"] == "0"
                       for r in _rows(study, org)))


def test_every_organisation_month_is_stored_as_parquet(study: Study) -> None:
    files = sorted(study.settings.cells_dir.glob(f"mois=*/organisation=*/{store.FILE}"))
    assert len(files) == N_ORGS * len(MONTHS)
    assert store.months(study.settings.cells_dir) == list(MONTHS)
    assert {p.parent.name for p in files} == {f"organisation={o}" for o in study.tokens}


def test_a_cell_below_k_is_refused_and_the_message_quotes_nothing(study: Study) -> None:
    org = _org_with_visible_cells(study)
    rows = _rows(study, org)
    cell = next(r for r in rows if r["dimension"] == "usages" and r["masque"] == "0")
    cell["utilisateurs_distincts"] = "4"
    result = push(study.base, study.tokens[org], _csv(rows), "csv")
    assert result.status == 422
    error = result.body["erreur"]
    assert error["code"] == "cellule_sous_seuil"
    assert "sous le seuil" in error["message"] and "moins de 11 personnes" in error["message"]
    assert cell["valeur"] not in error["message"]


def test_an_open_month_is_refused(study: Study) -> None:
    org = _org_with_visible_cells(study)
    rows = [dict(r, mois="2099-01") for r in _rows(study, org) if r["mois"] == MONTHS[0]]
    result = push(study.base, study.tokens[org], _csv(rows), "csv")
    assert result.status == 422
    assert result.body["erreur"]["code"] == "mois_ouvert"
    assert "n'est pas clos" in result.body["erreur"]["message"]


def test_a_worker_pseudonym_column_is_refused(study: Study) -> None:
    org = _org_with_visible_cells(study)
    rows = [dict(r, pseudonyme="9f2c1a7b3d4e5f60") for r in _rows(study, org)]
    result = push(study.base, study.tokens[org], _csv(rows), "csv")
    assert result.status == 422
    assert result.body["erreur"]["code"] == "colonnes_invalides"
    assert "9f2c1a7b3d4e5f60" not in json.dumps(result.body)


def test_a_pseudonym_smuggled_as_a_value_is_refused(study: Study) -> None:
    org = _org_with_visible_cells(study)
    rows = _rows(study, org)
    next(r for r in rows if r["dimension"] == "usages")["valeur"] = "a9f2c1a7b3d4e5f6"
    result = push(study.base, study.tokens[org], _csv(rows), "csv")
    assert result.status == 422
    assert result.body["erreur"]["code"] == "valeur_hors_taxonomie"
    assert "a9f2c1a7b3d4e5f6" not in json.dumps(result.body)


def test_another_organisations_rows_are_refused(study: Study) -> None:
    a, b = list(study.tokens)[:2]
    result = push(study.base, study.tokens[a], (study.exports / f"{b}.csv").read_bytes(), "csv")
    assert result.status == 422
    assert result.body["erreur"]["code"] == "organisation_differente"


def test_a_threshold_below_the_organisations_k_is_refused(study: Study) -> None:
    org = _org_with_visible_cells(study)
    rows = [dict(r, seuil_k="5") for r in _rows(study, org)]
    result = push(study.base, study.tokens[org], _csv(rows), "csv")
    assert result.status == 422
    assert result.body["erreur"]["code"] == "seuil_trop_bas"


def test_an_unknown_token_is_refused(study: Study) -> None:
    org = next(iter(study.tokens))
    result = push(study.base, "gfs_inconnu", (study.exports / f"{org}.csv").read_bytes(), "csv")
    assert result.status == 401
    assert result.body["erreur"]["code"] == "jeton_invalide"


def test_a_published_month_is_frozen(study: Study) -> None:
    """A second version of a published month minus the first would isolate the late one."""
    org = next(iter(study.tokens))
    before = (store.partition(study.settings.cells_dir, MONTHS[0], org) / store.FILE).read_bytes()
    result = push(study.base, study.tokens[org], (study.exports / f"{org}.csv").read_bytes(),
                  "csv")
    assert result.status == 409
    assert result.body["erreur"]["code"] == "mois_publie"
    after = (store.partition(study.settings.cells_dir, MONTHS[0], org) / store.FILE).read_bytes()
    assert before == after


def test_push_refuses_plain_http_to_another_host() -> None:
    with pytest.raises(ValueError, match="https"):
        push("http://collecteur.example.org", "t", b"", "csv")
