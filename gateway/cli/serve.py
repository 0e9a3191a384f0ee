"""``gardefou serve``: run the gateway under uvicorn. ``--demo`` mints a demo key and prints
ready-to-paste examples once the gateway answers."""

from __future__ import annotations

import argparse
import os
import secrets
import threading
import time
import urllib.request
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from gateway.auth import FileKeyStore, mint_key
from gateway.settings import Settings, load_settings
from gateway.types import Role

DEMO_ORG, DEMO_TEAM = "demo", "demo"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("serve", help="run the gateway")
    parser.add_argument("--host", help="bind address (GARDEFOU_HOST)")
    parser.add_argument("--port", type=int, help="port (GARDEFOU_PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (GARDEFOU_WORKERS)")
    parser.add_argument("--models", help="models YAML file (GARDEFOU_MODELS_FILE)")
    parser.add_argument("--policies", help="policies directory (GARDEFOU_POLICIES_DIR)")
    parser.add_argument(
        "--demo", action="store_true", help="mint a demo key and print usage examples"
    )
    parser.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    pairs = {
        "HOST": args.host,
        "PORT": args.port,
        "WORKERS": args.workers,
        "MODELS_FILE": args.models,
        "POLICIES_DIR": args.policies,
        "DEMO": "true" if args.demo else None,
    }
    return {f"GARDEFOU_{k}": str(v) for k, v in pairs.items() if v is not None}


def mint_demo_key(settings: Settings) -> str:
    """A fresh staff key for the demo org; earlier demo keys are revoked so they don't pile up."""
    store = FileKeyStore(settings.keys_path)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for record in store.all():
        if record.org == DEMO_ORG and record.team == DEMO_TEAM and record.revoked_at is None:
            store.put(type(record)(**{**asdict(record), "revoked_at": now}))
    key, record = mint_key(DEMO_ORG, DEMO_TEAM, Role.STAFF)
    store.put(record)
    return key


def demo_banner(settings: Settings, key: str) -> str:
    base = f"http://{settings.host}:{settings.port}"
    return f"""
Garde-fou est prêt sur {base}  (modèle de démonstration « demo », aucune clé de fournisseur)

Clé de démonstration (affichée une seule fois) :
  {key}

Essai avec curl :
  curl -s {base}/v1/chat/completions \\
    -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \\
    -d '{{"model": "demo", "messages": [{{"role": "user", "content": "Reformule : Mme Fatou Diallo (06 12 34 56 78) est passée ce matin."}}]}}'

Essai avec le SDK Python openai :
  from openai import OpenAI
  client = OpenAI(base_url="{base}/v1", api_key="{key}")
  reply = client.chat.completions.create(model="demo", messages=[
      {{"role": "user", "content": "Reformule : Mme Fatou Diallo (06 12 34 56 78) est passée ce matin."}}])
  print(reply.choices[0].message.content)
"""


def _print_when_ready(settings: Settings, text: str, timeout_s: float = 300) -> None:
    url = f"http://{settings.host}:{settings.port}/readyz"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    print(text, flush=True)
                    return
        except OSError:
            pass
        time.sleep(0.5)


def server_limits() -> dict[str, Any]:
    """uvicorn options bounding what a slow or idle client can hold: a deadline on request
    headers (:mod:`gateway.http_timeouts`), idle keep-alive connections closed after 5 s,
    and h11's incomplete-event buffer kept small (headers only; bodies are streamed)."""
    from gateway.http_timeouts import protocol_class

    return {"http": protocol_class(), "timeout_keep_alive": 5,
            "h11_max_incomplete_event_size": 64 * 1024}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    os.environ.update(_overrides(args))
    # The embedded mode's pseudonym seed: in this process's memory and its workers' only.
    os.environ.setdefault("GARDEFOU_USAGE_SEED", secrets.token_hex(32))
    settings = load_settings()  # fails here, naming the bad setting
    if settings.demo:
        key = mint_demo_key(settings)
        banner = demo_banner(settings, key)
        threading.Thread(target=_print_when_ready, args=(settings, banner), daemon=True).start()
    uvicorn.run(
        "gateway.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,
        **server_limits(),
    )
    return 0
