"""Anonymised usage data: events, stores, OpenTelemetry, k-anonymised reports and exports.

Public surface used by the pipeline and the app::

    UsageEvent, build_event      a content-free event for one request (events.py)
    UsageRecorder, build_usage   one recorder per process (recorder.py; SQLite or Redis store)
    stage, setup_telemetry       OTel spans per pipeline stage, metrics readers (metrics.py)
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.usage.events import UsageEvent, build_event
from gateway.usage.metrics import setup_telemetry, stage
from gateway.usage.recorder import UsageRecorder, impact_for

__all__ = ["UsageEvent", "UsageRecorder", "build_event", "build_usage", "setup_telemetry", "stage"]

log = logging.getLogger(__name__)


def build_usage(settings: Any) -> UsageRecorder:
    """The process's recorder: Redis when ``settings.redis_url`` is set, else SQLite at
    ``settings.usage_path``. Impact estimates use ``settings.electricity_zone`` (default FRA)."""
    from gateway.catalog import load_catalog
    from gateway.usage.impact import DEFAULT_ZONE
    from gateway.usage.pseudonym import load_salt

    store: Any
    if settings.redis_url:
        from gateway.usage.store_redis import RedisUsageStore

        store = RedisUsageStore(settings.redis_url)
        salt = settings.worker_salt.encode() if settings.worker_salt else _shared_salt(settings)
    else:
        from gateway.usage.store_sqlite import SQLiteUsageStore

        store = SQLiteUsageStore(settings.usage_path)
        salt = load_salt(settings.worker_salt, settings.state_dir)
    catalog = load_catalog(settings.models_file)
    zone = settings.electricity_zone or DEFAULT_ZONE
    return UsageRecorder(store, salt, impact=impact_for(catalog.get, zone))


def _shared_salt(settings: Any) -> bytes:
    """Replicas must share the pseudonym salt: keep a random one in Redis (set once), or a
    local one if Redis is down at start-up (distinct counts then split by replica)."""
    import secrets

    import redis

    from gateway.usage.pseudonym import load_salt

    try:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
        client.set("gardefou:usage:salt", secrets.token_hex(32), nx=True)
        value = client.get("gardefou:usage:salt")
        client.close()
        if value:
            return value if isinstance(value, bytes) else str(value).encode()
    except Exception as exc:  # noqa: BLE001 - any Redis failure: fall back to a local salt
        log.warning("cannot read the shared worker salt (%s): using a local one",
                    type(exc).__name__)
    return load_salt(None, settings.state_dir)
