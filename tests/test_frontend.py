"""Front-end keys and the directory, in process: who a shared front-end's request acts as."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import jwt
import pytest

from gateway.auth import MemoryKeyStore, authenticate_record, mint_key
from gateway.directory import Directory, parse_csv
from gateway.errors import AuthError, ConfigError, ForbiddenError
from gateway.frontend import FrontendConfig, SigningKeys, identify
from gateway.limits import scopes_for
from gateway.policy.schema import Limit, Limits
from gateway.types import Role

SECRET = "owui-forward-secret-for-tests-0123456789"
ENV = "GF_TEST_OWUI_SECRET"


def owui_token(sub: str = "u-1", email: str = "alice@asso.example", secret: str = SECRET,
               **claims: object) -> str:
    now = int(time.time())
    payload = {"sub": sub, "email": email, "name": "Alice", "role": "user", "iss": "open-webui",
               "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


@pytest.fixture(autouse=True)
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)


def frontend_key(**config: object) -> tuple[str, MemoryKeyStore]:
    conf = FrontendConfig(**{"jwt_secret_env": ENV, **config}).check()  # type: ignore[arg-type]
    key, record = mint_key("asso-demo", "accueil", Role.STAFF, frontend=conf.to_json())
    return key, MemoryKeyStore([record])


def who(key: str, store: MemoryKeyStore, headers: dict[str, str],
        directory: Directory | None = None):
    record = authenticate_record(f"Bearer {key}", store)
    config = FrontendConfig.from_json(record.frontend) if record.frontend else None
    return identify(record.principal(), config, headers, directory, SigningKeys())


def test_signed_users_are_distinct_workers_and_never_the_key() -> None:
    key, store = frontend_key()
    alice = who(key, store, {"x-openwebui-user-jwt": owui_token("u-1")})
    bob = who(key, store, {"x-openwebui-user-jwt": owui_token("u-2", "bob@asso.example")})
    assert alice.worker != bob.worker
    assert alice.key_id == bob.key_id
    for p in (alice, bob):
        assert p.worker.startswith("u") and p.worker != p.key_id
        assert "asso.example" not in repr(p) and "u-1" not in p.worker


@pytest.mark.parametrize("token", [
    owui_token(exp=int(time.time()) - 120),                      # expired
    owui_token(secret="another-secret-of-sufficient-length"),    # forged
    owui_token(iss="someone-else"),                              # wrong issuer
    owui_token()[:-3] + "abc",                                   # tampered signature
    jwt.encode({"sub": "u-1", "iss": "open-webui"}, SECRET, algorithm="HS256"),  # no expiry
    "not-a-jwt",
])
def test_bad_signed_identity_is_refused_not_downgraded(token: str) -> None:
    key, store = frontend_key(trust_headers=True)
    with pytest.raises(AuthError) as err:
        who(key, store, {"x-openwebui-user-jwt": token, "x-openwebui-user-id": "u-1"})
    assert err.value.status == 401 and "u-1" not in err.value.message


def test_missing_identity_is_refused_or_falls_back_to_the_configured_team() -> None:
    key, store = frontend_key()
    with pytest.raises(AuthError):
        who(key, store, {})
    key, store = frontend_key(fallback_team="invites")
    principal = who(key, store, {})
    assert (principal.team, principal.user) == ("invites", "")


def test_plain_headers_only_when_the_key_trusts_them(caplog: pytest.LogCaptureFixture) -> None:
    headers = {"x-openwebui-user-id": "u-9", "x-openwebui-user-email": "zoe@asso.example"}
    key, store = frontend_key()
    with caplog.at_level(logging.WARNING, "gardefou.frontend"), pytest.raises(AuthError):
        who(key, store, headers)
    assert "zoe" not in caplog.text and "u-9" not in caplog.text
    key, store = frontend_key(trust_headers=True)
    assert who(key, store, headers).user
    # the same Open WebUI user counts once whether it came signed or as trusted headers
    assert who(key, store, headers).worker == who(
        key, store, {"x-openwebui-user-jwt": owui_token("u-9")}).worker


def test_staff_key_assertions_ignored_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    key, record = mint_key("asso-demo", "accueil", Role.STAFF)
    store = MemoryKeyStore([record])
    headers = {"x-openwebui-user-jwt": owui_token(), "x-openwebui-user-id": "u-1",
               "x-openwebui-user-email": "alice@asso.example"}
    with caplog.at_level(logging.WARNING, "gardefou.frontend"):
        principal = who(key, store, headers)
    assert principal == record.principal()
    assert "not a front-end key" in caplog.text and record.key_id in caplog.text
    assert "alice" not in caplog.text and "u-1" not in caplog.text.replace(record.key_id, "")


DIRECTORY = """
organisations:
  asso-demo:
    unknown_users: refuse
    default: {team: accueil}
    users:
      Alice@asso.example: {team: hebergement}
      u-7: {team: insertion, role: manager}
    groups:
      gf-direction: {role: manager}
