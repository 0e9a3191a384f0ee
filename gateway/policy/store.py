"""Loading, validating and hot-reloading policy files, with an audit trail of revisions.

One file per organisation in a directory (``*.yaml`` / ``*.yml``), keyed by
``organisation.id``; organisations without a file get the default policy. An invalid file
is rejected with a precise message and the last valid version of that organisation stays
in force. Reload is driven by polling modification times from an asyncio task (no extra
dependency). Log lines carry org, file name and revision — never policy content beyond
that, and never request content.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from gateway.errors import ConfigError, PolicyUnavailable
from gateway.policy.schema import Policy

log = logging.getLogger("gateway.policy")

# The packaged copy of policies/default.yaml (a test keeps them byte-identical), so the
# default is found when the package is installed without the repository.
DEFAULT_POLICY_PATH = Path(__file__).with_name("default.yaml")


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    """A validated policy as in force for ``org``; ``revision`` is the sha256 of the file."""

    org: str
    policy: Policy
    revision: str
    path: Path


@dataclass(frozen=True, slots=True)
class Revision:
    """One audit-trail entry: which revision of which org's policy came into force, when."""

    org: str
    revision: str
    path: str
    at: datetime


def describe_errors(exc: ValidationError) -> str:
    """Pydantic errors as ``location: message`` lines (locations are YAML keys/indices)."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(racine)"
        lines.append(f"  - {loc}: {err['msg']}")
    return "\n".join(lines)


def load_policy_file(path: Path) -> LoadedPolicy:
    """Read and validate one policy file; raise ``ConfigError`` with a precise message."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"policy file {path}: cannot be read ({exc.strerror})") from exc
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"policy file {path}: not UTF-8 (byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy file {path}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"policy file {path}: the document must be a mapping")
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"policy file {path} is invalid:\n{describe_errors(exc)}") from exc
    revision = hashlib.sha256(data).hexdigest()
    return LoadedPolicy(policy.organisation.id, policy, revision, path)


def _claimed_orgs(path: Path) -> frozenset[str]:
    """Which organisation an invalid file was meant for: its name, and its
    ``organisation: id:`` if that much can still be read."""
    claimed = {path.stem}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset(claimed)
    match = re.search(r"^organisation:\s*\n(?:[ \t]+.*\n)*?[ \t]+id:\s*['\"]?([\w.-]+)", text, re.M)
    if match:
        claimed.add(match.group(1))
    return frozenset(claimed)


class PolicyStore:
    """All organisations' policies in force, reloaded when their files change."""

    def __init__(self, directory: Path | None, default_path: Path = DEFAULT_POLICY_PATH) -> None:
        self.directory = directory
        self.default_path = default_path
        self._by_org: dict[str, LoadedPolicy] = {}
        self._by_path: dict[Path, str] = {}
        self._default: LoadedPolicy | None = None
        self._mtimes: dict[Path, tuple[int, int]] = {}
        self.audit: list[Revision] = []
        self.errors: dict[Path, str] = {}
        # Organisations whose own file exists but was never valid: they must not silently
        # fall back to the (more permissive) default policy.
        self._broken: dict[Path, frozenset[str]] = {}
        self.reload()

    # -- reading -----------------------------------------------------------------------
    def get(self, org: str) -> LoadedPolicy:
        """The policy in force for ``org`` (its own file, else the default)."""
        own = self._by_org.get(org)
        if own is not None:
            return own
        if any(org in claimed for claimed in self._broken.values()):
            raise PolicyUnavailable(
                "la politique de votre organisation est invalide : la demande n'a pas été "
                "envoyée ; prévenez l'administrateur (gardefou policy check)"
            )
        if self._default is None:
            raise PolicyUnavailable("aucune politique valide n'est chargée pour cette organisation")
        d = self._default
        return LoadedPolicy(org, d.policy, d.revision, d.path)

    def all(self) -> dict[str, LoadedPolicy]:
        """Policies with a file of their own, by org (the default under ``default``)."""
        items = dict(sorted(self._by_org.items()))
        if self._default is not None:
            items.setdefault("default", self._default)
        return items

    # -- loading -----------------------------------------------------------------------
    def _files(self) -> list[Path]:
        files = [self.default_path] if self.default_path.exists() else []
        if self.directory is not None and self.directory.is_dir():
            found = sorted({*self.directory.glob("*.yaml"), *self.directory.glob("*.yml")})
            files.extend(p for p in found if p.resolve() != self.default_path.resolve())
        return files

    def reload(self) -> list[str]:
        """Re-read changed files; return one precise message per rejected file. A rejected
        file leaves the last valid version of its organisation in force."""
        messages: list[str] = []
        files = self._files()
        if not self.default_path.exists():
            messages.append(f"default policy file not found: {self.default_path}")
        seen: set[Path] = set()
        for path in files:
            seen.add(path)
            try:
                stat = path.stat()
                mtime = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                continue
            if self._mtimes.get(path) == mtime:
                if path in self.errors:
                    messages.append(self.errors[path])
                continue
            self._mtimes[path] = mtime
            try:
                loaded = load_policy_file(path)
                self._install(path, loaded)
                self.errors.pop(path, None)
                self._broken.pop(path, None)
            except ConfigError as exc:
                self.errors[path] = exc.message
                messages.append(exc.message)
                if path != self.default_path and path not in self._by_path:
                    self._broken[path] = _claimed_orgs(path)
                log.warning("policy rejected: file=%s (last valid version kept)", path.name)
        for gone in set(self._by_path) - seen:
            # A deleted file keeps its organisation's last valid policy until restart: losing
            # a file must never widen what staff may do.
            log.warning("policy file removed: org=%s file=%s (last valid version kept)",
                        self._by_path[gone], gone.name)
        for gone in set(self._broken) - seen:
            self._broken.pop(gone)
        return messages

    def _install(self, path: Path, loaded: LoadedPolicy) -> None:
        if path == self.default_path:
            if self._default is not None and self._default.revision == loaded.revision:
                return
            self._default = loaded
        else:
            owner = self._by_org.get(loaded.org)
            if owner is not None and owner.path != path:
                raise ConfigError(
                    f"policy file {path}: organisation {loaded.org!r} already has a policy "
                    f"file ({owner.path.name})"
                )
            previous = self._by_path.get(path)
            if previous is not None and previous != loaded.org:
                self._by_org.pop(previous, None)
            if owner is not None and owner.revision == loaded.revision:
                return
            self._by_org[loaded.org] = loaded
            self._by_path[path] = loaded.org
        entry = Revision(loaded.org, loaded.revision, str(path), datetime.now(UTC))
        self.audit.append(entry)
        log.info("policy in force: org=%s revision=%s file=%s", entry.org, entry.revision,
                 path.name)

    async def watch(self, interval_s: float = 2.0) -> None:
        """Poll file modification times forever; the app runs this as a task."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.reload)
            except Exception:  # never let the watcher die: the last valid policies stay
                log.exception("policy reload failed; last valid policies kept")
