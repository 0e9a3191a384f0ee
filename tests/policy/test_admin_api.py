"""``GET /admin/policies`` and ``POST /admin/policies/{org}/explain`` (admin of own org)."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from gateway.api import admin
from gateway.catalog import Catalog, Hosting, ModelSpec
from gateway.errors import ForbiddenError, GatewayError
from gateway.policy import PolicyStore
from gateway.types import Principal, Role
from tests.policy.conftest import write_policy


def _client(store: PolicyStore, catalog: Catalog, redactor: Any, org: str) -> TestClient:
    app = FastAPI()
    app.include_router(admin.router)
    app.state.services = SimpleNamespace(policies=store, catalog=catalog, redactor=redactor)

    @app.exception_handler(GatewayError)
    async def _render(_: Request, exc: GatewayError) -> JSONResponse:
        return JSONResponse(exc.to_body(), status_code=exc.status)

    app.dependency_overrides[admin.require_admin] = lambda: Principal(org, "it", Role.ADMIN, "k")
    return TestClient(app)


@pytest.fixture()
def store(tmp_path: Path, default_raw: dict[str, Any]) -> PolicyStore:
    raw = copy.deepcopy(default_raw)
    raw["organisation"] = {"id": "acme", "name": "Acme"}
    write_policy(tmp_path / "acme.yaml", raw)
    return PolicyStore(tmp_path)


def test_list_own_policy(store: PolicyStore, catalog: Catalog) -> None:
    body = _client(store, catalog, None, "acme").get("/admin/policies").json()
    [entry] = body["data"]
    assert entry["org"] == "acme" and entry["file"] == "acme.yaml" and not entry["is_default"]
    assert entry["revision"] == store.get("acme").revision
    assert [h["revision"] for h in entry["history"]] == [entry["revision"]]
    assert {f["id"] for f in entry["floor"]} >= {"art5_notation_sociale"}


def test_org_without_file_sees_default(store: PolicyStore, catalog: Catalog) -> None:
    [entry] = _client(store, catalog, None, "autre").get("/admin/policies").json()["data"]
    assert entry["is_default"] and entry["org"] == "autre"


def test_explain_other_org_is_forbidden(store: PolicyStore, catalog: Catalog) -> None:
    r = _client(store, catalog, None, "acme").post("/admin/policies/autre/explain",
                                                   json={"prompt": "Bonjour"})
    assert r.status_code == 403


def test_non_admin_is_refused(store: PolicyStore, catalog: Catalog) -> None:
    client = _client(store, catalog, None, "acme")

    def deny() -> Principal:
        raise ForbiddenError("réservé aux administrateurs")

    client.app.dependency_overrides[admin.require_admin] = deny  # type: ignore[attr-defined]
    assert client.get("/admin/policies").status_code == 403


def test_explain_redacts_then_decides(store: PolicyStore, catalog: Catalog,
                                      redactor: Any) -> None:
    client = _client(store, catalog, redactor, "acme")
    r = client.post("/admin/policies/acme/explain", json={
        "prompt": "Faut-il placer Léo Martin ? Sa mère Julie Martin m'a appelée au 06 12 34 56 78.",
        "model": "cloud-us"})
    assert r.status_code == 200
    body = r.json()
    assert "Martin" not in body["redacted_prompt"] and "06 12" not in body["redacted_prompt"]
    assert body["redactions"].get("PERSON", 0) >= 1
    assert body["decision"]["action"] == "block"
    assert body["classification"]["forbidden"] == "decision_protection_enfance"
    assert "Martin" not in str(body)
    assert body["policy_revision"] == store.get("acme").revision


def test_explain_unknown_model(store: PolicyStore, catalog: Catalog) -> None:
    r = _client(store, catalog, None, "acme").post("/admin/policies/acme/explain",
                                                   json={"prompt": "x", "model": "nope"})
    assert r.status_code == 404


def test_explain_neither_lists_nor_accepts_another_orgs_model(
        store: PolicyStore, catalog: Catalog) -> None:
    restricted = ModelSpec(name="secret-model-of-b", litellm_model="openai/x",
                           hosting=Hosting.EU, orgs=("autre",))
    with_restricted = Catalog(models=(*catalog.models, restricted))
    client = _client(store, with_restricted, None, "acme")
    r = client.post("/admin/policies/acme/explain", json={"prompt": "Bonjour"})
    assert r.status_code == 200
    assert "secret-model-of-b" not in r.text
    assert "secret-model-of-b" not in r.json()["models_allowed_for_role"]
    r = client.post("/admin/policies/acme/explain",
                    json={"prompt": "Bonjour", "model": "secret-model-of-b"})
    assert r.status_code == 404 and "secret-model-of-b" not in r.text
    # the org it is open to sees it
    assert "secret-model-of-b" in _client(store, with_restricted, None, "autre").post(
        "/admin/policies/autre/explain", json={"prompt": "Bonjour"}).json()["models_allowed_for_role"]
