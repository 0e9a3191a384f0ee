"""The gateway's exception tree. Each error knows its HTTP status and OpenAI error type;
one handler in :mod:`gateway.app` renders them all in the OpenAI error shape.

::

    GatewayError                      500 server_error
    ├── ConfigError                   (startup only: bad settings, models or policy files)
    ├── AuthError                     401 invalid_request_error / invalid_api_key
    ├── ForbiddenError                403 permission_error (role or org may not do this)
    │   └── PolicyBlocked             403 policy_violation (a forbidden decision, a routing rule)
    ├── NotFoundError                 404 invalid_request_error / model_not_found
    ├── PayloadTooLarge               413 invalid_request_error
    ├── InvalidRequest                422 invalid_request_error
    ├── LimitExceeded                 429 rate_limit_exceeded
    ├── RedactionFailed               503 redaction_failed  (fail closed: nothing was sent)
    ├── PolicyUnavailable             503 policy_unavailable (fail closed: nothing was sent)
    ├── KeysUnavailable               503 keys_unavailable (shared key store unreachable)
    ├── AnalysisBusy                  503 analysis_busy (analysis queue full; Retry-After)
    ├── UpstreamError                 502 upstream_error
    └── UpstreamTimeout               504 upstream_timeout

Messages never contain prompt or answer content: they are shown to users and may be logged.
"""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    status: int = 500
    type: str = "server_error"
    code: str | None = None

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra

    def to_body(self) -> dict[str, Any]:
        """The OpenAI error envelope: ``{"error": {"message", "type", "param", "code"}}``."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": None,
            "code": self.code,
        }
        error.update(self.extra)
        return {"error": error}


class ConfigError(GatewayError):
    code = "config_error"


class AuthError(GatewayError):
    status = 401
    type = "invalid_request_error"
    code = "invalid_api_key"


class ForbiddenError(GatewayError):
    status = 403
    type = "permission_error"
    code = "forbidden"


class PolicyBlocked(ForbiddenError):
    type = "policy_violation"
    code = "policy_blocked"


class NotFoundError(GatewayError):
    status = 404
    type = "invalid_request_error"
    code = "model_not_found"


class PayloadTooLarge(GatewayError):
    status = 413
    type = "invalid_request_error"
    code = "payload_too_large"


class InvalidRequest(GatewayError):
    status = 422
    type = "invalid_request_error"
    code = "invalid_request"


class LimitExceeded(GatewayError):
    status = 429
    type = "rate_limit_exceeded"
    code = "rate_limit_exceeded"


class RedactionFailed(GatewayError):
    status = 503
    type = "server_error"
    code = "redaction_failed"


class PolicyUnavailable(GatewayError):
    status = 503
    type = "server_error"
    code = "policy_unavailable"


class KeysUnavailable(GatewayError):
    status = 503
    type = "server_error"
    code = "keys_unavailable"


class AnalysisBusy(GatewayError):
    """Every analysis worker is busy and the queue is full: refused at once, nothing
    analysed or sent; the client may retry after ``retry_after`` seconds."""

    status = 503
    type = "server_error"
    code = "analysis_busy"


class UpstreamError(GatewayError):
    status = 502
    type = "upstream_error"
    code = "upstream_error"


class UpstreamTimeout(GatewayError):
    status = 504
    type = "upstream_error"
    code = "upstream_timeout"
