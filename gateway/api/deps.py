"""FastAPI dependencies shared by the routers: services and the authenticated caller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request

from gateway.auth import KeyRecord, authenticate_record
from gateway.errors import ForbiddenError, InvalidRequest
from gateway.services import Services
from gateway.types import Principal, Role


def services_of(request: Request) -> Services:
    """The process's services, built in the app lifespan."""
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    """:func:`services_of` as a dependency (``async``: FastAPI runs a plain function in its
    thread pool, a thread hand-off per request for an attribute read)."""
    return services_of(request)


if TYPE_CHECKING:
    from gateway.usage.report import Period


async def usage_store(services: Services) -> Any:
    """The usage store behind the dashboard and the research export (422 when there is
    none), once this process's submitted events are written (the recorder writes behind)."""
    if services.usage is None:
        raise InvalidRequest("Aucun stockage d'usage n'est configuré.")
    await services.usage.write_pending()
    return services.usage.store


def month_period(start: str | None, end: str | None) -> Period:
    """The months ``start``…``end`` (``YYYY-MM``; defaults per :meth:`Period.parse`)."""
    from gateway.usage.report import Period

    try:
        return Period.parse(start, end)
    except ValueError as exc:
        raise InvalidRequest("Période invalide : le premier mois doit précéder le dernier.") from exc


def principal_of(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer``; raises AuthError (401). Behind a front-end
    key, the user that front-end vouches for (:func:`gateway.frontend.identify`). May wait on
    the network (a Redis key store, a provider's signing keys)."""
    services = services_of(request)
    record = authenticate_record(request.headers.get("authorization"), services.keys)
    return _identified(request, services, record)


def _identified(request: Request, services: Services, record: KeyRecord) -> Principal:
    from gateway.frontend import FrontendConfig, SigningKeys, identify

    config = FrontendConfig.from_json(record.frontend) if record.frontend else None
    return identify(record.principal(), config, request.headers, services.directory,
                    services.signing_keys or SigningKeys())


async def get_principal(request: Request) -> Principal:
    """:func:`principal_of` as a dependency. A key of the embedded store that is no
    front-end's is checked on the event loop (a hash and a look-up in memory or in a small
    file, nothing that waits on the network): on a busy server the thread hand-off cost
    more than the check (``bench/README.md``). Anything else runs in a thread."""
    services = services_of(request)
    if services.keys.local:
        record = authenticate_record(request.headers.get("authorization"), services.keys)
        if not record.frontend:
            return _identified(request, services, record)
        return await asyncio.to_thread(_identified, request, services, record)
    return await asyncio.to_thread(principal_of, request)


def require_role(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency that authenticates and checks the caller has one of ``roles`` (403).
    Front-end keys only chat: their users sign in (OIDC) for the dashboard and admin pages.
    Without an API key, a signed-in session (:mod:`gateway.sso`) is accepted."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        if "authorization" not in request.headers:
            signed_in = _session_principal(request, allowed)
            if signed_in is not None:
                return signed_in
        principal = principal_of(request)
        if principal.frontend:
            raise ForbiddenError("Une clé de front-end ne donne accès qu'aux conversations.")
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise ForbiddenError(f"Cette action est réservée aux rôles : {names}.")
        return principal

    return dependency


def _session_principal(request: Request, allowed: frozenset[Role]) -> Principal | None:
    """The signed-in caller, if any; 403 when their roles do not open this page or when a
    state-changing request does not come from our own pages."""
    from gateway.sso import session_from, same_origin

    settings = services_of(request).settings
    session = session_from(request, settings)
    if session is None:
        return None
    if request.method not in ("GET", "HEAD") and not same_origin(request, settings):
        raise ForbiddenError("Requête refusée : elle ne vient pas des pages de Garde-fou.")
    principal = session.principal(allowed)
    if principal is None:
        names = ", ".join(sorted(r.value for r in allowed))
        raise ForbiddenError(f"Cette page est réservée aux rôles : {names}.")
    return principal
