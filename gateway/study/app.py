"""The collector's HTTP app: export intake, the public report, its JSON twins and tables.

    POST /v1/exports                    an organisation's export (Bearer: its push token)
    GET  /rapport                       the public report page (French, no external asset)
    GET  /rapport/api/rapport.json      every chart's data; /rapport/api/graphiques/{id}.json
    GET  /rapport/tables/{name}.csv     published tables (cellules, participation)
    GET  /rapport/codebook              the researchers' codebook
    GET  /healthz

Only published (frozen) months are ever shown; the intake answers with counts, never with
the file's content. Errors: ``{"erreur": {"code", "message"}}`` in French.
"""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gateway.study import members, require_extra
from gateway.study.ingest import ingest
from gateway.study.settings import StudySettings, load_study_settings
from gateway.study.validate import ExportRefused

log = logging.getLogger("gardefou.study")
_STATIC = {"rapport.js": "text/javascript; charset=utf-8",
           "rapport.css": "text/css; charset=utf-8"}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_PAGE_HEADERS = {"Content-Security-Policy": _CSP, "Referrer-Policy": "no-referrer"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"erreur": {"code": code, "message": message}}, status_code=status)


def asset(folder: str, name: str) -> bytes:
    """A file shipped in ``gateway/study/{folder}``."""
    return resources.files("gateway.study").joinpath(folder, name).read_bytes()


def create_study_app(settings: StudySettings | None = None) -> FastAPI:
    """The collector app (needs the ``research`` extra)."""
    require_extra()
    settings = settings or load_study_settings()
    app = FastAPI(title="Garde-fou — collecteur de l'étude", docs_url=None, redoc_url=None)
    app.state.settings = settings
    lock = asyncio.Lock()  # one ingestion at a time: partitions are replaced whole

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__)  # the class only, never text
        return _error(500, "erreur_interne", "Erreur interne du collecteur.")

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"statut": "ok"}

    @app.post("/v1/exports", status_code=201)
    async def push(request: Request) -> Any:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        member = members.authenticate(settings.members_file, token) if token else None
        if member is None:
            return _error(401, "jeton_invalide", "Jeton d'organisation absent ou inconnu.")
        size = int(request.headers.get("content-length") or 0)
        if size > settings.max_upload_bytes:
            return _error(413, "export_trop_long", "Fichier trop volumineux.")
        body = await request.body()
        try:
            async with lock:
                export = await asyncio.to_thread(ingest, settings, body, member)
        except ExportRefused as exc:
            status = 409 if exc.code == "mois_publie" else 422
            return _error(status, exc.code, str(exc))
        return {"organisation": export.org, "mois": list(export.months),
                "lignes": len(export.rows), "seuil_k": export.k}

    from gateway.study import report

    @app.get("/rapport", include_in_schema=False)
    def page() -> Response:
        return Response(asset("templates", "rapport.html"),
                        media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)

    @app.get("/rapport/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in _STATIC:
            return _error(404, "introuvable", "Fichier introuvable.")
        return Response(asset("static", name), media_type=_STATIC[name])

    @app.get("/rapport/api/rapport.json")
    def all_charts() -> dict[str, Any]:
        return report.build(settings.publications_dir)

    @app.get("/rapport/api/graphiques/{chart}.json")
    def one_chart(chart: str) -> Any:
        data = report.build(settings.publications_dir)
        found = next((g for g in data["graphiques"] if g["id"] == chart), None)
        if found is None:
            return _error(404, "introuvable", "Graphique inconnu.")
        return {**{k: v for k, v in data.items() if k != "graphiques"}, **found}

    @app.get("/rapport/tables/{name}.csv")
    def table(name: str) -> Response:
        body = report.table_csv(settings.publications_dir, name)
        if body is None:
            return _error(404, "introuvable", "Table inconnue.")
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="gardefou-etude-{name}.csv"'})

    @app.get("/rapport/codebook", include_in_schema=False)
    def codebook() -> Response:
        return Response(asset("templates", "codebook.html"),
                        media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)

    return app


def create_study_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``."""
    return create_study_app(load_study_settings())
