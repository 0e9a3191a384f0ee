"""``create_app(settings)``: builds the services in the lifespan and mounts the routers.

One exception handler renders every :class:`~gateway.errors.GatewayError` in the OpenAI
error shape; anything unexpected becomes a 500 whose message says nothing of the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import FileKeyStore, KeyStore, RedisKeyStore
from gateway.catalog import load_catalog
from gateway.errors import GatewayError, InvalidRequest
from gateway.services import Services
from gateway.settings import Settings, load_settings

if TYPE_CHECKING:
    from gateway.catalog import Catalog, ModelSpec
    from gateway.limits import Limiter
    from gateway.pipeline import Pipeline
    from gateway.policy import PolicyStore
    from gateway.redaction import Redactor
    from gateway.staffstore import StaffStore
    from gateway.upstream import Upstream
    from gateway.usage import UsageRecorder
    from gateway.redis_client import CircuitBreaker

log = logging.getLogger("gardefou")


def build_keys(settings: Settings, breaker: CircuitBreaker | None = None) -> KeyStore:
    """Hashed keys in Redis when configured (shared by replicas), else in the keys file."""
    if settings.redis_url:
        return RedisKeyStore(settings.redis_url, breaker=breaker)
    return FileKeyStore(settings.keys_path)


def build_services(settings: Settings, redactor: Redactor | None = None) -> Services:
    """Everything a request needs, built once (spaCy, litellm and policies load here).
    ``redactor``: one already built (tests share one: spaCy takes seconds to load)."""
    from gateway.directory import Directory
    from gateway.frontend import SigningKeys
    from gateway.limits import build_limiter
    from gateway.sso import OidcClient
    from gateway.plugins import plugin_manager
    from gateway.policy import PolicyStore
    from gateway.redaction import build_redactor, memory_cache, redis_cache
    from gateway.staffstore import build_staff_store
    from gateway.textfold import combining_marks
    from gateway.upstream import Upstream
    from gateway.usage import build_usage, policy_retention, setup_telemetry

    setup_telemetry(settings)
    combining_marks()  # built now rather than during the first request
    plugins = plugin_manager(settings.plugins)
    catalog = load_catalog(settings.models_file)
    from gateway.redis_client import CircuitBreaker

    # One breaker for every Redis client: a hung Redis costs one short timeout, then every
    # client degrades at once as if Redis were absent.
    breaker = CircuitBreaker()
    cache = redis_cache(settings.redis_url, breaker=breaker) if settings.redis_url else memory_cache()
    policies = PolicyStore(settings.policies_dir)
    redactor = redactor or build_redactor(cache=cache, plugins=plugins)
    upstream = Upstream(catalog)
    usage = build_usage(settings, retention=policy_retention(policies), breaker=breaker)
    limits = build_limiter(settings.redis_url, settings.timezone, breaker)
    staff = build_staff_store(settings.state_dir, settings.redis_url)
    return Services(
        settings=settings,
        catalog=catalog,
        keys=build_keys(settings, breaker),
        policies=policies,
        redactor=redactor,
        upstream=upstream,
        usage=usage,
        limits=limits,
        staff=staff,
        directory=Directory(settings.directory_file),
        signing_keys=SigningKeys(),
        sso=OidcClient(settings) if settings.sso_issuer else None,
        pipeline=build_pipeline(settings, catalog, policies, redactor, upstream, usage,
                                limits, staff),
        plugins=plugins,
    )


def build_pipeline(
    settings: Settings, catalog: Catalog, policies: PolicyStore, redactor: Redactor,
    upstream: Upstream, usage: UsageRecorder | None = None, limits: Limiter | None = None,
    staff: StaffStore | None = None,
) -> Pipeline:
    """The chat stages' parts, each handed only what it uses."""
    from gateway.accounting import Accounting
    from gateway.pipeline import Pipeline

    def price(spec: ModelSpec, prompt_tokens: int, completion_tokens: int) -> float:
        return upstream.cost_eur(spec, prompt_tokens, completion_tokens, settings.usd_to_eur)

    return Pipeline(catalog=catalog, policies=policies, redactor=redactor, upstream=upstream,
                    accounting=Accounting(price=price, limits=limits, usage=usage,
                                          staff=staff),
                    limits=limits)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The ASGI application. ``services`` may be given by tests that build their own."""
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = services or build_services(settings)
        app.state.services = built
        started_here = built.analysis is None and settings.analysis_processes > 0
        if started_here:
            from gateway.workers.offload import start_analysis

            # Forked now that the models are loaded: the workers share them copy-on-write.
            built.analysis = start_analysis(built.redactor, settings.analysis_processes,
                                            settings.analysis_queue, settings.analysis_timeout_s)
        if built.pipeline is not None and built.pipeline.analysis is not built.analysis:
            built.pipeline = dataclasses.replace(built.pipeline, analysis=built.analysis)
        watcher = asyncio.create_task(built.policies.watch(settings.policy_reload_s))
        try:
            yield
        finally:
            if started_here and built.analysis is not None:
                await built.analysis.close()
                built.analysis = None
                if built.pipeline is not None:
                    built.pipeline = dataclasses.replace(built.pipeline, analysis=None)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            if built.usage is not None:
                await built.usage.aclose()
            survey = getattr(app.state, "survey_store", None)
            if survey is not None:
                await survey.aclose()
            await built.upstream.aclose()
            from gateway.usage import flush_telemetry

            await asyncio.to_thread(flush_telemetry)

    app = FastAPI(
        title="Garde-fou",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _install_error_handlers(app)
    _mount_routers(app)
    return app


def create_app_from_env() -> ContentSafeErrors:
    """Factory for ``uvicorn --factory`` (several worker processes read the environment)."""
    return ContentSafeErrors(create_app(load_settings()))


class ContentSafeErrors:
    """The outermost layer: no exception leaves the application. Starlette re-raises after
    its 500 handler and uvicorn would then log the traceback — whose messages and chained
    causes may quote a prompt. Here only the exception's class is logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - the whole point of this layer
            log.error("unhandled error: %s", type(exc).__name__)
            if scope["type"] == "http" and not started:
                body = json.dumps(GatewayError("Erreur interne de la passerelle.").to_body())
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body.encode()})


