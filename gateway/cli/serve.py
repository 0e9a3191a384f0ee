"""``gardefou serve``: run the gateway under uvicorn. ``--demo`` creates the demo key once
(and keeps it) and prints ready-to-paste examples once the gateway answers.

Start-up order matters: the state directory is locked first (one instance per directory,
:mod:`gateway.statelock`), then the port is checked, and only then are keys touched, so a
second ``make run`` changes nothing and says why it stops.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.settings import Settings, load_settings

DEMO_ORG, DEMO_TEAM = "demo", "demo"
# The demo key's clear text, kept (mode 0600) so that a restart shows the same key and the
# clients configured with it keep working. Only this one key is kept in clear: it belongs to
# the demo organisation, which has no access to any other organisation's data.
DEMO_KEY_FILE = "demo-key"
DEMO_PROMPT = "Reformule : Mme Fatou Diallo (06 12 34 56 78) est passée ce matin."


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("serve", help="run the gateway")
    parser.add_argument("--host", help="bind address (GARDEFOU_HOST)")
    parser.add_argument("--port", type=int, help="port (GARDEFOU_PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (GARDEFOU_WORKERS)")
    parser.add_argument("--analysis-workers", type=int,
                        help="analysis processes per worker (GARDEFOU_ANALYSIS_WORKERS)")
    parser.add_argument("--models", help="models YAML file (GARDEFOU_MODELS_FILE)")
    parser.add_argument("--policies", help="policies directory (GARDEFOU_POLICIES_DIR)")
    parser.add_argument(
        "--demo", action="store_true",
        help="create the demo key once (kept in <state dir>/demo-key) and print usage examples",
    )
    parser.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    pairs = {
        "HOST": args.host,
        "PORT": args.port,
        "WORKERS": args.workers,
        "ANALYSIS_WORKERS": args.analysis_workers,
        "MODELS_FILE": args.models,
        "POLICIES_DIR": args.policies,
        "DEMO": "true" if args.demo else None,
    }
    return {f"GARDEFOU_{k}": str(v) for k, v in pairs.items() if v is not None}


@dataclass(frozen=True, slots=True)
class DemoKey:
    """The demo key and what happened to it at this start-up."""

    key: str
    key_id: str
    status: str  # "created" (first start), "kept" (restart), "reissued" (it had been revoked)
    path: Path


def ensure_demo_key(settings: Settings) -> DemoKey:
    """The demo organisation's staff key: created on first start, then the same key at every
    restart. Re-issued only when that key no longer works (revoked, or the keys store was
    emptied). Never revokes anything: keys the user created, in the demo organisation or
    elsewhere, are left alone."""
    from gateway.app import build_keys
    from gateway.auth import authenticate, mint_key
    from gateway.errors import AuthError
    from gateway.types import Role

    store = build_keys(settings)
    path = settings.state_dir / DEMO_KEY_FILE
    status = "created"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        try:
            principal = authenticate(f"Bearer {key}", store)
        except AuthError:
            status = "reissued"
        else:
            if principal.org == DEMO_ORG and principal.role is Role.STAFF:
                return DemoKey(key, principal.key_id, "kept", path)
            status = "reissued"
    key, record = mint_key(DEMO_ORG, DEMO_TEAM, Role.STAFF)
    store.put(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".demo-key-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return DemoKey(key, record.key_id, status, path)


_KEY_STATUS = {
    "created": "créée au premier démarrage et conservée",
    "kept": "la même à chaque démarrage",
    "reissued": "nouvelle clé : la précédente avait été révoquée ou n'existait plus",
}


def demo_banner(settings: Settings, demo: DemoKey) -> str:
    """What ``make run`` prints once the gateway answers. The examples start at column 0 so
    that they paste as they are (tests/test_serve_demo.py runs them)."""
    base = f"http://{settings.host}:{settings.port}"
    key = demo.key
    return f"""
Garde-fou est prêt sur {base}  (modèle de démonstration « demo », aucune clé de fournisseur)

Clé de démonstration ({_KEY_STATUS[demo.status]}, id {demo.key_id}, fichier {demo.path}) :
{key}

Essai avec curl :

curl -s {base}/v1/chat/completions \\
  -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \\
  -d '{{"model": "demo", "messages": [{{"role": "user", "content": "{DEMO_PROMPT}"}}]}}'

Essai avec le SDK Python openai (pip install openai) :

from openai import OpenAI
client = OpenAI(base_url="{base}/v1", api_key="{key}")
reply = client.chat.completions.create(model="demo", messages=[{{"role": "user", "content": "{DEMO_PROMPT}"}}])
print(reply.choices[0].message.content)

Tableau de bord : {base}/dashboard (clé du rôle « manager », voir README)
"""


def _print_when_ready(settings: Settings, text: str, timeout_s: float = 300) -> None:
    url = f"http://{settings.host}:{settings.port}/readyz"
    started = time.monotonic()
    next_note = started + 5
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    print(text, flush=True)
                    return
        except OSError:
            pass
        if time.monotonic() >= next_note:
            print(f"… chargement en cours ({time.monotonic() - started:.0f} s)", flush=True)
            next_note += 5
        time.sleep(0.5)


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped gateway is free to use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def server_limits() -> dict[str, Any]:
    """uvicorn options bounding what a slow or idle client can hold: a deadline on request
    headers (:mod:`gateway.http_timeouts`), idle keep-alive connections closed after 5 s,
    and h11's incomplete-event buffer kept small (headers only; bodies are streamed)."""
    from gateway.http_timeouts import protocol_class

    return {"http": protocol_class(), "timeout_keep_alive": 5,
            "h11_max_incomplete_event_size": 64 * 1024}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.statelock import StateDirBusy, acquire

    os.environ.update(_overrides(args))
    # Before any model library loads: the analysis processes are the parallelism.
    from gateway.workers.pool import limit_library_threads

    limit_library_threads()
    # The embedded mode's pseudonym seed: in this process's memory and its workers' only.
    os.environ.setdefault("GARDEFOU_USAGE_SEED", secrets.token_hex(32))
    settings = load_settings()  # fails here, naming the bad setting
    print(f"Dossier d'état : {settings.state_dir}", flush=True)
    try:
        lock = acquire(settings.state_dir)  # noqa: F841 - held until the process exits
    except StateDirBusy as busy:
        print(f"gardefou : {busy.message()}", file=sys.stderr)
        return 1
    if _port_taken(settings.host, settings.port):
        print(f"gardefou : le port {settings.port} de {settings.host} est déjà utilisé par un "
              "autre programme. Arrêtez-le, ou choisissez un autre port avec --port ou "
              "GARDEFOU_PORT.", file=sys.stderr)
        return 1
    if settings.demo:
        demo = ensure_demo_key(settings)
        banner = demo_banner(settings, demo)
        threading.Thread(target=_print_when_ready, args=(settings, banner), daemon=True).start()
    print("Démarrage : chargement du modèle de langue français et des politiques "
          "(10 à 20 s)…", flush=True)
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
