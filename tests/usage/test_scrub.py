"""Exported telemetry carries no URL path or query, whoever instruments the app: spans and
metrics shaped like FastAPI's instrumentation's go through the scrubbing exporter and views
into in-memory exporters, and come out with the route template only."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.usage.metrics import allowed_keys
from gateway.usage.scrub import ScrubbingSpanExporter, metric_views

NOTE = "Mme Eulalie Vandercruysse 0648271953"
# What opentelemetry-instrumentation-fastapi/asgi put on a server span (old and new
# semantic conventions).
HTTP_ATTRIBUTES = {
    "http.request.method": "POST", "http.method": "POST", "http.route": "/admin/policies/{org}/explain",
    "url.path": f"/admin/policies/{NOTE}/explain", "url.query": f"note={NOTE}",
    "http.target": f"/admin/policies/{NOTE}/explain?note={NOTE}",
    "http.url": f"http://gw/admin/policies/{NOTE}/explain?note={NOTE}",
    "url.full": f"http://gw/x?note={NOTE}", "client.address": "10.1.2.3",
    "net.peer.ip": "10.1.2.3", "user_agent.original": NOTE, "http.response.status_code": 200,
}


def test_spans_keep_the_route_template_and_nothing_of_the_url() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ScrubbingSpanExporter(memory, allowed_keys())))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(f"POST /admin/policies/{NOTE}/explain",
                                      attributes=HTTP_ATTRIBUTES) as span:
        span.add_event("exception", {"exception.message": NOTE, "exception.type": "ValueError"})
    with tracer.start_as_current_span(f"{NOTE} http receive", attributes={"url.query": NOTE}):
        pass
    with tracer.start_as_current_span("gardefou.redaction", attributes={"gardefou.stage": "redaction"}):
        pass
    spans = memory.get_finished_spans()
    assert len(spans) == 3
    for exported in spans:
        text = repr((exported.name, dict(exported.attributes or {}),
                     [(e.name, dict(e.attributes or {})) for e in exported.events]))
        assert "Vandercruysse" not in text and "10.1.2.3" not in text
    http, other, ours = spans
    assert http.name == "POST /admin/policies/{org}/explain"
    assert dict(http.attributes) == {
        "http.request.method": "POST", "http.method": "POST",
        "http.route": "/admin/policies/{org}/explain", "http.response.status_code": 200}
    assert other.name == "span" and not other.attributes
    assert ours.name == "gardefou.redaction" and dict(ours.attributes) == {"gardefou.stage": "redaction"}


def test_metrics_keep_only_declared_and_safe_http_attributes() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], views=metric_views(allowed_keys()))
    meter = provider.get_meter("test")
    meter.create_histogram("http.server.duration").record(12, HTTP_ATTRIBUTES)
    meter.create_counter("gardefou_requests").add(1, {"org": "org-a", "action": "allow"})
    data = reader.get_metrics_data()
    points = {
        metric.name: [dict(p.attributes) for p in metric.data.data_points]
        for rm in data.resource_metrics for sm in rm.scope_metrics for metric in sm.metrics
    }
    assert points["gardefou_requests"] == [{"org": "org-a", "action": "allow"}]
    assert points["http.server.duration"] == [{
        "http.request.method": "POST", "http.method": "POST",
        "http.route": "/admin/policies/{org}/explain", "http.response.status_code": 200}]
    provider.shutdown()
