"""Who takes part in the study: one entry per organisation, kept in ``membres.json``.

An entry holds the SHA-256 of the organisation's push token (the token itself is shown once,
at joining), its **profile** — sector, size band and region, from closed lists — and its
research threshold ``k`` (its policy's ``usage.research_threshold``, ≥ 11). Publications name
organisations only through the profile; the organisation id stays in the collector's store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from gateway.usage.simulate import REGIONS, SECTORS, SIZE_BANDS

ORG_SHAPE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
RESEARCH_K = 11


@dataclass(frozen=True, slots=True)
class Member:
    org: str
    secteur: str
    taille: str
    region: str
    k: int
    token_sha256: str
    rejoint: str


class MemberError(ValueError):
    """A refused joining (French message, quotes no client input)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load(path: Path) -> dict[str, Member]:
    """Every member, by organisation id (empty if nobody joined yet)."""
    if not path.exists():
        return {}
    raw = json.loads(path.read_text("utf-8"))
    return {org: Member(**entry) for org, entry in raw.items()}


def _save(path: Path, members: dict[str, Member]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({o: asdict(m) for o, m in sorted(members.items())},
                              ensure_ascii=False, indent=1), "utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def join(path: Path, org: str, secteur: str, taille: str, region: str,
         k: int = RESEARCH_K) -> str:
    """Register ``org`` (or give it a new token) and return its push token (shown once)."""
    if not ORG_SHAPE.match(org):
        raise MemberError("Identifiant d'organisation invalide (minuscules, chiffres, . _ -).")
    for value, allowed, name in ((secteur, SECTORS, "secteur"), (taille, SIZE_BANDS, "taille"),
                                 (region, REGIONS, "région")):
        if value not in allowed:
            raise MemberError(f"Valeur de {name} inconnue ; valeurs admises : "
                              f"{', '.join(allowed)}.")
    token = "gfs_" + secrets.token_urlsafe(32)
    members = load(path)
    members[org] = Member(org, secteur, taille, region, max(int(k), RESEARCH_K), _hash(token),
                          datetime.now(UTC).strftime("%Y-%m-%d"))
    _save(path, members)
    return token


def leave(path: Path, org: str) -> bool:
    """Remove ``org`` from the members (its token stops working); False if unknown."""
    members = load(path)
    if members.pop(org, None) is None:
        return False
    _save(path, members)
    return True


def authenticate(path: Path, token: str) -> Member | None:
    """The member whose token this is, or None (constant-time comparison of hashes)."""
    digest = _hash(token)
    found = None
    for member in load(path).values():
        if hmac.compare_digest(member.token_sha256, digest):
            found = member
    return found
