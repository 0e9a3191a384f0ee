"""Admin-only policy API: ``GET /admin/policies`` and ``POST /admin/policies/{org}/explain``.

An admin sees and explains only its own organisation's policy (403 otherwise). Explain
redacts the prompt with the org's settings before anything else and returns only the
redacted text and counts; nothing of the prompt is logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.deps import get_services, require_role
from gateway.errors import ForbiddenError, NotFoundError
from gateway.policy.explain import explain
from gateway.policy.floor import FLOOR
from gateway.services import Services
from gateway.types import Principal, Role

router = APIRouter(prefix="/admin", tags=["admin"])
# One dependency object, so tests and the app can override it by identity.
require_admin = require_role(Role.ADMIN)


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=20_000)
    role: Role = Role.STAFF
    model: str | None = None


def _own_org(principal: Principal, org: str) -> None:
    if principal.org != org:
        raise ForbiddenError("Un administrateur ne voit que la politique de son organisation.")


@router.get("/policies")
def list_policies(
    principal: Principal = Depends(require_admin),
    services: Services = Depends(get_services),
) -> dict[str, Any]:
    """The policy in force for the caller's org, its revision history and the floor."""
    store = services.policies
    loaded = store.get(principal.org)
    pol = loaded.policy
    owner = pol.organisation.id if loaded.path == store.default_path else principal.org
    history = [
        {"revision": r.revision, "at": r.at.isoformat(), "file": r.path.rsplit("/", 1)[-1]}
        for r in store.audit
        if r.org == owner
    ]
    return {
        "object": "list",
        "data": [{
            "org": principal.org,
            "file": loaded.path.name,
            "is_default": loaded.path == store.default_path,
            "revision": loaded.revision,
            "classifier": pol.classifier.mode,
            "uses": [{"id": u.id, "label": u.label, "action": u.action} for u in pol.uses],
            "forbidden": [{"id": f.id, "label": f.label, "floor": list(f.floor)}
                          for f in pol.forbidden],
            "floor": [{"id": r.id, "label": r.label} for r in FLOOR],
            "roles": {role.value: list(entry.models) for role, entry in pol.roles.items()},
            "routing": [r.model_dump(mode="json") for r in pol.routing],
            "history": history,
        }],
    }


@router.post("/policies/{org}/explain")
async def explain_prompt(
    org: str,
    body: ExplainRequest,
    principal: Principal = Depends(require_admin),
    services: Services = Depends(get_services),
) -> dict[str, Any]:
    """How a prompt would be handled under ``org``'s policy (redacted first)."""
    _own_org(principal, org)
    # Only the models this organisation sees: others are neither listed nor accepted.
    catalog = services.catalog.for_org(principal.org)
    if not catalog.models or (body.model is not None and catalog.get(body.model) is None):
        # never quotes the name sent
        raise NotFoundError("Ce modèle n'existe pas ou ne vous est pas ouvert.")
    return await explain(services.policies.get(org), body.prompt, catalog,
                         redactor=services.redactor, role=body.role, model=body.model)
