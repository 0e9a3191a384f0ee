"""Single sign-on for the dashboard and the admin pages: OpenID Connect authorization code
flow with PKCE (Keycloak, Microsoft Entra, ProConnect…), groups → roles, and the session in a
signed cookie. API keys keep working for scripts; the chat API never takes this cookie.

``/auth/login?next=/dashboard`` → the provider → ``/auth/callback`` (state, PKCE verifier and
nonce are checked from a short-lived signed cookie; the ID token is verified against the
provider's JWKS, issuer, audience, expiry and nonce) → a session cookie holding only the
organisation, the roles and an expiry: no name, no e-mail, no token. A user none of whose
groups maps to a role gets a French refusal page and no session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode, urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.errors import ConfigError
from gateway.settings import Settings
from gateway.types import Principal, Role

log = logging.getLogger("gardefou.sso")
router = APIRouter(prefix="/auth", include_in_schema=False)

SESSION_COOKIE = "gf_session"
LOGIN_COOKIE = "gf_oidc"
_LOGIN_TTL_S = 600
# Where a sign-in may send the browser back to: our own pages only (no open redirect).
_NEXT_PREFIXES = ("/dashboard", "/admin")


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in person, as far as the gateway needs: org, roles, expiry, and a digest of
    their subject (one person, one distinct session owner; never their identifier)."""

    org: str
    roles: tuple[Role, ...]
    expires: int
    subject: str

    def principal(self, allowed: frozenset[Role]) -> Principal | None:
        """The principal for a page open to ``allowed`` roles, or None if none of theirs is."""
        for role in self.roles:
            if role in allowed:
                return Principal(org=self.org, team="", role=role, key_id="session",
                                 subject=self.subject)
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, payload: dict[str, Any]) -> str:
    """``payload`` as JSON with an HMAC-SHA256 signature: readable, not forgeable."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(secret: str, value: str | None, now: float | None = None) -> dict[str, Any] | None:
    """The payload of a value made by :func:`sign`, None if tampered with or expired."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    body, mac = value.split(".")
    expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        payload = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("exp", 0) < (now or time.time()):
        return None
    return payload


def session_from(request: Request, settings: Settings) -> Session | None:
    """The request's valid session, if sign-in is configured and its cookie verifies."""
    if not settings.session_secret:
        return None
    payload = unsign(settings.session_secret, request.cookies.get(SESSION_COOKIE))
    if payload is None:
        return None
    try:
        roles = tuple(Role(r) for r in payload["roles"])
        return Session(str(payload["org"]), roles, int(payload["exp"]), str(payload["sub"]))
    except (KeyError, ValueError, TypeError):
        return None


def same_origin(request: Request, settings: Settings) -> bool:
    """A state-changing request carried by the cookie must come from our own pages (the
    cookie is SameSite=Lax; this closes the rest of cross-site request forgery)."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    expected = urlparse(settings.sso_redirect_url or "")
    seen = urlparse(origin)
    return bool(origin) and (seen.scheme, seen.netloc) == (expected.scheme, expected.netloc)


def roles_for(groups: list[str], mapping: dict[str, Role]) -> tuple[Role, ...]:
    """The roles a user's groups map to, most powerful first, without duplicates."""
    order = (Role.ADMIN, Role.MANAGER, Role.RESEARCHER, Role.STAFF)
    found = {mapping[g] for g in groups if g in mapping}
    return tuple(r for r in order if r in found)


class OidcClient:
    """The provider's discovery document and keys, fetched on first use and cached."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.sso_issuer and settings.sso_client_id and settings.sso_redirect_url
                and settings.session_secret and settings.sso_org):
            raise ConfigError("sign-in needs GARDEFOU_SSO_ISSUER, _SSO_CLIENT_ID, "
                              "_SSO_REDIRECT_URL, _SSO_ORG and GARDEFOU_SESSION_SECRET")
        self.settings = settings
        self._document: dict[str, Any] | None = None
        self._jwks: Any = None

    async def document(self) -> dict[str, Any]:
        if self._document is None:
            import aiohttp

            issuer = self.settings.sso_issuer or ""
            url = issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
                async with http.get(url) as response:
                    response.raise_for_status()
                    document = await response.json(content_type=None)
            if document.get("issuer") != self.settings.sso_issuer:
                raise ConfigError("the OIDC discovery document names another issuer")
            self._document = document
        return self._document

    async def exchange(self, code: str, verifier: str) -> str:
        """The ID token for an authorization code (client_secret_basic, or public client)."""
        import aiohttp

        document = await self.document()
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "redirect_uri": self.settings.sso_redirect_url}
        headers = {}
        if self.settings.sso_client_secret:
            # client_secret_basic: both parts form-encoded first (RFC 6749, 2.3.1)
            pair = f"{quote_plus(self.settings.sso_client_id or '')}:" \
                   f"{quote_plus(self.settings.sso_client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.settings.sso_client_id or ""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.post(document["token_endpoint"], data=form,
                                 headers=headers) as response:
                body = await response.json(content_type=None)
                if response.status != 200 or "id_token" not in body:
                    raise PermissionError("token endpoint refused the code")
        return str(body["id_token"])

    def verify(self, id_token: str, nonce: str, jwks_uri: str) -> dict[str, Any]:
        """The ID token's claims, after signature, issuer, audience, expiry and nonce checks."""
        import jwt

        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(jwks_uri, cache_keys=True, lifespan=600, timeout=5)
        key = self._jwks.get_signing_key_from_jwt(id_token).key
        claims: dict[str, Any] = jwt.decode(
            id_token, key, algorithms=["RS256", "PS256", "ES256", "EdDSA"],
            issuer=self.settings.sso_issuer, audience=self.settings.sso_client_id, leeway=30,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise jwt.InvalidTokenError("nonce mismatch")
        return claims


def _client(request: Request) -> OidcClient:
    services = request.app.state.services
    if services.sso is None:
        raise ConfigError("La connexion par le compte de l'organisation n'est pas configurée.")
    client: OidcClient = services.sso
    return client


def _page(status: int, title: str, text: str) -> HTMLResponse:
    body = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f'<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>'
            '<p id="message">'
            f'{html.escape(text)}</p><p><a href="/auth/logout">Se déconnecter</a></p></main>'
            "</body></html>")
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _cookie_flags(settings: Settings) -> dict[str, Any]:
    secure = (settings.sso_redirect_url or "").startswith("https://")
    return {"httponly": True, "samesite": "lax", "secure": secure}