"""


def test_directory_places_users_and_refuses_unknown_ones(tmp_path: Path) -> None:
    path = tmp_path / "annuaire.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    directory = Directory(path)
    key, store = frontend_key()
    alice = who(key, store, {"x-openwebui-user-jwt": owui_token("u-1")}, directory)
    assert (alice.team, alice.role) == ("hebergement", Role.STAFF)
    # Open WebUI's own "admin" role claim is not believed; the directory's role is
    seven = who(key, store, {"x-openwebui-user-jwt": owui_token("u-7", "x@y.z", role="admin")},
                directory)
    assert (seven.team, seven.role) == ("insertion", Role.MANAGER)
    with pytest.raises(ForbiddenError):
        who(key, store, {"x-openwebui-user-jwt": owui_token("u-8", "nobody@asso.example")},
            directory)
    path.write_text(DIRECTORY.replace("refuse", "default"), encoding="utf-8")
    import os
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    newcomer = who(key, store, {"x-openwebui-user-jwt": owui_token("u-8", "n@asso.example")},
                   directory)
    assert (newcomer.team, newcomer.role) == ("accueil", Role.STAFF)


def test_csv_directory() -> None:
    orgs = parse_csv("org,user,team,role\nasso-demo,alice@asso.example,hebergement,\n"
                     "asso-demo,bob@asso.example,insertion,manager\n")
    users = orgs["asso-demo"].users
    assert users["alice@asso.example"].team == "hebergement"
    assert users["bob@asso.example"].role is Role.MANAGER
    with pytest.raises(ConfigError):
        parse_csv("org,user\nasso-demo,\n")


def test_per_key_quota_is_per_user_behind_a_front_end() -> None:
    key, store = frontend_key()
    limits = Limits(per_key=Limit(requests_per_minute=3))
    a = scopes_for(who(key, store, {"x-openwebui-user-jwt": owui_token("u-1")}), limits)
    b = scopes_for(who(key, store, {"x-openwebui-user-jwt": owui_token("u-2")}), limits)
    assert a[0].ident != b[0].ident and a[0].label == "votre compte"


def test_config_refuses_a_secret_in_clear_and_half_oidc() -> None:
    with pytest.raises(ConfigError):
        FrontendConfig(jwt_secret_env="my secret value!").check()
    with pytest.raises(ConfigError):
        FrontendConfig(oidc_issuer="http://127.0.0.1:1/").check()
    with pytest.raises(ConfigError):
        FrontendConfig().check()


def test_conversation_id_scopes_the_redaction_caches() -> None:
    from gateway.redaction import RedactionSettings

    key, store = frontend_key()
    token = owui_token("u-1")
    one = who(key, store, {"x-openwebui-user-jwt": token, "x-openwebui-chat-id": "chat-1"})
    again = who(key, store, {"x-openwebui-user-jwt": token, "x-openwebui-chat-id": "chat-1"})
    other = who(key, store, {"x-openwebui-user-jwt": token, "x-openwebui-chat-id": "chat-2"})
    bob = who(key, store, {"x-openwebui-user-jwt": owui_token("u-2"),
                           "x-openwebui-chat-id": "chat-1"})
    assert one.conversation == again.conversation and "chat-1" not in one.conversation
    assert len({one.conversation, other.conversation, bob.conversation}) == 3
    assert who(key, store, {"x-openwebui-user-jwt": token}).conversation == ""
    fingerprints = {RedactionSettings(scope=p.conversation).fingerprint()
                    for p in (one, other, bob)}
    assert len(fingerprints) == 3 and RedactionSettings().fingerprint() not in fingerprints


async def test_the_dependency_checks_local_staff_keys_on_the_loop_others_in_a_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A key of the embedded store that is no front-end's is checked on the event loop; a
    front-end key (its signing keys may be fetched) or a store that may wait on the network
    (Redis) in a thread. The same principal either way."""
    import asyncio
    from types import SimpleNamespace

    from fastapi import FastAPI
    from starlette.requests import Request

    from gateway.api import deps
    from gateway.auth import mint_key

    threaded: list[str] = []
    to_thread = asyncio.to_thread

    async def recording(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        threaded.append(func.__name__)
        return await to_thread(func, *args, **kwargs)

    monkeypatch.setattr(deps.asyncio, "to_thread", recording)

    class RemoteStore(MemoryKeyStore):
        local = False

    def request(store: MemoryKeyStore, headers: dict[str, str]) -> Request:
        app = FastAPI()
        app.state.services = SimpleNamespace(keys=store, directory=None, signing_keys=None)
        return Request({"type": "http", "app": app, "headers": [
            (k.lower().encode(), v.encode()) for k, v in headers.items()]})

    staff_key, staff = mint_key("asso", "accueil", Role.STAFF)
    front_key, front = frontend_key()
    cases = [
        (MemoryKeyStore([staff]), staff_key, {}, False),
        (RemoteStore([staff]), staff_key, {}, True),
        (front, front_key, {"X-OpenWebUI-User-Jwt": owui_token()}, True),
    ]
    for store, key, extra, in_thread in cases:
        threaded.clear()
        headers = {"Authorization": f"Bearer {key}", **extra}
        principal = await deps.get_principal(request(store, headers))
        assert principal == deps.principal_of(request(store, headers))
        assert bool(threaded) == in_thread
    with pytest.raises(AuthError):
        await deps.get_principal(request(MemoryKeyStore([staff]), {"Authorization": "Bearer x"}))
