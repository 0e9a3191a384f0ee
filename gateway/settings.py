"""All runtime settings, read once from the environment (prefix ``GARDEFOU_``) and ``.env``.

This is the only module that reads the environment. Defaults give the embedded mode: no
Redis, no provider key, the built-in ``demo`` model, state under ``./var``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.errors import ConfigError


class Settings(BaseSettings):
    """Gateway settings; each field is documented in ``docs/configuration.md``."""

    model_config = SettingsConfigDict(
        env_prefix="GARDEFOU_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=8080, ge=1, le=65535, description="HTTP port.")
    workers: int = Field(default=1, ge=1, le=64, description="Worker processes for `serve`.")
    state_dir: Path = Field(default=Path("var"), description="Where embedded state lives.")
    models_file: Path | None = Field(
        default=None, description="Models YAML file; unset = the built-in demo model only."
    )
    policies_dir: Path | None = Field(
        default=None,
        description="Directory of per-organisation policy files; unset = policies/default.yaml.",
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
        description="Mint an in-memory demo key at start-up and print ready-to-paste examples.",
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
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log verbosity; logs never contain prompt or answer text."
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

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


def settings_table() -> str:
    """The Markdown table of every setting, as published in ``docs/configuration.md``."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "unset" if default is None else f"`{default}`"
        rows.append(f"| `GARDEFOU_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
