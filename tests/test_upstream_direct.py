"""The direct path to OpenAI-compatible servers, over real HTTP to the fake upstream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.upstream import direct as upstream_direct
from gateway.catalog import Catalog, Hosting, ModelSpec
from gateway.errors import InvalidRequest, UpstreamError, UpstreamTimeout
from gateway.upstream import Upstream
from gateway.upstream.direct import DirectTransport
from gateway.upstream.litellm import LitellmTransport
from tests.conftest import Server, free_port
from tests.e2e.conftest import upstream_requests, upstream_state

MESSAGES = [{"role": "user", "content": "Bonjour <PERSONNE_1>, voici la note."}]


@pytest.fixture
async def transport() -> AsyncIterator[DirectTransport]:
    direct = DirectTransport()
    yield direct
    await direct.aclose()


def spec(upstream: Server | None, model: str, **extra: Any) -> ModelSpec:
    base = upstream.base + "/v1" if upstream else f"http://127.0.0.1:{free_port()}/v1"
    return ModelSpec(name=f"gw-{model}", litellm_model=f"openai/{model}", api_base=base,
                     hosting=Hosting.SELF_HOSTED, **extra)


def test_only_openai_compatible_routes_with_a_base_go_direct() -> None:
    assert upstream_direct.serves(spec(None, "echo"))
    assert not upstream_direct.serves(spec(None, "echo", transport="litellm"))
    assert not upstream_direct.serves(
        ModelSpec(name="m", litellm_model="mistral/mistral-small-latest", hosting=Hosting.EU))
    assert not upstream_direct.serves(
        ModelSpec(name="m", litellm_model="openai/gpt-4o-mini", hosting=Hosting.NON_EU))


async def test_complete_posts_the_body_as_given(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    body = await transport.complete(spec(fake_upstream, "echo"), MESSAGES,
                                    {"temperature": 0.2})
    assert body["choices"][0]["message"]["content"] == MESSAGES[0]["content"]
    sent = upstream_requests(fake_upstream)[-1]
    assert sent["model"] == "echo"  # the provider's name, without the route prefix
    assert sent["messages"] == MESSAGES and sent["temperature"] == 0.2
    assert "stream" not in sent


async def test_stream_yields_every_chunk_then_stops_at_done(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    chunks = await transport.open_stream(
        spec(fake_upstream, "echo"), MESSAGES, {"stream_options": {"include_usage": True}})
    got = [c async for c in chunks]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in got if c["choices"])
    assert text == MESSAGES[0]["content"]
    assert got[-1]["usage"]["prompt_tokens"] > 0
    assert upstream_requests(fake_upstream)[-1]["stream"] is True


async def test_transient_errors_are_retried_then_reported(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    before = len(upstream_requests(fake_upstream))
    with pytest.raises(UpstreamError) as caught:
        await transport.complete(spec(fake_upstream, "fail500", max_retries=1), MESSAGES, {})
    assert "HTTP 500" in caught.value.message
    assert len(upstream_requests(fake_upstream)) - before == 2  # one try + one retry


async def test_invalid_request_is_not_retried_and_the_body_is_never_quoted(
    fake_upstream: Server, transport: DirectTransport,
) -> None:
    before = len(upstream_requests(fake_upstream))
    with pytest.raises(InvalidRequest) as caught:
        await transport.complete(spec(fake_upstream, "toolong", max_retries=2), MESSAGES, {})
    with pytest.raises(InvalidRequest):
        await transport.open_stream(spec(fake_upstream, "toolong"), MESSAGES, {})
    assert "trop longue" in caught.value.message
    assert "PERSONNE" not in caught.value.message
    assert len(upstream_requests(fake_upstream)) - before == 2  # no retries on a 400


async def test_timeout_and_unreachable_server(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    with pytest.raises(UpstreamTimeout):
        await transport.complete(spec(fake_upstream, "slow", timeout_s=0.5), MESSAGES, {})
    with pytest.raises(UpstreamError, match="injoignable"):
        await transport.complete(spec(None, "echo"), MESSAGES, {})
    with pytest.raises(UpstreamError, match="injoignable"):
        await transport.open_stream(spec(None, "echo"), MESSAGES, {})


async def test_malformed_stream_ends_with_an_error_after_the_good_chunks(
    fake_upstream: Server, transport: DirectTransport,
) -> None:
    got: list[dict[str, Any]] = []
    chunks = await transport.open_stream(spec(fake_upstream, "malformed"), MESSAGES, {})
    with pytest.raises(UpstreamError, match="illisible"):
        async for chunk in chunks:
            got.append(chunk)
    assert [c["choices"][0]["delta"].get("content") for c in got] == ["", "Début"]


async def test_closing_the_stream_closes_the_provider_connection(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    cancelled = upstream_state(fake_upstream)["endless_cancelled"]
    chunks = await transport.open_stream(spec(fake_upstream, "endless"), MESSAGES, {})
    await chunks.__anext__()
    await chunks.aclose()  # type: ignore[attr-defined]
    for _ in range(100):
        if upstream_state(fake_upstream)["endless_cancelled"] > cancelled:
            break
        await asyncio.sleep(0.05)
    assert upstream_state(fake_upstream)["endless_cancelled"] == cancelled + 1


async def test_fallback_after_a_direct_failure(fake_upstream: Server) -> None:
    failing, echo = spec(fake_upstream, "fail500"), spec(fake_upstream, "echo")
    upstream = Upstream(Catalog(models=(failing, echo)))
    try:
        served, body = await upstream.complete([failing, echo], MESSAGES, {})
        streamed, chunks = await upstream.open_stream([failing, echo], MESSAGES, {}, False)
        text = "".join([(c["choices"][0]["delta"].get("content") or "")
                        async for c in chunks if c["choices"]])
    finally:
        await upstream.aclose()
    assert served.name == streamed.name == "gw-echo"
    assert body["model"] == "gw-echo"  # the gateway's name for the model, not the provider's
    assert body["choices"][0]["message"]["content"] == text == MESSAGES[0]["content"]


async def test_408_is_a_timeout_and_streams_are_retried(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    before = len(upstream_requests(fake_upstream))
    with pytest.raises(UpstreamTimeout):
        await transport.complete(spec(fake_upstream, "busy408"), MESSAGES, {})
    with pytest.raises(UpstreamError, match="HTTP 500"):
        await transport.open_stream(spec(fake_upstream, "fail500", max_retries=2),
                                    MESSAGES, {})
    assert len(upstream_requests(fake_upstream)) - before == 1 + 3


async def test_a_json_answer_to_a_stream_request_is_an_error(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    """Not an empty « successful » stream: the client must learn that nothing came."""
    with pytest.raises(UpstreamError, match="illisible"):
        await transport.open_stream(spec(fake_upstream, "notsse"), MESSAGES, {})


async def test_an_error_event_mid_stream_ends_it_without_quoting_it(
    fake_upstream: Server, transport: DirectTransport
) -> None:
    got: list[dict[str, Any]] = []
    chunks = await transport.open_stream(spec(fake_upstream, "cutoff"), MESSAGES, {})
    with pytest.raises(UpstreamError) as caught:
        async for chunk in chunks:
            got.append(chunk)
    assert [c["choices"][0]["delta"].get("content") for c in got] == ["", "Début"]
    assert "PERSONNE" not in caught.value.message and "overloaded" not in caught.value.message


def test_context_length_is_recognised_in_other_servers_wording() -> None:
    too_long = upstream_direct._too_long
    assert too_long(b'{"error": {"code": "context_length_exceeded"}}')
    assert too_long(b'{"object": "error", "message": "This model\'s maximum context length '
                    b'is 8192 tokens", "code": 400}')  # vLLM
    assert too_long(b'{"error": {"code": 400, "message": "the request exceeds the available '
                    b'context size, try increasing it"}}')  # llama.cpp
    assert too_long(b'{"error": "Input validation error: `inputs` tokens + `max_new_tokens` '
                    b'must be <= 4096", "error_type": "validation"}')  # TGI
    assert not too_long(b'{"error": {"message": "temperature must be below 2"}}')
    assert not too_long(b"not json at all")


async def test_odd_provider_json_falls_back_instead_of_crashing(fake_upstream: Server) -> None:
    """A body the gateway cannot read is a provider error: the next model answers."""

    class OddTransport(upstream_direct.DirectTransport):
        async def complete(self, spec: ModelSpec, messages: Any, params: Any) -> dict[str, Any]:
            if spec.name == "gw-odd":
                return {"choices": [1]}
            return await super().complete(spec, messages, params)

    odd, echo = spec(fake_upstream, "odd"), spec(fake_upstream, "echo")
    upstream = Upstream(Catalog(models=(odd, echo)), [OddTransport(), LitellmTransport()])
    try:
        served, _ = await upstream.complete([odd, echo], MESSAGES, {})
        with pytest.raises(UpstreamError):
            await upstream.complete([odd], MESSAGES, {})
    finally:
        await upstream.aclose()
    assert served.name == "gw-echo"



@pytest.mark.parametrize("model", ["truncated", "eventerror"])
async def test_a_stream_that_stops_midway_is_an_error(
    fake_upstream: Server, transport: DirectTransport, model: str
) -> None:
    """Half an answer must not pass for a whole one: no finish and no [DONE], or an SSE
    error event, end the stream with an error after the good chunks."""
    got: list[dict[str, Any]] = []
    chunks = await transport.open_stream(spec(fake_upstream, model), MESSAGES, {})
    with pytest.raises(UpstreamError):
        async for chunk in chunks:
            got.append(chunk)
    assert [c["choices"][0]["delta"].get("content") for c in got] == ["", "Début"]


async def test_an_empty_or_ping_only_stream_falls_back(fake_upstream: Server) -> None:
    """Nothing but keep-alives within the model's timeout, or an event stream without data,
    fail before the first chunk, so the next model of the chain answers."""
    pings = spec(fake_upstream, "pings", timeout_s=1)
    nodata, echo = spec(fake_upstream, "nodata"), spec(fake_upstream, "echo")
    upstream = Upstream(Catalog(models=(pings, nodata, echo)))
    try:
        with pytest.raises(UpstreamTimeout):
            await upstream.open_stream([pings], MESSAGES, {}, False)
        with pytest.raises(UpstreamError, match="illisible"):
            await upstream.open_stream([nodata], MESSAGES, {}, False)
        served, chunks = await upstream.open_stream([pings, nodata, echo], MESSAGES, {}, False)
        text = "".join([(c["choices"][0]["delta"].get("content") or "")
                        async for c in chunks if c["choices"]])
    finally:
        await upstream.aclose()
    assert served.name == "gw-echo" and text == MESSAGES[0]["content"]
