"""The application shell: errors never carry request content to clients or logs."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import ContentSafeErrors, _install_error_handlers

CANARY = "Fatou Diallo 2 88 07 93 066 123 10"


def _failing_app() -> FastAPI:
    app = FastAPI()
    _install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        try:
            raise ValueError(CANARY)
        except ValueError as exc:
            raise KeyError(CANARY) from exc

    return app


async def test_unhandled_errors_are_a_500_that_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    transport = httpx.ASGITransport(app=ContentSafeErrors(_failing_app()), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "Erreur interne de la passerelle."
    assert CANARY not in response.text
    assert "KeyError" in caplog.text
    assert CANARY not in caplog.text


async def test_errors_escaping_fastapi_are_also_contained(caplog: pytest.LogCaptureFixture) -> None:
    async def raw_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError(CANARY)

    caplog.set_level(logging.DEBUG)
    transport = httpx.ASGITransport(app=ContentSafeErrors(raw_app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/")
    assert response.status_code == 500 and CANARY not in response.text
    assert "RuntimeError" in caplog.text and CANARY not in caplog.text
