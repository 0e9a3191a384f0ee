"""The one table of upstream failures: what kind of failure, the gateway error it becomes
and its French message. Every transport raises through :func:`failure` or has its own
exceptions mapped by :func:`to_gateway_error`, so a message is written once.

Messages name the gateway's model, never quote the provider's body: a provider may echo the
prompt.
"""

from __future__ import annotations

from enum import StrEnum

from gateway.catalog import ModelSpec
from gateway.errors import GatewayError, InvalidRequest, UpstreamError, UpstreamTimeout


class Failure(StrEnum):
    """What went wrong with a model call."""

    TIMEOUT = "timeout"
    TOO_LONG = "too_long"
    INVALID = "invalid"
    PROVIDER = "provider"
    UNREACHABLE = "unreachable"
    CUT = "cut"
    STREAM_ERROR = "stream_error"
    MALFORMED = "malformed"


# kind → (error class, message); ``{name}`` is the gateway's model name, ``{detail}`` the
# provider's HTTP status when known
_TABLE: dict[Failure, tuple[type[GatewayError], str]] = {
    Failure.TIMEOUT: (UpstreamTimeout, "Le modèle « {name} » n'a pas répondu à temps."),
    Failure.TOO_LONG: (InvalidRequest,
                       "La conversation est trop longue pour le modèle « {name} »."),
    Failure.INVALID: (InvalidRequest,
                      "Le modèle « {name} » a refusé la requête comme invalide."),
    Failure.PROVIDER: (UpstreamError,
                       "Le fournisseur du modèle « {name} » a répondu par une erreur{detail}."),
    Failure.UNREACHABLE: (UpstreamError, "Le modèle « {name} » est injoignable."),
    Failure.CUT: (UpstreamError,
                  "La connexion au modèle « {name} » a été coupée pendant la réponse."),
    Failure.STREAM_ERROR: (UpstreamError, "Le fournisseur du modèle « {name} » a interrompu "
                                          "sa réponse par une erreur."),
    Failure.MALFORMED: (UpstreamError,
                        "Le fournisseur du modèle « {name} » a renvoyé une réponse illisible."),
}

# A provider's HTTP status → failure (the direct path; litellm maps its own statuses into the
# exception classes below). 400/413/422 are INVALID unless the body says TOO_LONG.
HTTP_STATUSES: dict[int, Failure] = {400: Failure.INVALID, 413: Failure.INVALID,
                                     422: Failure.INVALID, 408: Failure.TIMEOUT,
                                     504: Failure.TIMEOUT}
# Statuses worth another attempt on the same model (then the next model of the chain).
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})

# litellm's exception classes by name, most specific first (matched along the exception's
# class hierarchy, so this module needs no litellm import); anything else is PROVIDER.
LITELLM_EXCEPTIONS: dict[str, Failure] = {
    "Timeout": Failure.TIMEOUT,
    "ContextWindowExceededError": Failure.TOO_LONG,
    "BadRequestError": Failure.INVALID,
    "UnprocessableEntityError": Failure.INVALID,
}


def failure(kind: Failure, spec: ModelSpec, status: int | None = None) -> GatewayError:
    """The gateway error for ``kind`` on ``spec``."""
    cls, message = _TABLE[kind]
    detail = f" (HTTP {status})" if status is not None else ""
    text = message.format(name=spec.name, detail=detail)
    if cls is UpstreamError:
        return UpstreamError(text, code="upstream_error")
    return cls(text)


def to_gateway_error(exc: BaseException, spec: ModelSpec) -> GatewayError:
    """Any exception of a model call as a gateway error (no provider text): gateway errors
    pass, timeouts are TIMEOUT, litellm's classes follow :data:`LITELLM_EXCEPTIONS`,
    anything else is the provider's error (with its HTTP status when it carries one)."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, TimeoutError):
        return failure(Failure.TIMEOUT, spec)
    for cls in type(exc).__mro__:
        if cls.__module__.startswith("litellm") and cls.__name__ in LITELLM_EXCEPTIONS:
            return failure(LITELLM_EXCEPTIONS[cls.__name__], spec)
    status = getattr(exc, "status_code", None)
    return failure(Failure.PROVIDER, spec, status if isinstance(status, int) else None)


def falls_back(error: GatewayError) -> bool:
    """Whether the next model of the chain may answer instead (the provider failed or did
    not answer; an invalid request would be invalid there too)."""
    return isinstance(error, UpstreamError | UpstreamTimeout)
