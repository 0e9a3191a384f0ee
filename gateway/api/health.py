"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: policies loaded,
redactor built, shared stores reachable)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from gateway.api.deps import get_services
from gateway.services import Services

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: Services = Depends(get_services)) -> Any:
    checks: dict[str, bool] = {
        "redactor": services.redactor is not None,
        "policies": bool(services.policies.orgs()) if hasattr(services.policies, "orgs") else True,
    }
    if services.usage is not None:
        checks["usage_store"] = services.usage.healthy()
    if services.limits is not None:
        checks["limits"] = services.limits.healthy()
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
