"""``/enquete``: the questionnaire page, its questions, and the answer endpoint.

The page holds no data and sets no cookie. Answering needs the worker's gateway key (so
that only staff answer, once a month): the page keeps it in the tab's ``sessionStorage``
like the dashboard, sends it as ``Authorization: Bearer``, and the server uses it only to
compute the guard digest (:mod:`gateway.survey.store`). Nothing of the request — key id,
IP address, time — is stored with the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.api.deps import get_principal, get_services, services_of
from gateway.errors import InvalidRequest
from gateway.pages import shell, static_file
from gateway.services import Services
from gateway.survey.questions import QUESTIONS, InvalidAnswer, validate
from gateway.types import Principal
from gateway.usage.periods import month_of

router = APIRouter(prefix="/enquete")
_STATIC = frozenset(("enquete.js", "enquete.css"))


class Answer(BaseModel):
    """One answer: option ids per question (closed sets, checked by :func:`validate`)."""

    model_config = {"extra": "forbid"}
    outils: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=10)
    taches: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=10)
    frequence: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=1)
    donnees: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=10)


def survey_store(request: Request) -> Any:
    """The process's survey store, built once from the gateway settings."""
    store = getattr(request.app.state, "survey_store", None)
    if store is None:
        from gateway.survey.store import build_survey_store

        store = build_survey_store(services_of(request).settings)
        request.app.state.survey_store = store
    return store



@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def page() -> Response:
    """The questionnaire page (French; no data, no cookie)."""
    return shell("gateway.survey", "enquete.html")


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    return static_file("gateway.survey", name, _STATIC)


@router.get("/api/questions.json")
def questions() -> dict[str, Any]:
    """The questions and their options (public)."""
    return {"questions": [{"id": q.id, "texte": q.text, "choix_multiple": q.multiple,
                           "options": [{"id": o, "libelle": label} for o, label in q.options]}
                          for q in QUESTIONS]}


@router.post("/api/reponse", status_code=201)
async def answer(
    body: Answer, principal: Annotated[Principal, Depends(get_principal)],
    services: Annotated[Services, Depends(get_services)], request: Request,
) -> Any:
    """Count one answer of the caller for the current month (once per worker and month)."""
    try:
        pairs = validate({k: v for k, v in body.model_dump().items() if v})
    except InvalidAnswer as exc:
        raise InvalidRequest(str(exc)) from None
    from datetime import UTC, datetime

    month = month_of(datetime.now(UTC))
    counted = await survey_store(request).answer(principal.org, month, principal.worker, pairs)
    if not counted:
        return JSONResponse(status_code=409, content={"error": {
            "message": "Vous avez déjà répondu ce mois-ci : merci ! Le questionnaire rouvre "
                       "le mois prochain.", "type": "invalid_request_error",
            "code": "deja_repondu"}})
    return {"message": "Merci : votre réponse est comptée, sans votre identité."}
