"""Sign-in and forwarded OIDC tokens against the real local OpenID provider (tests/oidc), over
HTTP but without a browser: the protocol checks the browser test cannot see."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
import uvicorn
import yaml

from gateway.auth import mint_key
from gateway.directory import Directory
from gateway.errors import AuthError, ForbiddenError
from gateway.frontend import FrontendConfig, SigningKeys, identify
from gateway.settings import Settings
from gateway.sso import LOGIN_COOKIE, SESSION_COOKIE, sign, unsign
from gateway.types import Role
from tests.conftest import free_port, wait_http
from tests.dashboard.browser import demo_app
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, Provider, node, oidc_provider

SECRET = "session-secret-for-the-sign-in-tests-0123456789"
needs_node = pytest.mark.skipif(node() is None, reason="node is not installed: the test OpenID "
                                                       "provider (tests/oidc) runs on node")


def test_signed_values_resist_tampering_and_expire() -> None:
    value = sign(SECRET, {"org": "asso-demo", "roles": ["manager"], "exp": time.time() + 60})
    assert unsign(SECRET, value)["roles"] == ["manager"]
    body, mac = value.split(".")
    forged = base64.urlsafe_b64encode(b'{"exp":9999999999,"org":"asso-demo","roles":["admin"]}')
    assert unsign(SECRET, forged.decode().rstrip("=") + "." + mac) is None
    assert unsign("another-secret-another-secret-00000", value) is None
    assert unsign(SECRET, sign(SECRET, {"exp": time.time() - 1})) is None
    assert unsign(SECRET, "garbage") is None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Provider]]:
    if node() is None:
        pytest.skip("node is not installed: the test OpenID provider (tests/oidc) runs on node")
    state = tmp_path_factory.mktemp("sso-http")
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/auth/callback"
    with oidc_provider(redirect, state / "provider.log") as provider:
        settings = Settings(
            state_dir=state, sso_issuer=provider.issuer, sso_client_id=CLIENT_ID,
            sso_client_secret=CLIENT_SECRET, sso_redirect_url=redirect, sso_org="asso-demo",
            sso_group_roles={"gf-direction": "manager"}, session_secret=SECRET)
        from gateway.api import admin

        app, _ = demo_app(state, "2025-03", settings)
        app.include_router(admin.router)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/auth/session", timeout_s=30)
        yield base, provider
        server.should_exit = True
        thread.join(timeout=10)


def provider_login(client: httpx.Client, authorize_url: str, login: str,
                   redirect_prefix: str) -> str:
    """Follow the provider's redirects and post its login form; return the redirect back
    to the relying party (with ``code`` and ``state``)."""
    url = authorize_url
    for _ in range(10):
        response = client.get(url)
        if response.status_code == 200 and 'name="login"' in response.text:
            action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            assert action, "no login form"
            response = client.post(httpx.URL(url).join(action.group(1)),
                                   data={"login": login, "password": "x", "prompt": "login"})
        location = response.headers.get("location", "")
        if location.startswith(redirect_prefix):
            return location
        assert location, response.text[:300]
        url = httpx.URL(url).join(location).__str__()
    raise AssertionError("the provider never sent the browser back")


@needs_node
def test_login_uses_pkce_and_refuses_open_redirects(site: tuple[str, Provider]) -> None:
    base, provider = site
    with httpx.Client(base_url=base) as client:
        response = client.get("/auth/login", params={"next": "https://evil.example/x"})
        assert response.status_code == 302
        query = parse_qs(urlparse(response.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
        assert response.headers["location"].startswith(provider.issuer)
        cookie = response.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        pending = unsign(SECRET, client.cookies.get(LOGIN_COOKIE))
        assert pending["next"] == "/dashboard"  # not the foreign site
        # a callback whose state does not match the pending login is refused
        refused = client.get("/auth/callback", params={"code": "x", "state": "forged"})
        assert refused.status_code == 400 and SESSION_COOKIE not in refused.headers.get(
            "set-cookie", "")


@needs_node
def test_session_opens_manager_pages_only_and_needs_same_origin_posts(
    site: tuple[str, Provider],
) -> None:
    base, provider = site
    with httpx.Client(base_url=base) as client:
        start = client.get("/auth/login", params={"next": "/dashboard?from=2025-03"})
        with httpx.Client() as browser:
            back = provider_login(browser, start.headers["location"], "marie",
                                  base + "/auth/callback")
        done = client.get(back)
        assert done.status_code == 303 and done.headers["location"] == "/dashboard?from=2025-03"
        assert client.get("/auth/session").json() == {"connecte": True, "roles": ["manager"]}
        data = client.get("/dashboard/api/data.json", params={"from": "2025-03", "to": "2025-03"})
        assert data.status_code == 200 and data.json()["equipes"]
        # the session carries no identifier of the person
        session = unsign(SECRET, client.cookies.get(SESSION_COOKIE))
        assert "marie" not in str(session)
        # admin pages need the admin role; a cross-site POST is refused before anything else
        assert client.get("/admin/policies").status_code == 403
        cross_site = client.post("/admin/policies/asso-demo/explain", json={})
        assert cross_site.status_code == 403 and "ne vient pas" in cross_site.json()["error"][
            "message"]
        assert client.get("/auth/logout").status_code == 200
        assert client.get("/auth/session").json()["connecte"] is False


def oidc_id_token(provider: Provider, login: str, redirect: str) -> str:
    """A real ID token from the provider, as LibreChat holds after its users' OIDC login (the
    gateway's registered callback stands in for LibreChat's: only the code is needed)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    with httpx.Client() as client:
        document = client.get(provider.issuer + "/.well-known/openid-configuration").json()
        url = document["authorization_endpoint"] + "?" + urlencode({
            "client_id": CLIENT_ID, "response_type": "code", "redirect_uri": redirect,
            "scope": "openid email groups", "state": "s", "nonce": "n",
            "code_challenge": challenge.decode(), "code_challenge_method": "S256"})
        back = provider_login(client, url, login, redirect)
        code = parse_qs(urlparse(back).query)["code"][0]
        token = client.post(document["token_endpoint"], auth=(CLIENT_ID, CLIENT_SECRET), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "code_verifier": verifier}).json()
    return str(token["id_token"])


