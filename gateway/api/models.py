"""``GET /v1/models``: only the models the caller's org and role may use."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from gateway.api.deps import get_principal, get_services
from gateway.policy import allowed_models
from gateway.services import Services
from gateway.types import Principal

router = APIRouter()


@router.get("/v1/models")
def list_models(
    principal: Principal = Depends(get_principal),
    services: Services = Depends(get_services),
) -> dict[str, Any]:
    policy = services.policies.get(principal.org)
    names = allowed_models(policy, principal.role, services.catalog)
    data = []
    for name in names:
        spec = services.catalog.get(name)
        if spec is None or not spec.visible_to(principal.org):
            continue
        data.append(
            {
                "id": spec.name,
                "object": "model",
                "created": 0,
                "owned_by": "gardefou",
                "hosting": spec.hosting.value,
                "certifications": list(spec.certifications),
                "retention": spec.retention.value,
            }
        )
    return {"object": "list", "data": data}
