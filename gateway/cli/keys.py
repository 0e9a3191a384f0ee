"""``gardefou keys create|list|revoke``: manage hashed API keys."""

from __future__ import annotations

import argparse
import sys

from gateway.app import build_keys
from gateway.auth import import_key, mint_key, revoke, rotate
from gateway.auth import KeyStore
from gateway.cli import announce_state
from gateway.settings import load_settings
from gateway.types import Role


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("keys", help="manage API keys")
    sub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")

    create = sub.add_parser("create", help="mint a key (printed once, stored hashed)")
    create.add_argument("--org", required=True)
    create.add_argument("--team", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    front = create.add_argument_group(
        "front-end key", "a key shared by a chat front-end that says which user is asking")
    front.add_argument("--frontend", action="store_true", help="make it a front-end key")
    front.add_argument("--jwt-secret-env", default="", metavar="VAR",
                       help="environment variable holding Open WebUI's "
                            "FORWARD_USER_INFO_HEADER_JWT_SECRET (never the secret itself)")
    front.add_argument("--jwt-issuer", default="open-webui", help="expected iss ('' = any)")
    front.add_argument("--jwt-audience", default="", help="expected aud, if the front-end sets one")
    front.add_argument("--oidc-issuer", default="",
                       help="issuer of the users' OIDC tokens forwarded by LibreChat")
    front.add_argument("--oidc-audience", default="", help="their expected audience")
    front.add_argument("--oidc-jwks-url", default="", help="JWKS URL (default: discovered)")
    front.add_argument("--groups-claim", default="groups", help="claim listing the user's groups")
    front.add_argument("--trust-headers", action="store_true",
                       help="believe the plain X-OpenWebUI-User-Id/-Email headers (unsigned)")
    front.add_argument("--fallback-team", default="",
                       help="team for requests naming no user (default: they are refused)")
    create.set_defaults(func=_create)

    imported = sub.add_parser(
        "import", help="register an existing key read from standard input (stored hashed)"
    )
    imported.add_argument("--org", required=True)
    imported.add_argument("--team", required=True)
    imported.add_argument("--role", required=True, choices=[r.value for r in Role])
    imported.set_defaults(func=_import)

    listing = sub.add_parser("list", help="list keys (ids and owners, never the keys)")
    listing.add_argument("--org", help="only this organisation")
    listing.set_defaults(func=_list)

    rot = sub.add_parser(
        "rotate", help="new key for the same holder (printed once); the old one is revoked"
    )
    rot.add_argument("key_id")
    rot.set_defaults(func=_rotate)

    rev = sub.add_parser("revoke", help="revoke a key by id")
    rev.add_argument("key_id")
    rev.set_defaults(func=_revoke)


def _frontend(args: argparse.Namespace) -> str:
    """The front-end configuration asked for on the command line, as stored (JSON)."""
    from gateway.auth import validate_name
    from gateway.frontend import FrontendConfig

    if not args.frontend:
        return ""
    config = FrontendConfig(
        jwt_secret_env=args.jwt_secret_env, jwt_issuer=args.jwt_issuer,
        jwt_audience=args.jwt_audience, oidc_issuer=args.oidc_issuer,
        oidc_audience=args.oidc_audience, oidc_jwks_url=args.oidc_jwks_url,
        groups_claim=args.groups_claim, trust_headers=args.trust_headers,
        fallback_team=validate_name("team", args.fallback_team) if args.fallback_team else "",
    )
    return config.check().to_json()


def _store() -> KeyStore:
    settings = load_settings()
    announce_state(settings)
    return build_keys(settings)


def _create(args: argparse.Namespace) -> int:
    store = _store()
    key, record = mint_key(args.org, args.team, Role(args.role), frontend=_frontend(args))
    store.put(record)
    print(key)
    kind = ", front-end" if record.frontend else ""
    print(f"# key id {record.key_id} ({record.org}/{record.team}, {record.role.value}{kind}); "
          "store it now: it cannot be shown again")
    return 0


def _import(args: argparse.Namespace) -> int:
    key = sys.stdin.readline().strip()
    record = import_key(key, args.org, args.team, Role(args.role))
    _store().put(record)
    print(f"imported as key id {record.key_id} ({record.org}/{record.team}, {record.role.value})")
    return 0


def _list(args: argparse.Namespace) -> int:
    records = sorted(_store().all(), key=lambda r: r.created_at)
    print(f"{'KEY ID':<14}{'ORG':<16}{'TEAM':<16}{'ROLE':<12}{'KIND':<10}{'CREATED':<27}"
          "REVOKED")
    for r in records:
        if args.org and r.org != args.org:
            continue
        kind = "front-end" if r.frontend else "key"
        print(f"{r.key_id:<14}{r.org:<16}{r.team:<16}{r.role.value:<12}{kind:<10}"
              f"{r.created_at:<27}{r.revoked_at or '-'}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    key, record = rotate(_store(), args.key_id)
    print(key)
    print(f"# new key id {record.key_id} replaces {args.key_id} (revoked); "
          "store it now: it cannot be shown again")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    record = revoke(_store(), args.key_id)
    print(f"revoked {record.key_id} ({record.org}/{record.team})")
    return 0
