"""``gardefou export --push URL``: send a research export to the study collector.

HTTPS is required, except to a loopback address (tests, a collector on the same host): the
token and the aggregates must not cross a network in clear. The collector's answer is
relayed as-is (it is French and never quotes the file).
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

CONTENT_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson",
                 "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True, slots=True)
class PushResult:
    status: int
    body: dict[str, object]


def check_url(url: str) -> str:
    """The collector's intake URL (``…/v1/exports``); ValueError unless HTTPS or loopback."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("l'adresse du collecteur doit être en https:// (http:// seulement "
                         "vers 127.0.0.1 ou localhost)")
    path = parts.path.rstrip("/")
    return url if path.endswith("/v1/exports") else url.rstrip("/") + "/v1/exports"


def push(url: str, token: str, body: bytes, fmt: str, timeout_s: float = 60.0) -> PushResult:
    """POST ``body`` to the collector with the organisation's bearer token."""
    request = urllib.request.Request(
        check_url(url), data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": CONTENT_TYPES[fmt]},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return PushResult(response.status, json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read() or b"{}")
        except ValueError:
            answer = {"erreur": {"code": "reponse_illisible",
                                 "message": "Réponse illisible du collecteur."}}
        return PushResult(exc.code, answer)
