"""EcoLogits estimates: providers, self-hosted models by size, zones, and no estimate."""

from __future__ import annotations

import pytest

from gateway.catalog import Hosting, ModelSpec
from gateway.usage.impact import estimate, method


def spec(route: str, hosting: Hosting) -> ModelSpec:
    return ModelSpec(name="m", litellm_model=route, hosting=hosting)


@pytest.mark.parametrize(("route", "hosting"), [
    ("mistral/mistral-small-latest", Hosting.EU),
    ("openai/gpt-4o-mini", Hosting.NON_EU),
    ("ollama/llama3.1:8b", Hosting.SELF_HOSTED),
    ("hosted_vllm/mistralai/Mistral-7B-Instruct-v0.3", Hosting.SELF_HOSTED),
])
def test_known_models_get_a_range(route: str, hosting: Hosting) -> None:
    impact = estimate(spec(route, hosting), 400, 5.0)
    assert impact is not None
    lo, hi = impact.energy_kwh
    assert 0 < lo <= hi < 0.01
    assert 0 < impact.gwp_kgco2eq[0] <= impact.gwp_kgco2eq[1]


@pytest.mark.parametrize(("route", "hosting", "tokens"), [
    ("gardefou-demo/echo", Hosting.SELF_HOSTED, 100),  # the built-in echo uses no GPU
    ("ollama/mystery-model", Hosting.SELF_HOSTED, 100),  # size unknown
    ("mistral/mistral-small-latest", Hosting.EU, 0),  # nothing generated (blocked, error)
    ("someprovider/model", Hosting.EU, 100),
])
def test_no_estimate_rather_than_a_guess(route: str, hosting: Hosting, tokens: int) -> None:
    assert estimate(spec(route, hosting), tokens, 2.0) is None


def test_zone_changes_emissions_not_energy() -> None:
    local = spec("ollama/llama3.1:8b", Hosting.SELF_HOSTED)
    fra, pol = estimate(local, 400, 5.0, "FRA"), estimate(local, 400, 5.0, "WOR")
    assert fra and pol and fra.energy_kwh == pol.energy_kwh
    assert fra.gwp_kgco2eq[1] < pol.gwp_kgco2eq[0]


def test_more_tokens_cost_more() -> None:
    local = spec("ollama/llama3.1:70b", Hosting.SELF_HOSTED)
    assert estimate(local, 100, 2.0).energy_kwh[1] < estimate(local, 1000, 20.0).energy_kwh[0]


def test_method_states_scope_and_exclusions() -> None:
    m = method()
    assert m["methode"].startswith("EcoLogits") and "entraînement" in m["exclusions"]
