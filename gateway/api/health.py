"""``/healthz`` (the process answers) and ``/readyz`` (it can serve requests).

Ready means a request can be redacted and judged: the redactor is built and a valid policy is
in force. A Redis outage only degrades the gateway (usage events wait in a buffer, quotas fall
back to local counters): it is reported under ``degraded`` but keeps the replica in rotation,
so that staff keep working.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from gateway.api.deps import get_services
from gateway.errors import PolicyUnavailable
from gateway.services import Services

router = APIRouter()


# Both are ``async`` and read only memory: FastAPI runs a plain function in its thread pool,
# and on a busy event loop each hand-off waits its turn twice (a probe waited ~135 ms at
# c=32 where the answer itself takes microseconds).
@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(services: Services = Depends(get_services)) -> Any:
    """Whether a request can be redacted and judged now, and what is degraded."""
    try:
        services.policies.get("-readiness-probe-")
        policies = True
    except PolicyUnavailable:
        policies = False
    checks = {"redactor": services.redactor is not None, "policies": policies}
    degraded = []
    if services.usage is not None and not services.usage.healthy():
        degraded.append("usage_store")
    if services.limits is not None and not services.limits.healthy():
        degraded.append("limits")
    ready = all(checks.values())
    return JSONResponse(
        {"ready": ready, "checks": checks, "degraded": degraded},
        status_code=200 if ready else 503,
    )
