"""Front-end keys: one gateway key held by a shared chat front-end (Open WebUI, LibreChat) that
says, request by request, which of its users is asking.

Who the user is comes, in this order of preference, from

1. Open WebUI's signed identity: an HS256 JWT in ``X-OpenWebUI-User-Jwt`` (claims ``sub``,
   ``email``, ``name``, ``role``, ``iss: open-webui``, ``exp``), verified with the secret the
   key names by environment variable (never written in a file);
2. the user's own OIDC token, forwarded by LibreChat (``{{LIBRECHAT_OPENID_TOKEN}}``) in
   ``X-Gardefou-User-Token``, verified against the provider's JWKS, issuer, audience, expiry;
3. the plain ``X-OpenWebUI-User-Id``/``-Email`` headers, and only when the key was created to
   trust them (anyone who can reach the gateway with that key can write them).

A signed identity that fails verification refuses the request: it never falls back to the plain
headers. Without any identity the key's ``fallback_team`` is used when it has one, otherwise the
request is refused. The asserted user then gets a team and role from the directory
(:mod:`gateway.directory`) and becomes :attr:`Principal.user`: a digest, so the user's
identifier is never kept in clear. The front-end's conversation id (``X-OpenWebUI-Chat-Id``)
becomes :attr:`Principal.conversation`, which scopes the redaction caches. Assertion headers sent with any other key are ignored, and
logged as an attempt (header names and key id only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from gateway.directory import Directory, assign
from gateway.errors import AuthError, ConfigError, ForbiddenError, KeysUnavailable
from gateway.settings import secret_from_env
from gateway.types import Principal

log = logging.getLogger("gardefou.frontend")

OPENWEBUI_JWT = "x-openwebui-user-jwt"
OIDC_TOKEN = "x-gardefou-user-token"
PLAIN_ID = "x-openwebui-user-id"
PLAIN_EMAIL = "x-openwebui-user-email"
CHAT_ID = "x-openwebui-chat-id"
ASSERTION_HEADERS = (OPENWEBUI_JWT, OIDC_TOKEN, PLAIN_ID, PLAIN_EMAIL,
                     "x-openwebui-user-name", "x-openwebui-user-role")
_MAX_TOKEN = 8192  # Open WebUI's token is a few hundred bytes; OIDC ones a few KB
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,127}$")
_ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
               "EdDSA"]
REFUSED_NO_USER = ("Cette clé de front-end n'est acceptée qu'avec l'identité de l'utilisateur "
                   "(jeton signé du front-end).")
REFUSED_BAD_TOKEN = "Identité de l'utilisateur invalide ou expirée : reconnectez-vous au front-end."


@dataclass(frozen=True, slots=True)
class FrontendConfig:
    """How a front-end key identifies its users (stored with the key, secrets by reference)."""

    jwt_secret_env: str = ""   # variable holding Open WebUI's FORWARD_USER_INFO_HEADER_JWT_SECRET
    jwt_issuer: str = "open-webui"
    jwt_audience: str = ""
    oidc_issuer: str = ""      # LibreChat's forwarded OIDC token: issuer, audience, JWKS
    oidc_audience: str = ""
    oidc_jwks_url: str = ""    # unset = discovered from the issuer's openid-configuration
    groups_claim: str = "groups"
    trust_headers: bool = False
    fallback_team: str = ""    # requests without a user go to this team; unset = refused

    def to_json(self) -> str:
        """The form stored in the key record (no secret in it, only the variable's name)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> FrontendConfig:
        return cls(**json.loads(raw))

    def check(self) -> FrontendConfig:
        """Raise ConfigError when the configuration could never identify anybody safely."""
        if self.jwt_secret_env and not _ENV_NAME.match(self.jwt_secret_env):
            raise ConfigError("the JWT secret must be named by an environment variable "
                              "(uppercase letters, digits, '_'), not given in clear")
        if bool(self.oidc_issuer) != bool(self.oidc_audience):
            raise ConfigError("an OIDC front-end needs both an issuer and an audience")
        if not (self.jwt_secret_env or self.oidc_issuer or self.trust_headers
                or self.fallback_team):
            raise ConfigError("a front-end key needs a JWT secret, an OIDC issuer, trusted "
                              "headers or a fallback team")
        return self


@dataclass(frozen=True, slots=True)
class AssertedUser:
    """A user the front-end vouched for. ``namespace`` + ``subject`` identify them (never
    stored); ``identifiers`` and ``groups`` are what the directory is searched with."""

    namespace: str
    subject: str
    identifiers: tuple[str, ...]
    groups: tuple[str, ...] = ()


class SigningKeys:
    """The OIDC providers' signing keys (JWKS), fetched once per URL and cached by PyJWT's
    client; discovery documents are cached too. Shared by every request of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._jwks_urls: dict[str, str] = {}

    def jwks_url(self, issuer: str) -> str:
        """The ``jwks_uri`` of the issuer's discovery document."""
        with self._lock:
            if issuer in self._jwks_urls:
                return self._jwks_urls[issuer]
        import urllib.request

        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - admin-set issuer
            document = json.loads(response.read())
        if document.get("issuer") != issuer:
            raise ConfigError("the OIDC discovery document names another issuer")
        with self._lock:
            self._jwks_urls[issuer] = str(document["jwks_uri"])
            return self._jwks_urls[issuer]

    def key_for(self, token: str, jwks_url: str) -> Any:
        """The provider key that signed ``token``."""
        from jwt import PyJWKClient

        with self._lock:
            client = self._clients.get(jwks_url)
            if client is None:
                client = PyJWKClient(jwks_url, cache_keys=True, lifespan=600, timeout=5)
                self._clients[jwks_url] = client
        return client.get_signing_key_from_jwt(token).key


def _header(headers: Mapping[str, str], name: str) -> str:
    return (headers.get(name) or "").strip()


def _openwebui_user(token: str, config: FrontendConfig) -> AssertedUser:
    import jwt

    secret = secret_from_env(config.jwt_secret_env)
    if not secret or len(secret) < 16:
        raise ConfigError("front-end key: its JWT secret variable is unset or too short")
    claims = jwt.decode(
        token, secret, algorithms=["HS256"], issuer=config.jwt_issuer or None,
        audience=config.jwt_audience or None, leeway=30,
        options={"require": ["exp", "sub"], "verify_aud": bool(config.jwt_audience)},
    )
    email = str(claims.get("email") or "")
    return AssertedUser("openwebui", str(claims["sub"]), (str(claims["sub"]), email))


def _oidc_user(token: str, config: FrontendConfig, keys: SigningKeys) -> AssertedUser:
    import jwt

    jwks_url = config.oidc_jwks_url or keys.jwks_url(config.oidc_issuer)
    claims = jwt.decode(
        token, keys.key_for(token, jwks_url), algorithms=_ASYMMETRIC,
        issuer=config.oidc_issuer, audience=config.oidc_audience, leeway=30,
        options={"require": ["exp", "iss", "sub", "aud"]},
    )
    groups = claims.get(config.groups_claim) or ()
    if isinstance(groups, str):
        groups = (groups,)
    email = str(claims.get("email") or "")
    return AssertedUser(f"oidc:{config.oidc_issuer}", str(claims["sub"]),
                        (str(claims["sub"]), email), tuple(str(g) for g in groups))


def asserted_user(headers: Mapping[str, str], config: FrontendConfig,
                  keys: SigningKeys) -> AssertedUser | None:
    """The user a front-end key's request vouches for, None when it names nobody; raises
    AuthError (401) when a signed identity is present but does not verify."""
    import jwt

    jwt_token = _header(headers, OPENWEBUI_JWT)
    oidc_token = _header(headers, OIDC_TOKEN)
    try:
        if jwt_token and config.jwt_secret_env:
            if len(jwt_token) > _MAX_TOKEN:
                raise AuthError(REFUSED_BAD_TOKEN)
            return _openwebui_user(jwt_token, config)
        if oidc_token and config.oidc_issuer:
            if len(oidc_token) > _MAX_TOKEN:
                raise AuthError(REFUSED_BAD_TOKEN)
            return _oidc_user(oidc_token, config, keys)
    except OSError as exc:  # the provider's discovery document or keys are out of reach
        log.warning("OIDC provider unreachable: %s", type(exc).__name__)
        raise KeysUnavailable("Le fournisseur d'identité est injoignable, réessayez.") from None
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        # The class only: a token's claims are client input.
        log.warning("front-end identity refused: %s", type(exc).__name__)
        raise AuthError(REFUSED_BAD_TOKEN, code="invalid_user_identity") from None
    if jwt_token or oidc_token:
        log.warning("front-end identity token ignored: this key is not configured to verify it")
    user_id = _header(headers, PLAIN_ID)
    email = _header(headers, PLAIN_EMAIL)
    if (user_id or email) and config.trust_headers:
        if len(user_id) > 256 or len(email) > 320:
            raise AuthError(REFUSED_BAD_TOKEN, code="invalid_user_identity")
        return AssertedUser("openwebui", user_id or email.lower(), (user_id, email))
    if user_id or email:
        log.warning("plain user headers ignored: this front-end key does not trust them")
    return None


def user_digest(org: str, user: AssertedUser) -> str:
    """The opaque identity a user is counted and limited under (their identifier never is)."""
    material = f"{org}\x00{user.namespace}\x00{user.subject}".encode()
    return "u" + hashlib.sha256(material).hexdigest()[:31]


def identify(principal: Principal, config: FrontendConfig | None, headers: Mapping[str, str],
             directory: Directory | None, keys: SigningKeys) -> Principal:
    """The principal a request acts as: the key's own, or the front-end's user placed by the
    directory. Raises AuthError/ForbiddenError when a front-end request cannot be attributed."""
    if config is None:
        sent = sorted(h for h in ASSERTION_HEADERS if h in headers)
        if sent:
            log.warning("identity assertion ignored: key %s is not a front-end key (headers: %s)",
                        principal.key_id, ",".join(sent))
        return principal
    user = asserted_user(headers, config, keys)
    if user is None:
        if not config.fallback_team:
            raise AuthError(REFUSED_NO_USER, code="user_identity_required")
        return replace(principal, team=config.fallback_team, frontend=True)
    section = directory.section(principal.org) if directory is not None else None
    placed = assign(section, user.identifiers, user.groups, principal.team)
    if not placed.known and section is not None and section.refuse_unknown:
        raise ForbiddenError("Utilisateur inconnu de l'annuaire de votre organisation : "
                             "demandez à votre administrateur de vous y ajouter.",
                             code="unknown_user")
    digest = user_digest(principal.org, user)
    return replace(principal, team=placed.team, role=placed.role, user=digest, frontend=True,
                   conversation=conversation_digest(digest, _header(headers, CHAT_ID)))


def conversation_digest(user: str, chat_id: str) -> str:
    """The conversation's scope for the redaction caches: the front-end's chat id, tied to
    the user (another user naming the same id gets another scope). Empty without an id."""
    if not chat_id or len(chat_id) > 256:
        return ""
    return "c" + hashlib.sha256(f"{user}\x00{chat_id}".encode()).hexdigest()[:31]
