"""Dashboard and usage HTTP routes: roles, organisation isolation, JSON twins, offline assets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.browser import demo_app

MONTH = {"from": "2025-03", "to": "2025-03"}
CHARTS = ("adoption", "activite_hebdo", "usages", "blocages", "rappels", "masquages", "modeles",
          "hebergement", "jetons", "impact", "sensibilite")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, object]]:
    app, demo = demo_app(tmp_path_factory.mktemp("dash"), "2025-03")
    with TestClient(app) as c:
        yield c, demo


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_page_is_a_shell_without_data_and_without_external_assets(client) -> None:
    c, _ = client
    r = c.get("/dashboard")
    assert r.status_code == 200 and "Tableau de bord" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    for name in ("dashboard.js", "dashboard.css"):
        body = c.get(f"/dashboard/static/{name}").text
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", body), name
    assert not re.search(r"(src|href)=\"https?://", r.text)
    assert c.get("/dashboard/static/..%2Froutes.py").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("staff", 403), (None, 401)])
def test_only_managers_read_the_data(client, who: str | None, status: int) -> None:
    c, demo = client
    headers = auth(getattr(demo, f"{who}_key")) if who else {}
    assert c.get("/dashboard/api/data.json", params=MONTH, headers=headers).status_code == status


def test_a_manager_sees_only_their_organisation(client) -> None:
    c, demo = client
    mine = c.get("/dashboard/api/data.json", params=MONTH, headers=auth(demo.manager_key)).json()
    other = c.get("/dashboard/api/data.json", params=MONTH, headers=auth(demo.other_org_key)).json()
    assert mine["organisation"] == "asso-demo" and other["organisation"] == "autre-asso"
    assert mine["graphiques"]["adoption"]["points"][0]["requetes"] == 1125
    assert other["graphiques"]["adoption"]["points"][0]["requetes"] != 1125


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_has_a_json_twin(client, chart: str) -> None:
    c, demo = client
    full = c.get("/dashboard/api/data.json", params=MONTH, headers=auth(demo.manager_key)).json()
    twin = c.get(f"/dashboard/api/charts/{chart}.json", params=MONTH,
                 headers=auth(demo.manager_key)).json()
    assert twin["graphique"] == chart
    assert {k: v for k, v in twin.items() if k in full["graphiques"][chart]} == full["graphiques"][chart]


@pytest.mark.parametrize("team", ["direction", "insertion", "nexiste-pas"])
def test_small_or_unknown_teams_get_the_same_refusal(client, team: str) -> None:
    c, demo = client
    r = c.get("/dashboard/api/data.json", params={**MONTH, "team": team},
              headers=auth(demo.manager_key))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "team_not_available"


def test_team_filter_and_bad_periods(client) -> None:
    c, demo = client
    r = c.get("/dashboard/api/data.json", params={**MONTH, "team": "hebergement"},
              headers=auth(demo.manager_key))
    assert r.status_code == 200 and r.json()["graphiques"]["adoption"]["points"][0]["utilisateurs"] == 11
    r = c.get("/dashboard/api/data.json", params={"from": "2025-05", "to": "2025-03"},
              headers=auth(demo.manager_key))
    assert r.status_code == 422


def test_metrics_endpoint_is_prometheus_text(client) -> None:
    c, _ = client
    assert c.get("/metrics").status_code == 403  # the test client is not a local address
    services = c.app.state.services
    original = services.settings
    services.settings = original.model_copy(update={"metrics_token": "jeton-de-test"})
    try:
        assert c.get("/metrics", headers=auth("mauvais")).status_code == 401
        r = c.get("/metrics", headers=auth("jeton-de-test"))
    finally:
        services.settings = original
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("fmt", "marker"), [("csv", b"mois,organisation"), ("jsonl", b'{"_meta"')])
def test_research_export_endpoint(client, tmp_path: Path, fmt: str, marker: bytes) -> None:
    from gateway.auth import mint_key
    from gateway.types import Role

    c, demo = client
    key, record = mint_key("asso-demo", "recherche", Role.RESEARCHER)
    c.app.state.services.keys.put(record)
    r = c.get("/v1/usage/export", params={**MONTH, "format": fmt}, headers=auth(key))
    assert r.status_code == 200 and r.content.startswith(marker)
    assert b"autre-asso" not in r.content
    assert c.get("/v1/usage/export", params=MONTH, headers=auth(demo.manager_key)).status_code == 403


def test_the_page_and_the_data_say_the_open_month_is_not_shown(client) -> None:
    c, demo = client
    sentence = "Les chiffres du mois en cours apparaissent à sa clôture."
    assert sentence in c.get("/dashboard").text
    data = c.get("/dashboard/api/data.json", headers=auth(demo.manager_key)).json()
    assert data["note"] == sentence
    from gateway.usage.periods import last_closed_month

    assert data["periode"]["fin"] == data["publie_jusqu_a"] == last_closed_month()


def test_research_export_with_dp_refuses_beyond_the_budget(client) -> None:
    pytest.importorskip("opendp")
    from gateway.auth import mint_key
    from gateway.types import Role

    c, _ = client
    key, record = mint_key("asso-demo", "recherche", Role.RESEARCHER)
    c.app.state.services.keys.put(record)
    params = {**MONTH, "format": "jsonl", "epsilon": 1.5}
    first = c.get("/v1/usage/export", params=params, headers=auth(key))
    assert first.status_code == 200 and b"dp_utilisateurs_bruites" in first.content
    assert b'"utilisateurs_distincts": null' in first.content
    assert c.get("/v1/usage/export", params=params, headers=auth(key)).status_code == 200
    refused = c.get("/v1/usage/export", params=params, headers=auth(key))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "dp_budget_exhausted" and "Budget de confidentialité" in error["message"]