@router.get("/login")
async def login(request: Request, next: str = "/dashboard") -> Response:  # noqa: A002
    """Send the browser to the provider (authorization code + PKCE S256)."""
    client = _client(request)
    settings = client.settings
    document = await client.document()
    target = next if next.startswith(_NEXT_PREFIXES) and "//" not in next else "/dashboard"
    state, nonce, verifier = (secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                              secrets.token_urlsafe(48))
    challenge = _b64(hashlib.sha256(verifier.encode()).digest())
    query = urlencode({
        "response_type": "code", "client_id": settings.sso_client_id,
        "redirect_uri": settings.sso_redirect_url, "scope": settings.sso_scopes,
        "state": state, "nonce": nonce, "code_challenge": challenge,
        "code_challenge_method": "S256",
    })
    response = RedirectResponse(f"{document['authorization_endpoint']}?{query}", status_code=302)
    pending = sign(settings.session_secret or "", {
        "state": state, "nonce": nonce, "verifier": verifier, "next": target,
        "exp": int(time.time()) + _LOGIN_TTL_S})
    response.set_cookie(LOGIN_COOKIE, pending, max_age=_LOGIN_TTL_S, path="/auth",
                        **_cookie_flags(settings))
    return response


@router.get("/callback")
async def callback(request: Request, code: str = "", state: str = "") -> Response:
    """Back from the provider: check state, exchange the code, verify the ID token, map its
    groups to roles and open a session (or refuse, in French)."""
    import jwt

    client = _client(request)
    settings = client.settings
    pending = unsign(settings.session_secret or "", request.cookies.get(LOGIN_COOKIE))
    if pending is None or not code or not hmac.compare_digest(str(pending["state"]), state):
        return _page(400, "Connexion interrompue",
                     "La connexion a expiré ou n'a pas été demandée ici : recommencez.")
    try:
        document = await client.document()
        id_token = await client.exchange(code, str(pending["verifier"]))
        claims = client.verify(id_token, str(pending["nonce"]), str(document["jwks_uri"]))
    except (jwt.PyJWTError, PermissionError, OSError, ValueError, KeyError) as exc:
        log.warning("sign-in refused: %s", type(exc).__name__)
        return _page(401, "Connexion refusée",
                     "Le fournisseur d'identité n'a pas confirmé votre connexion : recommencez.")
    groups = claims.get(settings.sso_groups_claim) or []
    roles = roles_for([str(g) for g in (groups if isinstance(groups, list) else [groups])],
                      settings.sso_group_roles)
    if not roles:
        log.info("sign-in without any mapped group: refused")
        response = _page(403, "Accès refusé",
                         "Votre compte n'a accès à aucune page de Garde-fou : aucun de vos groupes "
                         "n'y donne droit. Adressez-vous à votre administrateur.")
        response.delete_cookie(LOGIN_COOKIE, path="/auth")
        return response
    expires = int(time.time() + settings.session_hours * 3600)
    material = f"{settings.sso_issuer}\x00{claims['sub']}".encode()
    subject = "s" + hashlib.sha256(material).hexdigest()[:31]
    session = sign(settings.session_secret or "", {
        "org": settings.sso_org, "roles": [r.value for r in roles], "exp": expires,
        "sub": subject})
    redirect = RedirectResponse(str(pending["next"]), status_code=303)
    redirect.set_cookie(SESSION_COOKIE, session, max_age=int(settings.session_hours * 3600),
                        path="/", **_cookie_flags(settings))
    redirect.delete_cookie(LOGIN_COOKIE, path="/auth")
    return redirect


@router.get("/session")
async def session_state(request: Request) -> dict[str, Any]:
    """Whether this browser is signed in (for the dashboard script; the cookie is HttpOnly).
    Always 200, so that a signed-out page logs no error."""
    session = session_from(request, request.app.state.services.settings)
    return {"connecte": session is not None,
            "roles": [r.value for r in session.roles] if session else []}


@router.get("/logout")
async def logout() -> Response:
    """Forget the session (the provider's own session is left alone)."""
    response = _page(200, "Déconnecté", "Vous êtes déconnecté de Garde-fou.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
