"""Environmental impact of one request, estimated with EcoLogits (https://ecologits.ai).

Method: EcoLogits models the energy of generating ``completion_tokens`` with a model of a
given (active) parameter count on GPU servers, adds the data-centre PUE and converts energy
to greenhouse-gas emissions (GWP, kgCO2eq) with the electricity-mix factor of a zone. It
returns ranges (min–max) when the parameter count is uncertain.

- Provider models (Mistral, OpenAI, Anthropic, Google, Cohere): EcoLogits' own registry and
  the provider's data-centre zone and PUE.
- Self-hosted models: the parameter count comes from EcoLogits' registry when the name is
  known, else from a size written in the model name (``llama3.1:8b`` → 8 B); the zone is the
  configured electricity mix (``FRA`` by default; ``BEL``, ``CHE``…), PUE 1.2–1.5.
- Exclusions (stated on the dashboard and in the data dictionary): model training, network,
  end-user devices, input-token processing, and idle capacity. Figures are estimates with
  large uncertainty, never a claim of "green" or "neutral" AI.

EcoLogits ships its registries as package data and makes no network call when used this way
(we never import its tracers, which patch provider SDKs). Any failure gives ``None``:
an estimate is never allowed to fail a request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gateway.catalog import Hosting, ModelSpec

log = logging.getLogger(__name__)

DEFAULT_ZONE = "FRA"
# litellm route prefix → EcoLogits provider.
_PROVIDERS: dict[str, str] = {
    "mistral": "mistralai",
    "openai": "openai",
    "azure": "openai",
    "anthropic": "anthropic",
    "gemini": "google_genai",
    "vertex_ai": "google_genai",
    "cohere": "cohere",
    "huggingface": "huggingface_hub",
}
_SIZE_RE = re.compile(r"(?<![0-9.])(\d{1,4}(?:\.\d+)?)\s*[bB](?![a-zA-Z])")
# A self-hosted server room is rarely as efficient as a hyperscaler's.
_SELF_HOSTED_PUE = (1.2, 1.5)
_SELF_HOSTED_WUE = (0.0, 1.0)


@dataclass(frozen=True, slots=True)
class Impact:
    """Per-request ranges (min, max)."""

    energy_kwh: tuple[float, float]
    gwp_kgco2eq: tuple[float, float]


def method() -> dict[str, str]:
    """What the dashboard and exports print about the method."""
    return {
        "methode": f"EcoLogits {_ecologits_version()}",
        "perimetre": "inférence seule (génération des jetons de sortie), PUE du centre de données",
        "exclusions": "entraînement du modèle, réseau, terminaux, jetons d'entrée, capacité inactive",
        "incertitude": "fourchettes min–max ; ordre de grandeur, pas une mesure",
    }


def estimate(
    spec: ModelSpec, completion_tokens: int, latency_s: float, zone: str = DEFAULT_ZONE
) -> Impact | None:
    """Energy and GWP ranges for one request, or ``None`` when the model is unknown."""
    if completion_tokens <= 0 or spec.litellm_model.startswith("gardefou-demo/"):
        return None
    try:
        if spec.hosting == Hosting.SELF_HOSTED:
            return _self_hosted(spec.litellm_model, completion_tokens, latency_s, zone)
        return _provider(spec.litellm_model, completion_tokens, latency_s)
    except Exception as exc:  # noqa: BLE001 - an estimate never fails a request
        log.warning("impact estimate failed: %s", type(exc).__name__)
        return None


def _provider(route: str, tokens: int, latency_s: float) -> Impact | None:
    from ecologits.tracers.utils import llm_impacts

    prefix, _, name = route.partition("/")
    provider = _PROVIDERS.get(prefix) if name else "openai"
    name = name or route
    if provider is None:
        return None
    result = llm_impacts(provider, name, tokens, max(latency_s, 0.001))
    if result.has_errors or result.energy is None or result.gwp is None:
        return None
    return Impact(_range(result.energy.value), _range(result.gwp.value))


def _self_hosted(route: str, tokens: int, latency_s: float, zone: str) -> Impact | None:
    from ecologits.electricity_mix_repository import electricity_mixes
    from ecologits.impacts.llm import compute_llm_impacts
    from ecologits.utils.range_value import RangeValue

    params = _parameters(route.partition("/")[2] or route)
    mix = electricity_mixes.find_electricity_mix(zone=zone)
    if params is None or mix is None:
        return None
    active, total = params
    result = compute_llm_impacts(
        model_active_parameter_count=active,
        model_total_parameter_count=total,
        output_token_count=tokens,
        request_latency=max(latency_s, 0.001),
        if_electricity_mix_adpe=mix.adpe,
        if_electricity_mix_pe=mix.pe,
        if_electricity_mix_gwp=mix.gwp,
        if_electricity_mix_wue=mix.wue,
        datacenter_pue=RangeValue(min=_SELF_HOSTED_PUE[0], max=_SELF_HOSTED_PUE[1]),
        datacenter_wue=RangeValue(min=_SELF_HOSTED_WUE[0], max=_SELF_HOSTED_WUE[1]),
    )
    return Impact(_range(result.energy.value), _range(result.gwp.value))


def _parameters(name: str) -> tuple[Any, Any] | None:
    """(active, total) parameter counts in billions, from the registry or the name."""
    registry = _hub_registry()
    key = name.lower().rsplit("/", 1)[-1]
    if key in registry:
        return registry[key]
    match = _SIZE_RE.search(name)
    if match is None:
        return None
    size = float(match.group(1))
    return size, size


@lru_cache(maxsize=1)
def _hub_registry() -> dict[str, tuple[Any, Any]]:
    """Open-weight models EcoLogits knows (Hugging Face names), by lower-case short name."""
    from ecologits.model_repository import ParametersMoE, models

    out: dict[str, tuple[Any, Any]] = {}
    for model in models.list_models():
        params = model.architecture.parameters
        pair = (params.active, params.total) if isinstance(params, ParametersMoE) else (params, params)
        out[model.name.lower().rsplit("/", 1)[-1]] = pair
    return out


def _range(value: Any) -> tuple[float, float]:
    if hasattr(value, "min") and hasattr(value, "max"):
        return float(value.min), float(value.max)
    return float(value), float(value)


@lru_cache(maxsize=1)
def _ecologits_version() -> str:
    try:
        from ecologits import __version__

        return str(__version__)
    except Exception:  # noqa: BLE001 - not installed: the dashboard still says which method was intended
        return "(non installé)"
