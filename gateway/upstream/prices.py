"""What a call cost, for budgets: the model's declared € prices, else litellm's bundled price
list (USD, converted). Direct-path models are priced from the same list read as a JSON file,
without importing litellm."""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from gateway.catalog import ModelSpec
from gateway.upstream import demo, direct
from gateway.upstream.litellm import listed_usd_per_token

_PRICE_FILE = "model_prices_and_context_window_backup.json"


def cost_eur(spec: ModelSpec, prompt_tokens: int, completion_tokens: int,
             usd_to_eur: float) -> float:
    """The call's cost in euros; 0 for the demo and for models priced nowhere."""
    if spec.price_eur_per_mtok is not None:
        price_in, price_out = spec.price_eur_per_mtok
        return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
    if demo.serves(spec):
        return 0.0
    listed = direct_usd_per_token if direct.serves(spec) else listed_usd_per_token
    price_in, price_out = listed(spec.litellm_model)
    return (prompt_tokens * price_in + completion_tokens * price_out) * usd_to_eur


@lru_cache(maxsize=256)
def direct_usd_per_token(litellm_model: str) -> tuple[float, float]:
    """litellm's price for a direct-path model (``openai/<name>``), read from its bundled
    JSON file without importing litellm: an OpenAI model's price is its plain entry
    (tests/test_upstream_lazy.py checks this against litellm's own lookup)."""
    found = importlib.util.find_spec("litellm")  # finds the package without importing it
    if found is None or not found.submodule_search_locations:
        return 0.0, 0.0
    path = Path(next(iter(found.submodule_search_locations))) / _PRICE_FILE
    try:
        entry = _price_list(path).get(litellm_model.removeprefix(direct.PREFIX))
    except (OSError, ValueError):
        return 0.0, 0.0
    if not isinstance(entry, dict) or entry.get("litellm_provider") != "openai":
        return 0.0, 0.0
    return (float(entry.get("input_cost_per_token") or 0.0),
            float(entry.get("output_cost_per_token") or 0.0))


@lru_cache(maxsize=1)
def _price_list(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
