"""Fixtures for the policy tests. spaCy (through the redactor) is loaded once per session
and only by the tests that need redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.catalog import Catalog, Hosting, ModelSpec, Retention
from gateway.policy import LoadedPolicy, load_policy_file
from gateway.policy.store import DEFAULT_POLICY_PATH

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def default_policy() -> LoadedPolicy:
    return load_policy_file(DEFAULT_POLICY_PATH)


@pytest.fixture(scope="session")
def default_raw() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    return raw


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """Three models with different hosting facts."""
    return Catalog(models=(
        ModelSpec(name="local-llama", litellm_model="openai/llama", hosting=Hosting.SELF_HOSTED,
                  retention=Retention.ZERO),
        ModelSpec(name="mistral-hds", litellm_model="mistral/x", hosting=Hosting.EU,
                  certifications=("hds",)),
        ModelSpec(name="cloud-us", litellm_model="openai/gpt", hosting=Hosting.NON_EU),
    ))


@pytest.fixture(scope="session")
def redactor(base_redactor: Any) -> Any:
    import dataclasses

    from gateway.redaction.cache import MemoryCache

    return dataclasses.replace(base_redactor, cache=MemoryCache(64), propagated=MemoryCache(4096))


def write_policy(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
