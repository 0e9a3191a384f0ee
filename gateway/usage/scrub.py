"""What leaves in exported telemetry, whoever produced it: an allow-list of attributes.

Our own spans and metrics carry declared, content-free attributes only (see
:mod:`gateway.usage.metrics`), but OpenTelemetry instrumentation that a deployment may add
(``opentelemetry-instrument``, FastAPI's or aiohttp's instrumentors) exports the request URL:
``url.path`` with its path parameters and ``url.query`` — where a careless client may put a
note — plus the client's address and user agent. Every span goes through
:class:`ScrubbingSpanExporter` before export and every metric through :func:`metric_views`:
only the attribute keys below survive, the URL path is replaced by its route template, span
names are reduced to the method and route, and event attributes (an exception's message)
are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

# HTTP attributes that carry no client input: the method, the status, the route *template*
# (``/admin/policies/{org}/explain``, never the path itself) and the scheme.
SAFE_HTTP_KEYS = frozenset({
    "http.request.method", "http.method", "http.response.status_code", "http.status_code",
    "http.route", "url.scheme", "http.scheme", "network.protocol.version", "http.flavor",
})
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
                      "CONNECT"})


def safe_attributes(attributes: Mapping[str, Any] | None, allowed: frozenset[str]) -> dict[str, Any]:
    """Only the ``allowed`` keys of ``attributes``."""
    return {k: v for k, v in (attributes or {}).items() if k in allowed}


def safe_span_name(name: str, attributes: Mapping[str, Any] | None) -> str:
    """Our ``gardefou.*`` names as they are; an HTTP span as ``METHOD route-template`` (or
    the method alone); anything else as ``span``: instrumentation may name spans by path."""
    if name.startswith("gardefou.") and name.replace(".", "").replace("_", "").isalnum():
        return name
    method = name.split(" ", 1)[0]
    if method in _METHODS:
        route = (attributes or {}).get("http.route")
        return f"{method} {route}" if isinstance(route, str) and "?" not in route else method
    return "span"


def scrub_span(span: ReadableSpan, allowed: frozenset[str]) -> ReadableSpan:
    """A copy of ``span`` carrying only allowed attributes and no event attributes."""
    attributes = safe_attributes(span.attributes, allowed)
    return ReadableSpan(
        name=safe_span_name(span.name, span.attributes),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=[Event(e.name, {}, e.timestamp) for e in span.events],
        links=(),
        kind=span.kind,
        instrumentation_scope=span.instrumentation_scope,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
    )


class ScrubbingSpanExporter(SpanExporter):
    """Wraps the real exporter; every span is scrubbed (:func:`scrub_span`) first."""

    def __init__(self, inner: SpanExporter, allowed: Iterable[str]) -> None:
        self.inner = inner
        self.allowed = frozenset(allowed) | SAFE_HTTP_KEYS

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([scrub_span(s, self.allowed) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


def metric_views(allowed: Iterable[str]) -> list[Any]:
    """One view over every instrument keeping only ``allowed`` attribute keys (plus the
    safe HTTP ones): an instrumentation's ``http.target`` or ``url.path`` never reaches
    ``/metrics`` or OTLP."""
    from opentelemetry.sdk.metrics.view import View

    return [View(instrument_name="*", attribute_keys=set(allowed) | SAFE_HTTP_KEYS)]