@needs_node
def test_librechat_forwarded_oidc_token_identifies_the_user(
    site: tuple[str, Provider], tmp_path: Path,
) -> None:
    base, provider = site
    redirect = base + "/auth/callback"
    directory_file = tmp_path / "annuaire.yaml"
    directory_file.write_text(yaml.safe_dump({"organisations": {"asso-demo": {
        "unknown_users": "refuse",
        "groups": {"gf-direction": {"team": "direction", "role": "manager"}}}}}))
    config = FrontendConfig(oidc_issuer=provider.issuer, oidc_audience=CLIENT_ID).check()
    key, record = mint_key("asso-demo", "accueil", Role.STAFF, frontend=config.to_json())
    keys = SigningKeys()
    directory = Directory(directory_file)

    def who(token: str, conf: FrontendConfig = config):
        return identify(record.principal(), conf, {"x-gardefou-user-token": token}, directory,
                        keys)

    marie = who(oidc_id_token(provider, "marie", redirect))
    assert (marie.team, marie.role) == ("direction", Role.MANAGER) and marie.user
    paul_token = oidc_id_token(provider, "paul", redirect)
    with pytest.raises(ForbiddenError):  # paul's groups are not in the directory
        who(paul_token)
    head, claims, signature = paul_token.split(".")
    forged_claims = base64.urlsafe_b64encode(
        jwt.utils.base64url_decode(claims).replace(b'"paul"', b'"marie"')).rstrip(b"=")
    with pytest.raises(AuthError):
        who(f"{head}.{forged_claims.decode()}.{signature}")
    with pytest.raises(AuthError):  # a token meant for another client
        who(oidc_id_token(provider, "marie", redirect),
            FrontendConfig(oidc_issuer=provider.issuer, oidc_audience="librechat").check())
