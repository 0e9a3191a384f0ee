"""End to end through real HTTP: openai SDK → gateway (uvicorn) → fake upstream."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from tests.e2e.conftest import Gateway, upstream_state

NOTE = "Bonjour, peux-tu reformuler : la famille est venue ce matin pour le dossier."


def client(gateway: Gateway, key: str = "staff", **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=gateway.base + "/v1", api_key=gateway.keys.get(key, key), max_retries=0, **kwargs
    )


# "echo" is called directly (OpenAI-compatible server), "echo-litellm" through litellm.
BOTH_PATHS = pytest.mark.parametrize("suffix", ["", "-litellm"], ids=["direct", "litellm"])


def key_for(suffix: str) -> str:
    return "staff_litellm" if suffix else "staff"


@BOTH_PATHS
def test_non_streaming_answer_and_usage(gateway: Gateway, suffix: str) -> None:
    reply = client(gateway, key_for(suffix)).chat.completions.create(
        model="echo" + suffix, messages=[{"role": "user", "content": NOTE}]
    )
    assert reply.choices[0].message.content.startswith(NOTE)
    assert reply.model == "echo" + suffix
    assert reply.usage is not None and reply.usage.prompt_tokens > 0
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


@BOTH_PATHS
def test_streaming_with_usage(gateway: Gateway, suffix: str) -> None:
    stream = client(gateway, key_for(suffix)).chat.completions.create(
        model="echo" + suffix,
        messages=[{"role": "user", "content": NOTE}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text.startswith(NOTE)
    assert finish == "stop"
    assert usage is not None and usage.completion_tokens > 0


def test_streaming_without_usage_sends_no_usage_chunk(gateway: Gateway) -> None:
    stream = client(gateway).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": NOTE}], stream=True
    )
    assert all(chunk.usage is None for chunk in stream)


@BOTH_PATHS
def test_upstream_500_is_a_502(gateway: Gateway, suffix: str) -> None:
    with pytest.raises(openai.APIStatusError) as info:
        client(gateway, key_for(suffix)).chat.completions.create(
            model="fail500" + suffix, messages=[{"role": "user", "content": NOTE}]
        )
    assert info.value.status_code == 502
    assert info.value.body["code"] == "upstream_error"


@BOTH_PATHS
def test_upstream_timeout_is_a_504(gateway: Gateway, suffix: str) -> None:
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as info:
        client(gateway, key_for(suffix)).chat.completions.create(
            model="slow" + suffix, messages=[{"role": "user", "content": NOTE}]
        )
    assert info.value.status_code == 504
    assert time.monotonic() - started < 5  # the model's 1 s timeout applied, not the upstream's 5 s


@BOTH_PATHS
def test_upstream_malformed_chunk_ends_stream_with_error(gateway: Gateway, suffix: str) -> None:
    stream = client(gateway, key_for(suffix)).chat.completions.create(
        model="malformed" + suffix, messages=[{"role": "user", "content": NOTE}], stream=True
    )
    with pytest.raises(openai.APIError):
        for _ in stream:
            pass


@BOTH_PATHS
def test_client_disconnect_cancels_upstream(gateway: Gateway, fake_upstream, suffix: str) -> None:
    before = upstream_state(fake_upstream)["endless_cancelled"]
    with httpx.stream(
        "POST",
        gateway.base + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {gateway.keys[key_for(suffix)]}"},
        json={"model": "endless" + suffix, "messages": [{"role": "user", "content": NOTE}], "stream": True},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        for _ in range(3):
            next(lines)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = upstream_state(fake_upstream)
        if state["endless_cancelled"] > before:
            break
        time.sleep(0.1)
    assert state["endless_cancelled"] > before
    assert state["endless_finished"] == 0


@BOTH_PATHS
def test_context_too_long_is_a_422_without_the_provider_text(gateway: Gateway, suffix: str) -> None:
    with pytest.raises(openai.APIStatusError) as info:
        client(gateway, key_for(suffix)).chat.completions.create(
            model="toolong" + suffix, messages=[{"role": "user", "content": NOTE}]
        )
    assert info.value.status_code == 422
    assert "trop longue" in info.value.message
    assert NOTE not in str(info.value.body) and "maximum context" not in str(info.value.body)


def test_unknown_model_is_404(gateway: Gateway) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client(gateway).chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": NOTE}]
        )
    assert info.value.body["code"] == "model_not_found"


@pytest.mark.parametrize("key", ["gf_000000000000_notarealkeynotarealkey", "sk-whatever", ""])
def test_bad_key_is_401(gateway: Gateway, key: str) -> None:
    with pytest.raises(openai.AuthenticationError):
        client(gateway, key=key or "x").chat.completions.create(
            model="echo", messages=[{"role": "user", "content": NOTE}]
        )


def test_cross_org_key_cannot_reach_other_orgs_model(gateway: Gateway) -> None:
    messages = [{"role": "user", "content": NOTE}]
    with pytest.raises(openai.NotFoundError):
        client(gateway, "staff").chat.completions.create(model="only-org-b", messages=messages)
    reply = client(gateway, "staff_b").chat.completions.create(model="only-org-b", messages=messages)
    assert reply.choices[0].message.content
    org_a = {m.id for m in client(gateway, "staff").models.list()}
    org_b = {m.id for m in client(gateway, "staff_b").models.list()}
    assert "only-org-b" not in org_a and "only-org-b" in org_b
    assert "echo" in org_a


def test_payload_too_large_is_413(gateway: Gateway) -> None:
    huge = "a" * 2_100_000
    response = httpx.post(
        gateway.base + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {gateway.keys['staff']}"},
        json={"model": "echo", "messages": [{"role": "user", "content": huge}]},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"model": "echo"}', b'{"model": "echo", "messages": []}', b"[1, 2]",
     b'{"model": "echo", "messages": [{"role": "wizard", "content": "x"}]}'],
)
def test_malformed_body_is_422_without_echoing_values(gateway: Gateway, body: bytes) -> None:
    response = httpx.post(
        gateway.base + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {gateway.keys['staff']}",
                 "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "wizard" not in error["message"]


def test_health_and_readiness(gateway: Gateway) -> None:
    assert httpx.get(gateway.base + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(gateway.base + "/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
