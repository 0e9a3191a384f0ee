"""Start-up never touches the network (a self-hosted gateway may have none)."""

from __future__ import annotations

import socket

import pytest

from gateway.redaction import RedactionSettings, build_redactor, redact_conversation


def test_build_and_redact_with_the_network_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    redactor = build_redactor()
    red = redact_conversation(
        [{"role": "user", "content": "Écrire à fatou.diallo@gmail.com pour Mme Diallo."}],
        redactor,
        RedactionSettings(),
    )
    assert red.messages[0]["content"] == "Écrire à <EMAIL_1> pour Mme <PERSONNE_1>."
