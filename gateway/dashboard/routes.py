"""The management dashboard: ``/dashboard`` (HTML shell), its static assets, and the JSON
twins of every chart.

The page itself holds no data: it asks for the manager's key (kept in the tab's
``sessionStorage``, or passed once in the URL fragment, which browsers never send to the
server) and fetches ``/dashboard/api/data.json`` with ``Authorization: Bearer``. Charts are
inline SVG drawn by ``static/dashboard.js``: no CDN, nothing fetched from elsewhere.
Every figure comes from :func:`gateway.usage.report.dashboard`, k-anonymised and for closed
months only (« Les chiffres du mois en cours apparaissent à sa clôture. »); a manager only
sees their own organisation. The demo organisation of ``gardefou serve --demo`` sees a
simulated month instead, labelled as such (:mod:`gateway.dashboard.demo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway.api.deps import get_services, month_period, require_role, usage_store
from gateway.errors import NotFoundError
from gateway.pages import shell, static_file
from gateway.services import Services
from gateway.types import Principal, Role

router = APIRouter(prefix="/dashboard")

_STATIC = frozenset(("dashboard.js", "dashboard.css"))
Manager = Annotated[Principal, Depends(require_role(Role.MANAGER))]



@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def page() -> Response:
    """The HTML shell (no data in it)."""
    return shell("gateway.dashboard", "index.html")


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """The page's script and style, shipped inside the package."""
    return static_file("gateway.dashboard", name, _STATIC)


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


def _policy(services: Services, org: str) -> Any:
    try:
        return services.policies.get(org).policy
    except Exception:  # noqa: BLE001 - no policy store or none in force: generic labels only
        return None


def _publication(k: int) -> dict[str, Any]:
    """When the next month is published, and why not earlier: for a fresh install, whose
    dashboard is otherwise a page of zeros without a clue."""
    from gateway.usage import periods

    month = periods.open_months()[0]
    return {
        "prochain_mois": month,
        "publie_le": periods.closes_at(month).date().isoformat(),
        "explication": (
            "Un mois est publié trois jours après sa fin, une fois clos : ses chiffres ne "
            "bougent plus, si bien qu'on ne peut pas voir arriver la requête d'une personne "
            f"précise. Une valeur n'apparaît que si elle concerne au moins {k} personnes "
            "distinctes (k-anonymat) : une petite équipe, ou un usage rare, reste masqué."
        ),
    }


async def _data(principal: Principal, services: Services, filters: _Filters,
                request: Request) -> dict[str, Any]:
    from gateway.dashboard.demo import shows_simulation, simulated_store
    from gateway.dashboard.labels import dashboard_labels
    from gateway.usage.report import dashboard
    from gateway.usage.suppress import policy_thresholds

    simulated = shows_simulation(services.settings, principal.org)
    if simulated:
        store = await simulated_store(request.app.state, principal.org)
    else:
        store = await usage_store(services)
    period = month_period(filters.start, filters.end)
    team = filters.team
    k, _ = policy_thresholds(services, principal.org)
    data = await dashboard(store, principal.org, period, team, k)
    data["simulation"] = simulated
    data["publication"] = _publication(k)
    data["libelles"] = dashboard_labels(_policy(services, principal.org))
    if team is not None and team not in data["equipes"]:
        # Same answer for an unknown team and a team too small to show.
        raise NotFoundError(
            f"Aucune donnée publiable pour cette équipe sur la période (moins de {k} personnes).",
            code="team_not_available",
        )
    return data


@router.get("/api/data.json")
async def all_charts(
    principal: Manager, services: Annotated[Services, Depends(get_services)], filters: Filters,
    request: Request,
) -> dict[str, Any]:
    """Every chart of the dashboard, k-anonymised (the page renders exactly this)."""
    return await _data(principal, services, filters, request)


@router.get("/api/charts/{chart}.json")
async def one_chart(
    chart: str,
    principal: Manager,
    services: Annotated[Services, Depends(get_services)],
    filters: Filters,
    request: Request,
) -> dict[str, Any]:
    """The JSON twin of one chart."""
    data = await _data(principal, services, filters, request)
    charts = data.pop("graphiques")
    if chart not in charts:
        raise NotFoundError("Graphique inconnu.", code="not_found")
    return {**data, "graphique": chart, **charts[chart]}
