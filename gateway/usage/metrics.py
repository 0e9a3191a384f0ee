"""OpenTelemetry: every instrument and every attribute key it may carry, declared here.

Attributes are low-cardinality and content-free by construction: only the keys listed in
:data:`INSTRUMENTS` are accepted (anything else raises ``ValueError`` in :func:`emit`, so a
test catches it), and values go through :func:`gateway.usage.events.dimension`. There is no
team, key, user or text attribute: Prometheus/Grafana are operators' tools and are not
k-anonymised, so they get the organisation level only. Nor is there any per-request
category that says *what* someone asked (use category, forbidden decision, redaction
label): at a 15-second resolution, in an organisation of four, "one blocked
``evaluation_risque_enfant`` at 10:15" points at a person. Those breakdowns exist only in the
k-anonymised monthly dashboard. Allowed: org, action, model, hosting, and measurement keys
(token direction, estimate bound, pipeline stage).

Metrics go to ``/metrics`` (Prometheus text, :data:`PROMETHEUS_REGISTRY`) always, and to
OTLP/HTTP when ``settings.otlp_endpoint`` is set; traces (one span per pipeline stage, see
:func:`stage`) go to OTLP when configured. ``dashboards/*.json`` may only use the Prometheus
names listed by :func:`prometheus_names` (a test checks it).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from opentelemetry import metrics, trace
from prometheus_client import CollectorRegistry

from gateway.usage.events import dimension
from gateway.usage.scrub import ScrubbingSpanExporter, metric_views

log = logging.getLogger(__name__)

Kind = Literal["counter", "histogram", "updown"]
METER = "gardefou"
STAGES: frozenset[str] = frozenset(
    {"auth", "redaction", "policy", "limits", "upstream", "reidentify", "usage", "other"}
)
# The one registry /metrics renders; the OTel Prometheus reader registers into it.
PROMETHEUS_REGISTRY = CollectorRegistry(auto_describe=True)
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)


@dataclass(frozen=True, slots=True)
class Instrument:
    """One declared instrument: OTel name, kind, unit, description, allowed attribute keys."""

    name: str
    kind: Kind
    unit: str
    description: str
    attributes: frozenset[str]
    prometheus: str  # the exposition name (what Grafana queries)


def _i(name: str, kind: Kind, unit: str, description: str, *attrs: str) -> Instrument:
    suffix = "_total" if kind == "counter" else ""
    return Instrument(name, kind, unit, description, frozenset(attrs), name + suffix)


INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in (
        _i("gardefou_requests", "counter", "", "Requêtes traitées", "org", "action",
           "model", "hosting"),
        _i("gardefou_decisions", "counter", "", "Décisions de politique", "org", "action"),
        _i("gardefou_tokens", "counter", "", "Jetons", "org", "model", "direction"),
        _i("gardefou_redactions", "counter", "", "Occurrences masquées", "org"),
        _i("gardefou_energy_kwh", "counter", "", "Énergie estimée (EcoLogits)", "org",
           "model", "bound"),
        _i("gardefou_gwp_kgco2eq", "counter", "", "Émissions estimées (EcoLogits)", "org",
           "model", "bound"),
        _i("gardefou_request_duration_seconds", "histogram", "", "Durée des requêtes",
           "org", "model", "action"),
        _i("gardefou_time_to_first_token_seconds", "histogram", "",
           "Délai avant le premier jeton", "model"),
        _i("gardefou_stage_duration_seconds", "histogram", "", "Durée par étape", "stage"),
        _i("gardefou_usage_buffered", "updown", "",
           "Événements d'usage en attente après un échec d'écriture", ),
        _i("gardefou_usage_dropped", "counter", "",
           "Événements d'usage perdus (tampon plein)", ),
    )
}


def prometheus_names() -> set[str]:
    """Every series name ``/metrics`` can expose (histograms add _bucket/_sum/_count)."""
    names: set[str] = set()
    for spec in INSTRUMENTS.values():
        if spec.kind == "histogram":
            names |= {spec.prometheus + s for s in ("_bucket", "_sum", "_count")}
        else:
            names.add(spec.prometheus)
    return names


def emit(name: str, value: float, attributes: Mapping[str, str | None] | None = None) -> None:
    """Record ``value`` on the declared instrument ``name``; unknown keys raise ValueError."""
    spec = INSTRUMENTS[name]
    attrs = dict(attributes or {})
    unknown = set(attrs) - spec.attributes
    if unknown:
        raise ValueError(f"{name}: undeclared attribute keys {sorted(unknown)}")
    clean = {k: (dimension(v) or "none") for k, v in attrs.items()}
    instrument = _instrument(spec)
    if spec.kind == "histogram":
        instrument.record(value, clean)
    else:
        instrument.add(value, clean)


# name → (the meter provider it was made by, the instrument)
_MADE: dict[str, tuple[Any, Any]] = {}


def _instrument(spec: Instrument) -> Any:
    # Made lazily, so that the global provider may be installed after import (tests,
    # workers), and once per provider: the API's get_meter and create_* calls (a meter
    # look-up, a registration under a lock) cost more than the sample they record, and a
    # request records about twenty.
    provider = metrics.get_meter_provider()
    made = _MADE.get(spec.name)
    if made is not None and made[0] is provider:
        return made[1]
    meter = provider.get_meter(METER)
    instrument: Any
    if spec.kind == "counter":
        instrument = meter.create_counter(spec.name, unit=spec.unit,
                                          description=spec.description)
    elif spec.kind == "updown":
        instrument = meter.create_up_down_counter(
            spec.name, unit=spec.unit, description=spec.description
        )
    else:
        instrument = meter.create_histogram(
            spec.name, unit=spec.unit, description=spec.description,
            explicit_bucket_boundaries_advisory=_LATENCY_BUCKETS,
        )
    _MADE[spec.name] = (provider, instrument)
    return instrument


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """A span and a duration sample for one pipeline stage (names from :data:`STAGES`)."""
    name = name if name in STAGES else "other"
    tracer = trace.get_tracer(METER)
    started = time.perf_counter()
    # No exception events: their message and stack could quote a prompt.
    with tracer.start_as_current_span(
        f"gardefou.{name}", attributes={"gardefou.stage": name}, record_exception=False
    ):
        try:
            yield
        finally:
            _safe(lambda: emit("gardefou_stage_duration_seconds",
                               time.perf_counter() - started, {"stage": name}))


def _safe(fn: Any) -> None:
    """Telemetry never fails a request."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - telemetry never fails a request
        log.warning("telemetry error: %s", type(exc).__name__)


