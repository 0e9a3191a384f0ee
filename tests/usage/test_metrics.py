"""OpenTelemetry instruments: declared keys only, stage spans, Grafana over declared names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from gateway.usage import metrics
from gateway.usage.metrics import INSTRUMENTS, PROMETHEUS_REGISTRY, emit, prometheus_names, stage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def telemetry() -> None:
    metrics.setup_telemetry(None)


@pytest.mark.parametrize(("name", "attrs"), [
    ("gardefou_requests", {"team": "x"}),
    ("gardefou_tokens", {"key_id": "abc"}),
    ("gardefou_redactions", {"org": "a", "value": "Jean"}),
    ("gardefou_stage_duration_seconds", {"user": "u"}),
])
def test_undeclared_attribute_keys_are_refused(name: str, attrs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="undeclared"):
        emit(name, 1, attrs)


def test_no_instrument_may_carry_a_person_or_a_team() -> None:
    forbidden = {"team", "user", "key", "key_id", "ip", "content", "prompt", "text", "worker"}
    for spec in INSTRUMENTS.values():
        assert not (spec.attributes & forbidden), spec.name


def test_no_instrument_says_what_a_request_was_about() -> None:
    """Per-request categories at 15-s resolution single out a worker in a small org."""
    allowed = {"org", "action", "model", "hosting", "direction", "bound", "stage"}
    for spec in INSTRUMENTS.values():
        assert spec.attributes <= allowed, (spec.name, spec.attributes - allowed)


def test_observed_events_expose_no_use_decision_or_label() -> None:
    from tests.usage.helpers import event, worker

    w = worker("equipe", 1, org="petite-asso")
    metrics.observe(event(w, action="block", use="ecrit_signalement",
                          forbidden="evaluation_risque_enfant", labels={"NIR": 1}))
    text = generate_latest(PROMETHEUS_REGISTRY).decode()
    assert 'org="petite-asso"' in text
    for leak in ("ecrit_signalement", "evaluation_risque_enfant", "NIR", "use=", "forbidden=",
                 "label="):
        assert leak not in text, leak


def test_values_are_sanitised_and_exposed() -> None:
    emit("gardefou_requests", 1, {"org": "jean dupont", "action": "allow"})
    text = generate_latest(PROMETHEUS_REGISTRY).decode()
    assert "jean dupont" not in text and 'org="autre"' in text


def test_stage_records_a_duration_and_maps_unknown_names() -> None:
    with stage("policy"):
        pass
    with stage("Jean Dupont's stage"):
        pass
    text = generate_latest(PROMETHEUS_REGISTRY).decode()
    assert 'gardefou_stage_duration_seconds_count{stage="policy"}' in text
    assert 'stage="other"' in text and "Jean" not in text


def test_stage_never_swallows_the_request_error() -> None:
    with pytest.raises(KeyError), stage("upstream"):
        raise KeyError("boom")


def test_grafana_dashboards_use_declared_metrics_only() -> None:
    declared = prometheus_names()
    files = sorted((ROOT / "dashboards").glob("*.json"))
    assert files
    for path in files:
        board = json.loads(path.read_text(encoding="utf-8"))
        exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
        exprs += [v.get("query", "") for v in board["templating"]["list"]]
        used = {m for e in exprs for m in re.findall(r"\bgardefou_[a-z0-9_]+", e)}
        assert used and used <= declared, (path.name, used - declared)
        grouped = {g.strip() for e in exprs for by in re.findall(r"by \(([^)]*)\)", e)
                   for g in by.split(",")}
        assert not grouped & {"use", "forbidden", "label"}, (path.name, grouped)
        missing = [s.prometheus for s in INSTRUMENTS.values()
                   if not any(u.startswith(s.prometheus) for u in used)]
        assert not missing, f"{path.name}: no panel for {missing}"


def test_metrics_need_the_token_or_a_local_client() -> None:
    from types import SimpleNamespace

    import pytest as _pytest

    from gateway.api.usage import _may_scrape
    from gateway.errors import AuthError, ForbiddenError

    def request(host: str, auth: str = "") -> SimpleNamespace:
        return SimpleNamespace(client=SimpleNamespace(host=host), headers={"authorization": auth})

    open_ = SimpleNamespace(settings=SimpleNamespace(metrics_token=None))
    _may_scrape(request("127.0.0.1"), open_)  # type: ignore[arg-type]
    with _pytest.raises(ForbiddenError):
        _may_scrape(request("10.1.2.3"), open_)  # type: ignore[arg-type]
    locked = SimpleNamespace(settings=SimpleNamespace(metrics_token="s3cret"))
    _may_scrape(request("10.1.2.3", "Bearer s3cret"), locked)  # type: ignore[arg-type]
    with _pytest.raises(AuthError):
        _may_scrape(request("127.0.0.1", "Bearer nope"), locked)  # type: ignore[arg-type]
