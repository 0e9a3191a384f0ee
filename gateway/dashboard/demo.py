"""The demo organisation's dashboard: a simulated closed month, so that a manager trying
Garde-fou sees what the figures will look like long before a real month is published.

Only for the organisation of ``gardefou serve --demo`` (``GARDEFOU_DEMO``). The month is built
by :mod:`gateway.usage.simulate` into an in-memory store (never into the real usage store,
where it would mix with real events) once per process, and every answer says it is simulated.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

DEMO_ORG = "demo"  # gateway.cli.serve.DEMO_ORG, without importing the CLI here


def shows_simulation(settings: Any, org: str) -> bool:
    """Whether ``org``'s dashboard shows the simulated month."""
    return bool(settings.demo) and org == DEMO_ORG


async def simulated_store(app_state: Any, org: str) -> Any:
    """An in-memory usage store holding one simulated month (the last closed one) of
    ``org``; built on first use and kept on the application's state."""
    lock = app_state.__dict__.setdefault("_demo_usage_lock", asyncio.Lock())
    async with lock:
        store = getattr(app_state, "demo_usage", None)
        if store is None:
            store = await _build(org)
            app_state.demo_usage = store
    return store


async def _build(org: str) -> Any:
    # Written straight into the store, not through a UsageRecorder: the recorder would also
    # count the simulated requests in the gateway's Prometheus metrics.
    import dataclasses
    import secrets

    from gateway.usage.periods import last_closed_month
    from gateway.usage.pseudonym import pseudonym
    from gateway.usage.recorder import impact_for
    from gateway.usage.simulate import MODELS, month_of_traffic
    from gateway.usage.store_sqlite import SQLiteUsageStore

    store = SQLiteUsageStore(Path(":memory:"))
    impact = impact_for({m.name: m for m in MODELS}.get)
    secret = secrets.token_bytes(32)  # throwaway: simulated workers need no stable pseudonym
    for item in month_of_traffic(last_closed_month(), org=org):
        event, estimate = item.event, impact(item.event)
        if estimate is not None:
            event = dataclasses.replace(event, energy_kwh=estimate.energy_kwh,
                                        gwp_kgco2eq=estimate.gwp_kgco2eq)
        await store.add(event, pseudonym(secret, item.principal.worker, event.hour))
    return store
