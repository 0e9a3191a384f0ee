"""Anonymised usage data: events, stores, OpenTelemetry, k-anonymised reports and exports.

Public surface used by the pipeline and the app::

    UsageEvent, build_event      a content-free event for one request (events.py)
    UsageRecorder, build_usage   one recorder per process (recorder.py; SQLite or Redis store)
    stage, setup_telemetry       OTel spans per pipeline stage, metrics readers (metrics.py)
"""

from __future__ import annotations

import os

from typing import Any

from gateway.usage.events import UsageEvent, build_event
from gateway.usage.metrics import flush_telemetry, setup_telemetry, stage
from gateway.usage.recorder import RetentionFn, UsageRecorder, impact_for

__all__ = [
    "UsageEvent", "UsageRecorder", "build_event", "build_usage", "policy_retention",
    "flush_telemetry", "setup_telemetry", "stage",
]


def build_usage(settings: Any, retention: RetentionFn | None = None,
                breaker: Any = None) -> UsageRecorder:
    """The process's recorder: Redis when ``settings.redis_url`` is set, else SQLite at
    ``settings.usage_path``. Impact estimates use ``settings.electricity_zone`` (default FRA).

    Pseudonym secrets: ``HMAC(settings.worker_salt, month)`` when that salt is set, else a
    random secret per month shared through Redis, or derived from a seed held in memory
    only (``settings.usage_seed``, set by ``gardefou serve`` for its workers; random when
    absent), never on disk (see :mod:`gateway.usage.pseudonym`).
    ``retention(org)`` gives an organisation's usage retention in days (its policy's
    ``retention.usage_days``, see :func:`policy_retention`); default 365. ``breaker``: the
    process's Redis circuit breaker (:mod:`gateway.redis_client`).
    """
    from gateway.catalog import load_catalog
    from gateway.usage.impact import DEFAULT_ZONE
    from gateway.usage.pseudonym import (
        DerivedSecrets,
        MemorySecrets,
        MonthSecrets,
        RedisSecrets,
        delete_disk_secrets,
    )

    store: Any
    secrets: MonthSecrets
    if settings.redis_url:
        from gateway.usage.store_redis import RedisUsageStore

        store = RedisUsageStore(settings.redis_url, retention=retention, breaker=breaker)
    else:
        from gateway.usage.store_sqlite import SQLiteUsageStore

        store = SQLiteUsageStore(settings.usage_path)
    if settings.worker_salt:
        secrets = DerivedSecrets(settings.worker_salt.encode("utf-8"))
    elif settings.redis_url:
        secrets = RedisSecrets(store.client, store.prefix)
    else:
        delete_disk_secrets(settings.state_dir)
        seed = (settings.usage_seed or "").encode() or os.urandom(32)
        secrets = MemorySecrets(seed, settings.state_dir / "usage-epochs",
                                forget_marks=store.forget_marks)
    catalog = load_catalog(settings.models_file)
    zone = settings.electricity_zone or DEFAULT_ZONE
    return UsageRecorder(store, secrets, impact=impact_for(catalog.get, zone),
                         retention=retention)


def policy_retention(policies: Any) -> RetentionFn:
    """``org → retention.usage_days`` of the org's policy in force (for :func:`build_usage`)."""

    def days(org: str) -> int | None:
        return int(policies.get(org).policy.retention.usage_days)

    return days