def setup_telemetry(settings: Any) -> None:
    """Install the meter (Prometheus reader always, OTLP when configured) and tracer
    providers. Idempotent: a second call in the same process changes nothing."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource

    if isinstance(metrics.get_meter_provider(), MeterProvider):
        return
    from opentelemetry.exporter.prometheus import PrometheusMetricReader

    resource = Resource.create({"service.name": "gardefou"})
    readers: list[Any] = [
        PrometheusMetricReader(
            disable_target_info=True, scope_info_enabled=False, registry=PROMETHEUS_REGISTRY
        )
    ]
    endpoint = getattr(settings, "otlp_endpoint", None)
    if endpoint:
        readers.append(_otlp_metric_reader(endpoint))
    metrics.set_meter_provider(MeterProvider(
        resource=resource, metric_readers=readers, views=metric_views(allowed_keys())))
    if endpoint:
        _setup_tracing(endpoint, resource)


def allowed_keys() -> frozenset[str]:
    """Every attribute key our instruments and spans may carry."""
    return frozenset({"gardefou.stage"}).union(*(i.attributes for i in INSTRUMENTS.values()))


def flush_telemetry(timeout_ms: int = 5_000) -> None:
    """Push pending spans and metrics now (at shutdown), rather than hoping the interpreter's
    exit hooks get the time to; never raises."""
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        flush = getattr(provider, "force_flush", None)
        if flush is not None:
            _safe(lambda flush=flush: flush(timeout_millis=timeout_ms))


def _otlp_metric_reader(endpoint: str) -> Any:
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    exporter = OTLPMetricExporter(endpoint=endpoint.rstrip("/") + "/v1/metrics")
    return PeriodicExportingMetricReader(exporter, export_interval_millis=15_000)


def _setup_tracing(endpoint: str, resource: Any) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=resource)
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    # whatever instruments the app (ours, or an instrumentor added by the deployment),
    # URLs and client details are stripped before export
    provider.add_span_processor(BatchSpanProcessor(ScrubbingSpanExporter(exporter, allowed_keys())))
    trace.set_tracer_provider(provider)


def observe(event: Any) -> None:
    """The OTel view of one usage event (org-level attributes only)."""
    org, model = event.org, event.model
    emit("gardefou_requests", 1, {"org": org, "action": event.action, "model": model,
                                  "hosting": event.hosting})
    emit("gardefou_decisions", 1, {"org": org, "action": event.action})
    emit("gardefou_tokens", event.prompt_tokens, {"org": org, "model": model,
                                                  "direction": "prompt"})
    emit("gardefou_tokens", event.completion_tokens, {"org": org, "model": model,
                                                      "direction": "completion"})
    redacted = sum(n for _, n in event.redactions)
    if redacted:
        emit("gardefou_redactions", redacted, {"org": org})
    emit("gardefou_request_duration_seconds", event.latency_s,
         {"org": org, "model": model, "action": event.action})
    if event.ttft_s is not None:
        emit("gardefou_time_to_first_token_seconds", event.ttft_s, {"model": model})
    if event.energy_kwh is not None and event.gwp_kgco2eq is not None:
        for bound, e, g in zip(("min", "max"), event.energy_kwh, event.gwp_kgco2eq, strict=True):
            emit("gardefou_energy_kwh", e, {"org": org, "model": model, "bound": bound})
            emit("gardefou_gwp_kgco2eq", g, {"org": org, "model": model, "bound": bound})
