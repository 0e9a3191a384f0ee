"""litellm is imported only when a declared model goes through it: the demo model and
direct-path models are served without it (bench/startup.py measures what that saves)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gateway.catalog import Hosting, ModelSpec
from tests.conftest import ROOT

PROBE = """
import asyncio, json, sys
from gateway.catalog import Catalog, demo_catalog, load_catalog
from gateway.upstream import Upstream
catalog = load_catalog(None) if sys.argv[1] == "demo" else Catalog.model_validate(
    json.loads(sys.argv[1]))
upstream = Upstream(catalog)
spec = catalog.models[0]
loaded_at_start = "litellm" in sys.modules
messages = [{"role": "user", "content": "Bonjour <PERSONNE_1>"}]
out = {"start": loaded_at_start}
if spec.name == "demo":
    _, body = asyncio.run(upstream.complete([spec], messages, {}))
    async def chunks():
        _, it = await upstream.open_stream([spec], messages, {}, include_usage=True)
        return [c async for c in it]
    streamed = asyncio.run(chunks())
    out["answer"] = body["choices"][0]["message"]["content"]
    out["streamed"] = "".join(c["choices"][0]["delta"].get("content", "")
                              for c in streamed if c["choices"])
    out["usage"] = streamed[-1].get("usage")
out["cost"] = upstream.cost_eur(spec, 1000, 1000, 1.0)
out["after"] = "litellm" in sys.modules
print(json.dumps(out))
"""


def _probe(catalog: str) -> dict:
    env = {**os.environ, "GARDEFOU_STATE_DIR": "/nonexistent"}
    result = subprocess.run([sys.executable, "-c", PROBE, catalog], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def test_the_demo_model_answers_without_litellm() -> None:
    out = _probe("demo")
    assert out == {**out, "start": False, "after": False, "cost": 0.0}
    assert "<\u2060PERSONNE_1>" in out["answer"] and out["streamed"] == out["answer"]
    assert out["usage"]["total_tokens"] > 0


def test_a_direct_model_is_priced_without_litellm() -> None:
    direct = {"models": [{"name": "gpt", "litellm_model": "openai/gpt-4o-mini",
                          "api_base": "http://127.0.0.1:9/v1", "hosting": "non_eu"}]}
    out = _probe(json.dumps(direct))
    assert out["start"] is False and out["after"] is False and out["cost"] > 0


def test_a_litellm_model_imports_it_at_start_up() -> None:
    routed = {"models": [{"name": "mistral", "litellm_model": "mistral/mistral-small-latest",
                          "hosting": "eu"}]}
    assert _probe(json.dumps(routed))["start"] is True


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o", "not-a-listed-model"])
def test_direct_prices_match_litellms_lookup(model: str) -> None:
    from gateway.upstream.litellm import listed_usd_per_token
    from gateway.upstream.prices import direct_usd_per_token

    spec = ModelSpec(name="m", litellm_model=f"openai/{model}", api_base="http://x/v1",
                     hosting=Hosting.NON_EU)
    assert direct_usd_per_token(spec.litellm_model) == pytest.approx(
        listed_usd_per_token(spec.litellm_model))
