"""Graded answers and client tasks over real HTTP (openai SDK → gateway → fake upstream):
the reminder is inside the answer on both paths, recorded as the ``remind`` action; a
front-end's task prompt is answered without notice."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.e2e.conftest import Gateway

# names the decision for a real case without handing it to the model: the middle band
MIDDLE = "Pour <PERSONNE_1>, l'aide financière du CCAS, on en parle quand ?"
TITLE_TASK = (Path(__file__).resolve().parents[1] / "fixtures" / "client_tasks"
              / "openwebui_title.txt").read_text(encoding="utf-8")


def _client(gateway: Gateway, **kwargs: object) -> openai.OpenAI:
    # org-b's key: these tests stay off the per-key quota the other e2e tests share
    return openai.OpenAI(base_url=gateway.base + "/v1", api_key=gateway.keys["staff_b"],
                         max_retries=0, **kwargs)


def test_reminder_inside_a_non_streamed_answer(gateway: Gateway) -> None:
    raw = _client(gateway).chat.completions.with_raw_response.create(
        model="echo", messages=[{"role": "user", "content": MIDDLE}])
    assert raw.headers["x-gardefou-action"] == "remind"
    text = raw.parse().choices[0].message.content
    assert "Rappel : cette décision reste celle des professionnels" in text


def test_reminder_inside_a_streamed_answer(gateway: Gateway) -> None:
    stream = _client(gateway).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": MIDDLE}], stream=True)
    text = "".join(choice.delta.content or "" for chunk in stream for choice in chunk.choices)
    assert "Rappel : cette décision reste celle des professionnels" in text


@pytest.mark.parametrize("header", [None, "title_generation"])
def test_client_task_is_answered_without_notice(gateway: Gateway, header: str | None) -> None:
    headers = {"X-Gardefou-Client-Task": header} if header else {}
    raw = _client(gateway, default_headers=headers).chat.completions.with_raw_response.create(
        model="echo", messages=[{"role": "user", "content": TITLE_TASK}])
    assert raw.headers["x-gardefou-action"] == "allow"
    text = raw.parse().choices[0].message.content
    assert "IA" not in text.splitlines()[-1]  # no notice appended to the task's answer
