"""All runtime settings, read once from the environment (prefix ``GARDEFOU_``) and ``.env``.

This is the only module that reads the environment. Defaults give the embedded mode: no
Redis, no provider key, the built-in ``demo`` model, state in the user's data directory
(``$XDG_DATA_HOME/gardefou``, else ``~/.local/share/gardefou``): an absolute place, so that
``gardefou keys list`` finds the same keys from any current directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.errors import ConfigError
from gateway.types import Role


def default_state_dir() -> Path:
    """The XDG data directory of Garde-fou: ``$XDG_DATA_HOME/gardefou``, else
    ``~/.local/share/gardefou`` (the XDG default)."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "gardefou"


# Defaults that depend on the machine, as the documentation shows them.
_DOC_DEFAULTS = {"state_dir": "`$XDG_DATA_HOME/gardefou`, else `~/.local/share/gardefou`"}


class Settings(BaseSettings):
    """Gateway settings; each field is documented in ``docs/configuration.md``."""

    model_config = SettingsConfigDict(
        env_prefix="GARDEFOU_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=8080, ge=1, le=65535, description="HTTP port.")
    workers: int = Field(default=1, ge=1, le=64, description="Worker processes for `serve`.")
    analysis_workers: int | None = Field(
        default=None, ge=0, le=64,
        description="Analysis processes (redaction, classification) per server process; unset = "
        "the usable cores divided by `workers`; 0 = in the server process, in threads.",
    )
    analysis_timeout_s: float = Field(
        default=30.0, gt=0, le=600,
        description="Longest one analysis job may run; beyond, its process is replaced and the "
        "request refused (503, nothing sent).",
    )
    analysis_queue: int = Field(
        default=64, ge=1, le=10_000,
        description="Analysis jobs that may wait for a free analysis process; beyond, a request "
        "is refused at once (503 `analysis_busy`, `Retry-After`).",
    )
    state_dir: Path = Field(
        default_factory=default_state_dir,
        description="Where embedded state lives (keys, usage store, demo key, instance lock); "
        "a relative value is taken from the current directory and made absolute.",
    )
    models_file: Path | None = Field(
        default=None, description="Models YAML file; unset = the built-in demo model only."
    )
    policies_dir: Path | None = Field(
        default=None,
        description="Directory of per-organisation policy files; unset = the default policy "
        "(gateway/policy/default.yaml, a copy of policies/default.yaml).",
    )
    keys_file: Path | None = Field(
        default=None, description="Hashed API keys (JSON); default <state_dir>/keys.json."
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for shared state (keys, limits, cache, usage); unset = embedded.",
    )
    usage_db: Path | None = Field(
        default=None, description="SQLite usage store; default <state_dir>/usage.sqlite3."
    )
    max_body_bytes: int = Field(
        default=2_000_000, ge=1_000, description="Largest accepted request body (413 above)."
    )
    demo: bool = Field(
        default=False,
        description="Create the demo organisation's key on first start, keep it in "
        "<state_dir>/demo-key (the same key at every restart) and print ready-to-paste examples.",
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token Prometheus must send to read /metrics; unset = local clients only.",
    )
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP endpoint for traces and metrics; unset = off."
    )
    worker_salt: str | None = Field(
        default=None,
        description="Optional. If set, monthly worker-pseudonym secrets are HMAC(salt, month): "
        "counts stay stable across restarts, but closed months stay reversible for whoever "
        "holds the salt; never store it with the usage data. Unset (recommended) = a random "
        "secret per month in Redis or in process memory, destroyed when the month closes.",
    )
    usage_seed: str | None = Field(
        default=None,
        description="Internal: set by `gardefou serve` for its worker processes (the seed of "
        "the embedded mode's monthly pseudonym secrets, held in memory only). Never set it by "
        "hand or in a file: a seed on disk would let whoever reads it link usage to keys.",
    )
    timezone: str = Field(
        default="Europe/Paris", description="Time zone of daily and monthly quota windows."
    )
    usd_to_eur: float = Field(
        default=0.92, gt=0, description="Rate applied to litellm's USD prices for budgets."
    )
    electricity_zone: str = Field(
        default="FRA",
        description="Electricity-mix zone for energy and emission estimates (ISO 3166-1 alpha-3: "
        "FRA, BEL, CHE…).",
        pattern=r"^[A-Z]{3}$",
    )
    policy_reload_s: float = Field(default=2.0, gt=0, description="Policy hot-reload poll period.")
    plugins: list[str] = Field(
        default_factory=list,
        description="Plugins to load, by entry-point name (an allow-list; JSON list in env).",
    )
    directory_file: Path | None = Field(
        default=None,
        description="Directory (YAML or CSV) placing users asserted by a front-end key in a team "
        "and role; unset = they get the front-end key's team, role staff.",
    )
    sso_issuer: str | None = Field(
        default=None,
        description="OpenID provider (issuer URL) for signing in to the dashboard and admin "
        "pages; unset = API keys only.",
    )
    sso_client_id: str | None = Field(default=None, description="The gateway's OIDC client id.")
    sso_client_secret: str | None = Field(
        default=None, description="Its client secret (unset = public client, PKCE only)."
    )
    sso_redirect_url: str | None = Field(
        default=None,
        description="The callback URL registered at the provider: <public base>/auth/callback.",
    )
    sso_org: str | None = Field(default=None, description="Organisation of signed-in users.")
    sso_scopes: str = Field(
        default="openid email profile groups", description="Scopes asked at sign-in."
    )
    sso_groups_claim: str = Field(default="groups", description="ID-token claim with the groups.")
    sso_group_roles: dict[str, Role] = Field(
        default_factory=dict,
        description='Groups → roles (JSON, e.g. {"gf-direction": "manager"}); a user with no '
        "mapped group is refused.",
    )
    session_secret: str | None = Field(
        default=None, min_length=32,
        description="Signs the sign-in session cookie (32+ characters); required with SSO.",
    )
    session_hours: float = Field(default=8.0, gt=0, le=24 * 7, description="Session lifetime.")
    research_push_token: str | None = Field(
        default=None,
        description="The organisation's token for the study collector, used by `gardefou "
        "export --push URL` (from `gardefou study join` at the collector); unset = no push.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log verbosity; logs never contain prompt or answer text."
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("state_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # Absolute once and for all: the path is printed, and worker processes may not share
        # the current directory of the command that started them.
        return value.expanduser().absolute()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def analysis_processes(self) -> int:
        """How many analysis processes each server process forks (0: none, threads)."""
        if self.analysis_workers is not None:
            return self.analysis_workers
        return max(1, len(os.sched_getaffinity(0)) // self.workers)

    @property
    def keys_path(self) -> Path:
        return self.keys_file or self.state_dir / "keys.json"

    @property
    def usage_path(self) -> Path:
        return self.usage_db or self.state_dir / "usage.sqlite3"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into a message naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"  GARDEFOU_{name}: {err['msg']}")
        raise ConfigError("invalid settings:\n" + "\n".join(lines)) from exc


def secret_from_env(name: str) -> str | None:
    """A secret named by reference (a front-end key's JWT secret): read from the environment
    when used, so that no file of the gateway holds it."""
    return os.environ.get(name) or None if name else None


def settings_table() -> str:
    """The Markdown table of every setting, as published in ``docs/configuration.md``."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "unset" if default is None else f"`{default}`"
        shown = _DOC_DEFAULTS.get(name, shown)
        rows.append(f"| `GARDEFOU_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
