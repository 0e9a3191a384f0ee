"""Sign-in to the dashboard in headless Debian chromium against a real OpenID provider
(tests/oidc: panva's certified ``oidc-provider`` run by node): authorization code + PKCE,
groups → roles, session cookie. Marie (group gf-direction → manager) sees her organisation's
dashboard; Paul (equipe-accueil, mapped to nothing) is refused and gets no session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.settings import Settings
from tests.conftest import free_port
from tests.dashboard.browser import DemoServer, chromium, png_stats, serve
from tests.dashboard.cdp import Page, browser_page
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, node, oidc_provider

pytestmark = [
    pytest.mark.skipif(chromium() is None, reason="apt-get install -y chromium"),
    pytest.mark.skipif(node() is None, reason="node is not installed: the test OpenID provider "
                                              "(tests/oidc) runs on node"),
]
MONTH = "2025-03"
SESSION_SECRET = "session-secret-for-the-sign-in-tests-0123456789"


@pytest.fixture(scope="module")
def signed_in_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    state = tmp_path_factory.mktemp("sso")
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/auth/callback"
    with oidc_provider(redirect, state / "provider.log") as provider:
        settings = Settings(
            state_dir=state, sso_issuer=provider.issuer, sso_client_id=CLIENT_ID,
            sso_client_secret=CLIENT_SECRET, sso_redirect_url=redirect, sso_org="asso-demo",
            sso_group_roles={"gf-direction": "manager", "gf-informatique": "admin"},
            session_secret=SESSION_SECRET,
        )
        with serve(state, MONTH, settings=settings, port=port) as site:
            yield site


async def sign_in(page: Page, site: DemoServer, login: str) -> None:
    """What a person does: open the dashboard, follow « se connecter », type a login."""
    await page.goto(f"{site.base}/dashboard?from={MONTH}&to={MONTH}")
    await page.wait_for("!document.getElementById('cle-form').hidden")
    await page.evaluate("document.getElementById('sso').click()")
    await page.wait_for("!!document.querySelector('input[name=login]')")
    await page.evaluate(
        f"document.querySelector('input[name=login]').value = {login!r};"
        "document.querySelector('input[name=password]').value = 'un-mot-de-passe';"
        "document.querySelector('input[name=login]').form.submit()")


async def test_a_manager_group_signs_in_to_the_dashboard(signed_in_site: DemoServer,
                                                         tmp_path: Path) -> None:
    async with browser_page() as page:
        await sign_in(page, signed_in_site, "marie")
        await page.wait_for("document.body && document.body.dataset.state === 'ready'")
        assert await page.evaluate("location.pathname + location.search") == \
            f"/dashboard?from={MONTH}&to={MONTH}"
        assert await page.evaluate("document.querySelectorAll('svg rect').length") > 10
        assert await page.evaluate("document.getElementById('cle-form').hidden")
        # the session cookie is HttpOnly: scripts cannot read it
        assert "gf_session" not in await page.evaluate("document.cookie")
        shot = await page.screenshot(tmp_path / "dashboard-sso-manager.png")
    keep = os.environ.get("GARDEFOU_TEST_SCREENSHOTS")
    if keep:  # where the screenshot is kept for a person to look at
        shutil.copy(shot, Path(keep) / shot.name)
    width, _, colours = png_stats(shot)
    assert width == 1280 and colours > 20


async def test_a_group_without_a_role_is_refused(signed_in_site: DemoServer,
                                                 tmp_path: Path) -> None:
    async with browser_page() as page:
        await sign_in(page, signed_in_site, "paul")
        await page.wait_for("location.pathname === '/auth/callback'"
                            " && !!document.getElementById('message')")
        text = await page.evaluate("document.body.innerText")
        assert "Accès refusé" in text and "aucun de vos groupes" in text
        shot = await page.screenshot(tmp_path / "dashboard-sso-refused.png")
        # no session was opened: the dashboard still asks for a key or a sign-in
        await page.goto(f"{signed_in_site.base}/dashboard?from={MONTH}&to={MONTH}")
        await page.wait_for("!document.getElementById('cle-form').hidden")
        assert not await page.evaluate(
            "fetch('/auth/session').then(r => r.json()).then(j => j.connecte)")
    keep = os.environ.get("GARDEFOU_TEST_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)
