"""A shared chat front-end behind one key, over real HTTP: Open WebUI's captured requests
(tests/fixtures/openwebui, recorded from Open WebUI 0.12.4 driven in headless chromium) are
replayed against a gateway process; each user is counted, limited and placed as themselves."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import jwt
import openai
import pytest
import yaml

from gateway.auth import FileKeyStore, mint_key
from gateway.frontend import FrontendConfig
from gateway.types import Role
from tests.conftest import ROOT, Server, eventually

if TYPE_CHECKING:
    from tests.e2e.conftest import Gateway

FIXTURES = ROOT / "tests/fixtures/openwebui"
CAPTURE = json.loads((FIXTURES / "capture.json").read_text(encoding="utf-8"))
SECRET = CAPTURE["settings"]["FORWARD_USER_INFO_HEADER_JWT_SECRET"]
ORG = "asso-demo"
ORDER = ("chat", "title", "follow_ups", "tags")  # as Open WebUI sent them


@dataclass
class FrontendGateway:
    server: Server
    keys: dict[str, str]
    state: Path

    def events(self) -> int:
        """Usage events written so far (the store's idempotence table)."""
        with sqlite3.connect(self.state / "usage.sqlite3") as db:
            return int(db.execute("SELECT COUNT(*) FROM seen").fetchone()[0])

    def written(self, at_least: int) -> None:
        """Wait until ``at_least`` usage events are written (they are written behind)."""
        assert eventually(self.events, at_least) >= at_least

    def distinct_workers(self, team: str | None = None) -> int:
        """Distinct pseudonyms in the usage store (what the dashboard's counts rest on)."""
        with sqlite3.connect(self.state / "usage.sqlite3") as db:
            sql = "SELECT COUNT(DISTINCT pseudonym) FROM user_marks WHERE org = ?"
            args = [ORG]
            if team is not None:
                sql += " AND team = ?"
                args.append(team)
            return int(db.execute(sql, args).fetchone()[0])


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def fresh(token: str, secret: str = SECRET, age_s: int = 0) -> str:
    """The captured token's claims (signature checked) with a new 300 s validity, as Open
    WebUI mints one per request (``age_s`` seconds ago)."""
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    now = int(time.time()) - age_s
    return jwt.encode({**claims, "iat": now, "exp": now + 300}, secret, algorithm="HS256")


def replay(gw: FrontendGateway, captured: dict, key: str, **overrides: str) -> httpx.Response:
    headers = {**captured["headers"], "Authorization": f"Bearer {key}", **overrides}
    body = json.dumps(captured["body"]).encode() if captured["body"] is not None else None
    with httpx.Client(base_url=gw.server.base, timeout=60) as client:
        response = client.request(captured["method"], captured["path"], headers=headers,
                                  content=body)
        response.read()
    return response


def frontend_setup(state: Path, store: FileKeyStore, keys: dict[str, str]) -> dict[str, str]:
    """What the session's gateway (tests/e2e/conftest.py) needs for these tests, in an org of
    their own: its policy (the team "hebergement" has a token budget one answer exhausts), the
    directory, three keys (Open WebUI's, one trusting plain headers, a staff key) and the
    environment (the JWT secret the Open WebUI key names)."""
    policies = state / "policies"
    policies.mkdir()
    default = yaml.safe_load((ROOT / "policies/default.yaml").read_text(encoding="utf-8"))
    policy = {**default, "organisation": {**default["organisation"], "id": ORG}, "tests": [],
              "limits": {"per_team": {"hebergement": {"tokens_per_day": 1}},
                         "per_key": {"requests_per_minute": 50}}}
    (policies / f"{ORG}.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True))
    directory = state / "annuaire.yaml"
    directory.write_text(yaml.safe_dump({"organisations": {ORG: {
        "unknown_users": "refuse",
        "users": {"camille.martin@asso-demo.example": {"team": "hebergement"},
                  "yanis.benali@asso-demo.example": {"team": "insertion"},
                  "u-lea": {"team": "insertion"}, "u-sam": {"team": "insertion"}},
    }}}))
    for name, config in [
        ("owui", FrontendConfig(jwt_secret_env="GF_E2E_OWUI_SECRET")),
        ("headers", FrontendConfig(trust_headers=True)),
        ("asso_staff", None),
    ]:
        key, record = mint_key(ORG, "accueil", Role.STAFF,
                               frontend=config.check().to_json() if config else "")
        store.put(record)
        keys[name] = key
    return {"GARDEFOU_POLICIES_DIR": str(policies), "GARDEFOU_DIRECTORY_FILE": str(directory),
            "GF_E2E_OWUI_SECRET": SECRET}


@pytest.fixture(scope="module")
def frontend_gateway(gateway: Gateway) -> FrontendGateway:
    return FrontendGateway(gateway.server, gateway.keys, gateway.state_dir)


def test_two_open_webui_users_are_two_workers_in_their_own_team_quotas(
    frontend_gateway: FrontendGateway,
) -> None:
    gw = frontend_gateway
    events = gw.events()
    statuses: dict[str, list[int]] = {}
    for user in ("camille", "yanis"):
        models = fixture(f"{user}-models")
        listed = replay(gw, models, gw.keys["owui"], **{
            "X-OpenWebUI-User-Jwt": fresh(models["headers"]["X-OpenWebUI-User-Jwt"])})
        assert listed.status_code == 200 and listed.json()["data"]
        for task in ORDER:
            captured = fixture(f"{user}-{task}")
            response = replay(gw, captured, gw.keys["owui"], **{
                "X-OpenWebUI-User-Jwt": fresh(captured["headers"]["X-OpenWebUI-User-Jwt"])})
            statuses.setdefault(user, []).append(response.status_code)
            if response.status_code == 429:
                error = response.json()["error"]
                assert error["limit"] == "team:tokens" and "hebergement" in error["message"]
    gw.written(events + sum(s == 200 for seen in statuses.values() for s in seen))
    # Camille's team budget is spent by her first answers; Yanis's team has none.
    assert statuses["camille"][0] == 200 and statuses["camille"][-1] == 429
    assert statuses["yanis"] == [200, 200, 200, 200]
    assert gw.distinct_workers("hebergement") == 1
    assert gw.distinct_workers("insertion") == 1
    assert gw.distinct_workers() == 2
    stored = b"".join(p.read_bytes() for p in gw.state.rglob("*") if p.is_file()
                      and p.name != "annuaire.yaml" and not p.name.endswith(".log"))
    for identifier in (b"camille.martin", b"yanis.benali", b"18158473-53ed", b"6b01434f-85ff"):
        assert identifier not in stored


def test_expired_or_forged_open_webui_identity_is_refused(
    frontend_gateway: FrontendGateway,
) -> None:
    captured = fixture("yanis-title")
    token = captured["headers"]["X-OpenWebUI-User-Jwt"]
    expired = replay(frontend_gateway, captured, frontend_gateway.keys["owui"],
                     **{"X-OpenWebUI-User-Jwt": fresh(token, age_s=400)})
    forged = replay(frontend_gateway, captured, frontend_gateway.keys["owui"], **{
        "X-OpenWebUI-User-Jwt": fresh(captured["headers"]["X-OpenWebUI-User-Jwt"],
                                      secret="not-the-secret-open-webui-was-given")})
    missing = replay(frontend_gateway, captured, frontend_gateway.keys["owui"],
                     **{"X-OpenWebUI-User-Jwt": ""})
    for response in (expired, forged, missing):
        assert response.status_code == 401
        assert "yanis" not in response.text.lower()
    assert expired.json()["error"]["code"] == "invalid_user_identity"
    assert forged.json()["error"]["code"] == "invalid_user_identity"
    assert missing.json()["error"]["code"] == "user_identity_required"


def test_staff_key_sending_assertions_is_not_believed(
    frontend_gateway: FrontendGateway,
) -> None:
    gw = frontend_gateway
    before, events = gw.distinct_workers(), gw.events()
    captured = fixture("camille-title")
    response = replay(gw, captured, gw.keys["asso_staff"], **{
        "X-OpenWebUI-User-Jwt": fresh(captured["headers"]["X-OpenWebUI-User-Jwt"]),
        "X-OpenWebUI-User-Email": "camille.martin@asso-demo.example"})
    # Counted as the staff key's holder, in the key's team, not as Camille in hebergement
    # (whose team budget is spent: believing the header would have been a 429).
    assert response.status_code == 200
    gw.written(events + 1)
    assert gw.distinct_workers() == before + 1
    assert gw.distinct_workers("accueil") == 1
    log = (gw.state / "gateway.log").read_text(encoding="utf-8")
    assert "not a front-end key" in log and "camille" not in log.lower()


def test_trusted_plain_headers_with_the_openai_sdk(frontend_gateway: FrontendGateway) -> None:
    gw = frontend_gateway
    before, events = gw.distinct_workers("insertion"), gw.events()
    for user in ("u-lea", "u-sam"):
        client = openai.OpenAI(base_url=gw.server.base + "/v1", api_key=gw.keys["headers"],
                               default_headers={"X-OpenWebUI-User-Id": user,
                                                "X-OpenWebUI-Chat-Id": "c-1"}, max_retries=0)
        answer = client.chat.completions.create(
            model="demo", messages=[{"role": "user", "content": "Bonjour"}])
        assert answer.choices[0].message.content
    gw.written(events + 2)
    assert gw.distinct_workers("insertion") == before + 2
    # the same plain headers are not believed by the key that only accepts signed identities
    client = openai.OpenAI(base_url=gw.server.base + "/v1", api_key=gw.keys["owui"],
                           default_headers={"X-OpenWebUI-User-Id": "u-lea"}, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="demo",
                                       messages=[{"role": "user", "content": "Bonjour"}])
    # a user the directory does not know is refused (the organisation says so)
    client = openai.OpenAI(base_url=gw.server.base + "/v1", api_key=gw.keys["headers"],
                           default_headers={"X-OpenWebUI-User-Id": "u-unknown"}, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model="demo",
                                       messages=[{"role": "user", "content": "Bonjour"}])