def _mount_routers(app: FastAPI) -> None:
    from gateway import sso
    from gateway.api import admin, chat, health, models, usage
    from gateway.dashboard import routes as dashboard
    from gateway.guide import routes as guide

    from gateway.survey import routes as survey

    for module in (health, chat, models, admin, usage, dashboard, guide, sso, survey):
        app.include_router(module.router)


# Framework errors (no route, wrong method, unreadable request…) in the OpenAI shape, with a
# fixed message per status: Starlette's ``detail`` is never passed on.
_FRAMEWORK_MESSAGES = {
    400: ("Requête illisible.", "invalid_request"),
    401: ("Authentification requise.", "invalid_api_key"),
    403: ("Accès refusé.", "forbidden"),
    404: ("Ressource introuvable.", "not_found"),
    405: ("Méthode non autorisée pour cette ressource.", "method_not_allowed"),
    413: ("Requête trop volumineuse.", "payload_too_large"),
    415: ("Type de contenu non accepté.", "unsupported_media_type"),
    422: ("Requête invalide.", "invalid_request"),
}


def framework_error(status: int) -> GatewayError:
    """The gateway error standing for a framework-raised HTTP status."""
    message, code = _FRAMEWORK_MESSAGES.get(status, ("Erreur de la requête.", "http_error"))
    error = GatewayError(message, code=code)
    error.status = status
    error.type = "server_error" if status >= 500 else "invalid_request_error"
    return error


def validation_fields(errors: list[dict[str, object]]) -> str:
    """The fields of a FastAPI validation error by schema name. A key the client added (an
    ``extra_forbidden`` error) shows as ``*``: the message must not quote client input."""
    fields = set()
    for error in errors:
        loc = list(error.get("loc") or ())  # type: ignore[call-overload]
        if error.get("type") == "extra_forbidden" and loc:
            loc[-1] = "*"
        fields.add(".".join(str(p) for p in loc))
    return ", ".join(sorted(fields)[:10])


def _install_error_handlers(app: FastAPI) -> None:
    """One OpenAI-shaped error body for every status, framework errors included."""

    @app.exception_handler(GatewayError)
    async def gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        retry = exc.extra.get("retry_after")
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return JSONResponse(exc.to_body(), status_code=exc.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = framework_error(exc.status_code)
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
        return JSONResponse(error.to_body(), status_code=exc.status_code, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(list(exc.errors()))
        error = InvalidRequest(f"Requête invalide, champs en cause : {fields}.")
        return JSONResponse(error.to_body(), status_code=error.status)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # The class name only: an exception's text may quote the request.
        log.error("unexpected error: %s", type(exc).__name__)
        error = GatewayError("Erreur interne de la passerelle.")
        return JSONResponse(error.to_body(), status_code=500)
