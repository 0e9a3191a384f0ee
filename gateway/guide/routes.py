"""``/guide`` (the staff AI-literacy guide), its aggregated view counts for managers, and
``/opposition`` (a worker's objection to the research export, authenticated by their key).

The guide has no script and loads nothing from elsewhere. A view is counted for the
organisation named in ``?org=`` (the link in refusals carries it) when that organisation
has a policy: per organisation and month, never per person, and not authenticated (the
page must open from a plain link), so the count is indicative evidence. Managers read it at
``/guide/vues.json`` under the dashboard's rules: closed months only, a month shown only
when its count reaches the organisation's k."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway.api.deps import require_role, services_of
from gateway.auth import authenticate
from gateway.errors import InvalidRequest
from gateway.services import Services
from gateway.types import Principal, Role

router = APIRouter()
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'")
_HEADERS = {"Content-Security-Policy": _CSP, "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store"}
Manager = Annotated[Principal, Depends(require_role(Role.MANAGER))]


def _page(name: str) -> str:
    return resources.files("gateway.guide").joinpath(name).read_text(encoding="utf-8")


@router.get("/guide", include_in_schema=False)
async def guide(request: Request,
                org: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    """The guide; counts one view for ``org`` if it is an organisation with a policy."""
    services: Services = services_of(request)
    if org and services.staff is not None and org in services.policies.all():
        from gateway.usage.periods import month_of

        try:
            await services.staff.count_guide_view(org, month_of(datetime.now(UTC)))
        except Exception:  # noqa: BLE001, S110 - a counter never prevents reading the guide
            pass
    return Response(_page("guide.html"), media_type="text/html; charset=utf-8",
                    headers=_HEADERS)


@router.get("/guide/vues.json")
async def guide_views(principal: Manager, request: Request) -> dict[str, Any]:
    """Guide views of the manager's organisation per closed month (below k: suppressed)."""
    from gateway.usage.periods import is_closed
    from gateway.usage.suppress import effective_k

    services: Services = services_of(request)
    k = effective_k(services.policies.get(principal.org).policy.usage.k_anonymity)
    counts = await services.staff.guide_views(principal.org) if services.staff else {}
    months = [{"mois": month, "vues": n if n >= k else None}
              for month, n in counts.items() if is_closed(month)]
    return {"organisation": principal.org, "k": k, "mois": months,
            "note": f"Mois clos seulement ; un mois de moins de {k} consultations n'est pas "
                    "affiché. Compté par organisation, jamais par personne."}


@router.get("/opposition", include_in_schema=False)
def opposition_page() -> Response:
    """The self-service form."""
    return Response(_page("opposition.html").replace("<!--RESULT-->", ""),
                    media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.post("/opposition", include_in_schema=False)
async def opposition(request: Request) -> Response:
    """Record the caller's objection. The key comes from ``Authorization: Bearer`` or the
    form's ``cle`` field; only a keyed hash of the worker is stored."""
    header = request.headers.get("authorization")
    if not header:
        body = (await request.body())[:4096].decode("utf-8", "replace")
        key = (parse_qs(body).get("cle") or [""])[0].strip()
        header = f"Bearer {key}" if key else None
    services: Services = services_of(request)
    principal = authenticate(header, services.keys)
    if services.staff is None:
        raise InvalidRequest("Aucun stockage n'est configuré pour les oppositions.")
    await services.staff.opt_out(principal)
    done = ('<p class="result" id="resultat">C\'est enregistré : vos demandes suivantes '
            "seront exclues de tous les exports de recherche.</p>")
    if "application/json" in request.headers.get("accept", ""):
        return Response('{"opposition": true}', media_type="application/json")
    return Response(_page("opposition.html").replace("<!--RESULT-->", done),
                    media_type="text/html; charset=utf-8", headers=_HEADERS)
