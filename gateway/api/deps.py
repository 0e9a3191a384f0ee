"""FastAPI dependencies shared by the routers: services and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from gateway.auth import authenticate
from gateway.errors import ForbiddenError
from gateway.services import Services
from gateway.types import Principal, Role


def get_services(request: Request) -> Services:
    """The process's services, built in the app lifespan."""
    services: Services = request.app.state.services
    return services


def get_principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer``; raises AuthError (401)."""
    return authenticate(request.headers.get("authorization"), get_services(request).keys)


def require_role(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency that authenticates and checks the caller has one of ``roles`` (403)."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        principal = get_principal(request)
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise ForbiddenError(f"Cette action est réservée aux rôles : {names}.")
        return principal

    return dependency
