"""The questionnaire: closed answers, one per worker and month, nothing of the person kept,
aggregated with the research threshold into the export (SQLite and a real Redis)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.auth import MemoryKeyStore, mint_key
from gateway.catalog import demo_catalog
from gateway.services import Services
from gateway.settings import Settings
from gateway.survey.aggregate import survey_rows
from gateway.survey.questions import InvalidAnswer, validate
from gateway.survey.store import RedisSurveyStore, SQLiteSurveyStore
from gateway.types import Role
from gateway.usage.export import ExportOptions, research_rows
from gateway.usage.periods import closes_at, month_of
from gateway.usage.report import Period
from gateway.usage.store_sqlite import SQLiteUsageStore
from tests.usage.conftest import REDIS_URL, redis_available

ANSWER = {"outils": ["chatgpt", "deepl"], "taches": ["redaction"], "frequence": ["hebdomadaire"],
          "donnees": ["situations_anonymisees"]}


def _app(state: Path) -> tuple[FastAPI, dict[str, tuple[str, object]]]:
    from gateway.app import _install_error_handlers
    from gateway.survey import routes

    keys = MemoryKeyStore()
    minted = {}
    for name, subject in (("alice", "alice"), ("alice-bis", "alice"), ("bob", "bob")):
        key, record = mint_key("asso-demo", "accueil", Role.STAFF, subject=subject)
        keys.put(record)
        minted[name] = (key, record)
    app = FastAPI()
    app.state.services = Services(
        settings=Settings(state_dir=state), catalog=demo_catalog(), keys=keys,
        policies=None, redactor=None, upstream=None, usage=None,  # type: ignore[arg-type]
    )
    _install_error_handlers(app)
    app.include_router(routes.router)
    return app, minted


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict, Path]]:
    app, minted = _app(tmp_path)
    with TestClient(app) as c:
        yield c, minted, tmp_path


def test_page_and_questions_are_served_without_external_assets(client) -> None:
    c, _, _ = client
    page = c.get("/enquete")
    assert page.status_code == 200 and "Anonyme" in page.text
    assert "set-cookie" not in page.headers and "default-src 'none'" in page.headers[
        "content-security-policy"]
    questions = c.get("/enquete/api/questions.json").json()["questions"]
    assert [q["id"] for q in questions] == ["outils", "taches", "frequence", "donnees"]


def test_one_answer_per_worker_and_month_and_no_identity_stored(client) -> None:
    c, minted, state = client
    alice, record = minted["alice"]
    r = c.post("/enquete/api/reponse", json=ANSWER, headers={"Authorization": f"Bearer {alice}"})
    assert r.status_code == 201, r.text
    # Same person with another key (rotation): still one answer this month.
    again = c.post("/enquete/api/reponse", json=ANSWER,
                   headers={"Authorization": f"Bearer {minted['alice-bis'][0]}"})
    assert again.status_code == 409 and "déjà répondu" in again.json()["error"]["message"]
    bob = c.post("/enquete/api/reponse", json={"frequence": ["jamais"]},
                 headers={"Authorization": f"Bearer {minted['bob'][0]}"})
    assert bob.status_code == 201
    assert c.post("/enquete/api/reponse", json=ANSWER).status_code == 401
    raw = (state / "enquete.sqlite3").read_bytes()
    for secret in (alice, record.key_id, "alice", "bob", "testclient", "127.0.0.1"):
        assert secret.encode() not in raw, secret
    db = sqlite3.connect(state / "enquete.sqlite3")
    tables = {r[0]: [c[1] for c in db.execute(f"PRAGMA table_info({r[0]})")]
              for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables["enquete_compte"] == ["org", "month", "question", "option", "n"]
    month = month_of(datetime.now(UTC))
    assert db.execute("SELECT n FROM enquete_compte WHERE question='' AND month=?",
                      (month,)).fetchone() == (2,)


def test_answers_outside_the_closed_sets_are_refused_without_echo(client) -> None:
    c, minted, _ = client
    headers = {"Authorization": f"Bearer {minted['bob'][0]}"}
    r = c.post("/enquete/api/reponse", json={"outils": ["Jean Dupont 0612345678"]},
               headers=headers)
    assert r.status_code == 422 and "hors des choix" in r.json()["error"]["message"]
    assert "Dupont" not in r.text
    libre = c.post("/enquete/api/reponse", json={"libre": ["un texte libre"]}, headers=headers)
    assert libre.status_code == 422 and "texte libre" not in libre.text
    with pytest.raises(InvalidAnswer):
        validate({"frequence": ["jamais", "quotidien"]})


@pytest.fixture(params=["sqlite", "redis"])
async def survey(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "sqlite":
        store = SQLiteSurveyStore(tmp_path / "enquete.sqlite3")
        yield store
        await store.aclose()
        return
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"gftest:{uuid.uuid4().hex[:10]}:"
    store = RedisSurveyStore(REDIS_URL, prefix=prefix)
    yield store
    keys = [k async for k in store.client.scan_iter(match=prefix + "*")]
    if keys:
        await store.client.delete(*keys)
    await store.aclose()


async def test_guard_is_destroyed_at_month_close(survey) -> None:
    month = month_of(datetime.now(UTC))
    assert await survey.answer("asso", month, "w1", [("frequence", "jamais")])
    assert not await survey.answer("asso", month, "w1", [("frequence", "jamais")])
    closing = closes_at(month)
    if isinstance(survey, SQLiteSurveyStore):
        assert survey.guard_size(month) == 1
        assert survey.guard_size(month, now=closing + timedelta(seconds=1)) == 0
    else:  # absolute expiries at closing time: Redis itself destroys secret and guard
        for key in (f"enquete:garde:asso:{month}", f"enquete:secret:{month}"):
            ttl = await survey.client.ttl(survey.prefix + key)
            expected = (closing - datetime.now(UTC)).total_seconds()
            assert abs(ttl - expected) < 120, key
    # After closing, the month takes no answer at all.
    after = closing + timedelta(hours=1)
    assert not await survey.answer("asso", month, "w2", [("frequence", "jamais")], now=after)
    assert (await survey.counts("asso", month))[0] == 1


async def test_export_carries_the_questionnaire_with_the_research_threshold(
        survey, tmp_path: Path) -> None:
    month = month_of(datetime.now(UTC))
    for i in range(15):
        pairs = [("frequence", "hebdomadaire" if i < 12 else "quotidien"),
                 ("outils", "chatgpt")] + ([("outils", "deepl")] if i < 3 else [])
        await survey.answer("asso", month, f"w{i}", pairs)
    usage = SQLiteUsageStore(tmp_path / "usage.sqlite3")
    rows = await research_rows(usage, ["asso"], Period(month, month), ExportOptions(),
                               now=closes_at(month) + timedelta(days=1), survey=survey)
    assert await research_rows(usage, ["asso"], Period(month, month), ExportOptions(),
                               survey=survey) == []  # the open month is not exported
    await usage.aclose()
    got = {(r["dimension"], r["valeur"]): r for r in rows}
    assert got[("enquete_repondants", "")]["nombre"] == 15
    assert got[("enquete_outils", "chatgpt")]["utilisateurs_distincts"] == 15
    assert got[("enquete_outils", "deepl")]["masque"] == 1  # 3 people
    # Single choice: « quotidien » (3) hidden, so « hebdomadaire » (12) too, or 15 − 12 = 3.
    assert got[("enquete_frequence", "quotidien")]["masque"] == 1
    assert got[("enquete_frequence", "hebdomadaire")]["masque"] == 1


def test_a_month_under_k_respondents_is_one_hidden_row() -> None:
    rows = survey_rows("asso", "2025-03", 7, {("outils", "chatgpt"): 7}, 11)
    assert rows == [{"mois": "2025-03", "organisation": "asso", "seuil_k": 11,
                     "dp_epsilon": None, "dimension": "enquete_repondants", "valeur": "",
                     "masque": 1}]


@pytest.mark.skipif(__import__("shutil").which("chromium") is None,
                    reason="apt-get install -y chromium")
def test_questionnaire_page_renders_in_chromium(tmp_path: Path) -> None:
    import threading

    import uvicorn

    from tests.conftest import free_port, wait_http
    from tests.dashboard.browser import console_errors, png_stats, run_chromium

    app, minted = _app(tmp_path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/enquete", timeout_s=30)
        shot = tmp_path / "enquete.png"
        result = run_chromium(f"{base}/enquete#cle={minted['bob'][0]}", screenshot=shot,
                              size="1000,1400")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert console_errors(result.console) == []
    assert 'data-state="ready"' in result.dom
    assert result.dom.count('type="checkbox"') + result.dom.count('type="radio"') == 26
    assert minted["bob"][0] not in result.dom  # the key left the URL
    assert png_stats(shot)[2] > 5
