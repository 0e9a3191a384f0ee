"""The management dashboard: ``/dashboard`` (HTML shell), its static assets, and the JSON
twins of every chart.

The page itself holds no data: it asks for the manager's key (kept in the tab's
``sessionStorage``, or passed once in the URL fragment, which browsers never send to the
server) and fetches ``/dashboard/api/data.json`` with ``Authorization: Bearer``. Charts are
inline SVG drawn by ``static/dashboard.js``: no CDN, nothing fetched from elsewhere.
Every figure comes from :func:`gateway.usage.report.dashboard`, k-anonymised and for closed
months only (« Les chiffres du mois en cours apparaissent à sa clôture. »); a manager only
sees their own organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from gateway.api.deps import get_services, month_period, require_role, usage_store
from gateway.errors import NotFoundError
from gateway.services import Services
from gateway.types import Principal, Role

router = APIRouter(prefix="/dashboard")

_STATIC = {"dashboard.js": "text/javascript; charset=utf-8",
           "dashboard.css": "text/css; charset=utf-8"}
# Strict CSP: the page may only load its own script and style, and fetch its own API.
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
Manager = Annotated[Principal, Depends(require_role(Role.MANAGER))]


def _asset(folder: str, name: str) -> bytes:
    return resources.files("gateway.dashboard").joinpath(folder, name).read_bytes()


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def page() -> Response:
    """The HTML shell (no data in it)."""
    return Response(_asset("templates", "index.html"), media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-store",
                             "Referrer-Policy": "no-referrer"})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """The page's script and style, shipped inside the package."""
    if name not in _STATIC:
        raise NotFoundError("Fichier introuvable.", code="not_found")
    return Response(_asset("static", name), media_type=_STATIC[name])


@dataclass(frozen=True, slots=True)
class _Filters:
    """The dashboard's query: months ``from``…``to`` and an optional team."""

    start: str | None
    end: str | None
    team: str | None


def _filters(
    start: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}$")] = None,
    end: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}$")] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
) -> _Filters:
    return _Filters(start, end, team or None)


Filters = Annotated[_Filters, Depends(_filters)]


async def _data(principal: Principal, services: Services, filters: _Filters) -> dict[str, Any]:
    from gateway.usage.report import dashboard
    from gateway.usage.suppress import policy_thresholds

    store = usage_store(services)
    period = month_period(filters.start, filters.end)
    team = filters.team
    k, _ = policy_thresholds(services, principal.org)
    data = await dashboard(store, principal.org, period, team, k)
    if team is not None and team not in data["equipes"]:
        # Same answer for an unknown team and a team too small to show.
        raise NotFoundError(
            f"Aucune donnée publiable pour cette équipe sur la période (moins de {k} personnes).",
            code="team_not_available",
        )
    return data


@router.get("/api/data.json")
async def all_charts(
    principal: Manager, services: Annotated[Services, Depends(get_services)], filters: Filters
) -> dict[str, Any]:
    """Every chart of the dashboard, k-anonymised (the page renders exactly this)."""
    return await _data(principal, services, filters)


@router.get("/api/charts/{chart}.json")
async def one_chart(
    chart: str,
    principal: Manager,
    services: Annotated[Services, Depends(get_services)],
    filters: Filters,
) -> dict[str, Any]:
    """The JSON twin of one chart."""
    data = await _data(principal, services, filters)
    charts = data.pop("graphiques")
    if chart not in charts:
        raise NotFoundError("Graphique inconnu.", code="not_found")
    return {**data, "graphique": chart, **charts[chart]}
