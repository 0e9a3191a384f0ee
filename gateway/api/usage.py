"""Usage endpoints: ``GET /metrics`` (Prometheus text) and the research export.

``/metrics`` carries organisation-level counters only (no team, no person, no text). It
answers requests bearing ``GARDEFOU_METRICS_TOKEN`` or, when no token is configured, clients
on this machine only; keep it off the public network all the same.
The export is for the ``researcher`` role and covers the caller's organisation only, closed
months only; with ``epsilon`` it publishes noisy distinct counts and charges the
organisation-month's ε budget (refused with a 422 once spent).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway.api.deps import get_services, month_period, require_role, usage_store
from gateway.errors import AuthError, ForbiddenError, InvalidRequest
from gateway.services import Services
from gateway.types import Principal, Role

router = APIRouter()

_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
          "parquet": "application/vnd.apache.parquet"}


def _may_scrape(request: Request, services: Services) -> None:
    token = services.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise AuthError("Jeton de collecte des métriques manquant ou invalide.")
        return
    host = request.client.host if request.client else ""
    if host not in {"127.0.0.1", "::1", "localhost"}:
        raise ForbiddenError(
            "Les métriques ne sont servies qu'en local : configurez GARDEFOU_METRICS_TOKEN "
            "pour les collecter depuis une autre machine."
        )


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> Response:
    """Prometheus exposition of the metrics declared in :mod:`gateway.usage.metrics`."""
    _may_scrape(request, services)
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from gateway.usage.metrics import PROMETHEUS_REGISTRY

    return Response(generate_latest(PROMETHEUS_REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/usage/export")
async def research_export(
    request: Request,
    principal: Annotated[Principal, Depends(require_role(Role.RESEARCHER))],
    services: Annotated[Services, Depends(get_services)],
    start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}$")],
    end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}$")],
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|jsonl|parquet)$")] = "csv",
    epsilon: Annotated[float | None, Query(gt=0, le=10)] = None,
) -> Response:
    """Aggregates of the caller's organisation, closed months ``from``…``to``, k ≥ 11
    (with the questionnaire's ``enquete_*`` rows, except in DP exports)."""
    from gateway.survey.routes import survey_store
    from gateway.usage.dp import BudgetExhausted
    from gateway.usage.export import ExportOptions, metadata, render, research_rows
    from gateway.usage.suppress import policy_thresholds

    store = await usage_store(services)
    period = month_period(start, end)
    _, research_k = policy_thresholds(services, principal.org)
    options = ExportOptions(k=research_k, epsilon=epsilon)
    try:
        rows = await research_rows(store, [principal.org], period, options,
                                   survey=survey_store(request))
        body = render(rows, fmt, metadata(period, options, rows))
    except BudgetExhausted as exc:
        raise InvalidRequest(str(exc), code="dp_budget_exhausted") from exc
    except RuntimeError as exc:  # an optional extra (pyarrow, opendp) is missing
        raise InvalidRequest(str(exc)) from exc
    filename = f"gardefou-{principal.org}-{period.first}-{period.last}.{fmt}"
    return Response(body, media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
