"""The directory: which team and role a user asserted by a shared chat front-end gets.

An admin keeps it as a file (``GARDEFOU_DIRECTORY_FILE``), YAML or CSV:

.. code-block:: yaml

    organisations:
      asso-demo:
        unknown_users: default      # or "refuse"
        default: {team: accueil, role: staff}
        users:                      # by e-mail or by the front-end's user id
          alice@asso.example: {team: hebergement}
          bob@asso.example: {team: insertion, role: manager}
        groups:                     # the OIDC token's groups claim (first match wins)
          gf-direction: {role: manager}
          equipe-hebergement: {team: hebergement}

CSV has one row per user: ``org,user,team,role`` (header line required). An organisation
missing from the file, or a user not listed, gets the front-end key's own team and the
``staff`` role unless the organisation says ``unknown_users: refuse``.

The front-end's own role claim (Open WebUI's ``admin``/``user``) is never believed: roles come
from this file or the groups claim only. The file is re-read when it changes.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gateway.auth import validate_name
from gateway.errors import ConfigError
from gateway.types import Role


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a directory entry puts a user: a team and/or a role (None = keep the default)."""

    team: str | None = None
    role: Role | None = None


@dataclass(frozen=True, slots=True)
class OrgDirectory:
    """One organisation's section of the directory."""

    refuse_unknown: bool = False
    default: Placement = Placement()
    users: dict[str, Placement] = field(default_factory=dict)
    groups: dict[str, Placement] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assignment:
    """The team and role a user ends up with; ``known`` says whether the directory listed
    them (by identifier, e-mail or group)."""

    team: str
    role: Role
    known: bool


def _placement(raw: object, where: str) -> Placement:
    if not isinstance(raw, dict) or set(raw) - {"team", "role"}:
        raise ConfigError(f"directory: {where} must be a mapping with 'team' and/or 'role'")
    team = raw.get("team")
    role = raw.get("role")
    try:
        return Placement(
            team=validate_name("team", str(team)) if team else None,
            role=Role(str(role)) if role else None,
        )
    except ValueError:
        raise ConfigError(f"directory: {where} names an unknown role") from None


def parse_yaml(text: str) -> dict[str, OrgDirectory]:
    """The organisations of a YAML directory."""
    data = yaml.safe_load(text) or {}
    orgs = data.get("organisations") if isinstance(data, dict) else None
    if not isinstance(orgs, dict):
        raise ConfigError("directory: expected an 'organisations:' mapping")
    parsed = {}
    for org, section in orgs.items():
        section = section or {}
        unknown = section.get("unknown_users", "default")
        if unknown not in ("default", "refuse"):
            raise ConfigError(f"directory: {org}.unknown_users must be 'default' or 'refuse'")
        parsed[validate_name("org", str(org))] = OrgDirectory(
            refuse_unknown=unknown == "refuse",
            default=_placement(section.get("default") or {}, f"{org}.default"),
            users={str(u).strip().lower(): _placement(p, f"{org}.users entry")
                   for u, p in (section.get("users") or {}).items()},
            groups={str(g): _placement(p, f"{org}.groups entry")
                    for g, p in (section.get("groups") or {}).items()},
        )
    return parsed


def parse_csv(text: str) -> dict[str, OrgDirectory]:
    """The organisations of a CSV directory (``org,user,team,role``)."""
    users: dict[str, dict[str, Placement]] = {}
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or {"org", "user"} - set(reader.fieldnames):
        raise ConfigError("directory: the CSV needs a header line with org,user,team,role")
    for number, row in enumerate(reader, start=2):
        org = validate_name("org", (row.get("org") or "").strip())
        user = (row.get("user") or "").strip().lower()
        if not user:
            raise ConfigError(f"directory: line {number} has no user")
        users.setdefault(org, {})[user] = _placement(
            {k: v.strip() for k in ("team", "role") if (v := row.get(k) or "").strip()},
            f"line {number}",
        )
    return {org: OrgDirectory(users=entries) for org, entries in users.items()}


def assign(section: OrgDirectory | None, identifiers: tuple[str, ...], groups: tuple[str, ...],
           fallback_team: str) -> Assignment:
    """Team and role of a user known by ``identifiers`` (front-end id, e-mail) and OIDC
    ``groups``: the user's own entry first, then their groups in the file's order, then the
    organisation's default, then the front-end key's team as ``staff``."""
    section = section or OrgDirectory()
    team: str | None = None
    role: Role | None = None
    known = False
    entries = [section.users[i.lower()] for i in identifiers if i and i.lower() in section.users]
    entries += [p for g, p in section.groups.items() if g in groups]
    for entry in entries:
        known = True
        team = team or entry.team
        role = role or entry.role
    return Assignment(team=team or section.default.team or fallback_team,
                      role=role or section.default.role or Role.STAFF, known=known)


class Directory:
    """The directory file, re-read when it changes (an admin edits it while the gateway runs).
    No file configured = every organisation is empty (users get the front-end key's team)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: int | None = None
        self._orgs: dict[str, OrgDirectory] = {}

    def section(self, org: str) -> OrgDirectory | None:
        """The organisation's section, or None when the file does not list it."""
        if self.path is None:
            return None
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime_ns
            except FileNotFoundError:
                raise ConfigError("directory: the configured file is missing") from None
            if mtime != self._mtime:
                text = self.path.read_text(encoding="utf-8")
                parse = parse_csv if self.path.suffix.lower() == ".csv" else parse_yaml
                self._orgs, self._mtime = parse(text), mtime
            return self._orgs.get(org)
