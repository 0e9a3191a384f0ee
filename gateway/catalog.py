"""The models file: gateway model names → litellm routes, with the hosting facts that
policies reason about (``hosting``, ``certifications``, ``retention``).

Example (YAML)::

    models:
      - name: mistral-eu
        litellm_model: mistral/mistral-small-latest
        api_key: $MISTRAL_API_KEY        # an environment reference, never a secret
        hosting: eu
        certifications: [hds]
        retention: zero
        timeout_s: 60
        max_retries: 1
        fallbacks: [local-llama]
        orgs: [ase-93]                   # optional: only these organisations see it
      - name: local-llama
        litellm_model: openai/llama-3.1-8b   # an OpenAI-compatible server (vLLM, Ollama…):
        api_base: http://10.0.0.5:8000/v1    # called directly, without litellm
        hosting: self_hosted                 # (transport: litellm to force litellm)
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.errors import ConfigError

DEMO_MODEL = "demo"


class Hosting(StrEnum):
    SELF_HOSTED = "self_hosted"
    EU = "eu"
    NON_EU = "non_eu"


class Retention(StrEnum):
    ZERO = "zero"
    PROVIDER_DEFAULT = "provider_default"


class ModelSpec(BaseModel):
    """One model staff may call through the gateway."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    litellm_model: str
    api_base: str | None = None
    api_key: str | None = Field(
        default=None, description="An environment reference such as $MISTRAL_API_KEY."
    )
    hosting: Hosting
    certifications: tuple[str, ...] = ()
    retention: Retention = Retention.PROVIDER_DEFAULT
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=0, ge=0, le=5)
    fallbacks: tuple[str, ...] = ()
    price_eur_per_mtok: tuple[float, float] | None = Field(
        default=None,
        description="(input, output) € per million tokens; unset = litellm's price list.",
    )
    orgs: tuple[str, ...] = Field(
        default=(), description="Organisations that may see this model; empty = every org."
    )
    transport: Literal["auto", "litellm"] = Field(
        default="auto",
        description="auto: an openai/ model with an api_base is called directly (same wire "
        "format, much less CPU); litellm: always through litellm.",
    )

    def visible_to(self, org: str) -> bool:
        """A model restricted to other organisations does not exist for this one."""
        return not self.orgs or org in self.orgs

    @field_validator("api_key")
    @classmethod
    def _key_is_reference(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("$"):
            raise ValueError("api_key must be an environment reference like $PROVIDER_API_KEY")
        return value

    @field_validator("certifications")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.lower() for c in value)

    def resolved_api_key(self) -> str | None:
        """The secret behind ``api_key``, read from the environment at call time."""
        if self.api_key is None:
            return None
        return os.environ.get(self.api_key.lstrip("$").strip("{}"))


class Catalog(BaseModel):
    """All declared models, by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    models: tuple[ModelSpec, ...]

    @field_validator("models")
    @classmethod
    def _unique(cls, value: tuple[ModelSpec, ...]) -> tuple[ModelSpec, ...]:
        names = [m.name for m in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"model names must be unique, repeated: {', '.join(dupes)}")
        known = set(names)
        for m in value:
            missing = [f for f in m.fallbacks if f not in known]
            if missing:
                raise ValueError(f"model {m.name!r} falls back to unknown {missing}")
        return value

    def get(self, name: str) -> ModelSpec | None:
        return next((m for m in self.models if m.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.models)

    def for_org(self, org: str) -> Catalog:
        """The catalog as ``org`` sees it: models restricted to other organisations are
        absent, and so are fallbacks to them."""
        visible = [m for m in self.models if m.visible_to(org)]
        names = {m.name for m in visible}
        return Catalog(models=tuple(
            m.model_copy(update={"fallbacks": tuple(f for f in m.fallbacks if f in names)})
            for m in visible))


def demo_catalog() -> Catalog:
    """The embedded default: only the built-in ``demo`` model, which runs in-process."""
    return Catalog(
        models=(
            ModelSpec(
                name=DEMO_MODEL,
                litellm_model="gardefou-demo/echo",
                hosting=Hosting.SELF_HOSTED,
                retention=Retention.ZERO,
                timeout_s=10,
            ),
        )
    )


def load_catalog(path: Path | None) -> Catalog:
    """Read a models file; ``None`` gives the embedded demo catalog."""
    if path is None:
        return demo_catalog()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Catalog.model_validate(raw)
    except FileNotFoundError as exc:
        raise ConfigError(f"models file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"models file {path} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError(f"models file {path} is invalid:\n{_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    return "\n".join(
        f"  - {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )
