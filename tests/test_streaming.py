"""Streaming helpers: re-identification across chunks, notice, token estimates."""

from __future__ import annotations

from gateway.streaming import ChunkRewriter, StreamOutcome, sse_stream


async def _chunks(pieces: list[str], finish: bool = True):  # type: ignore[no-untyped-def]
    for piece in pieces:
        yield {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
    if finish:
        yield {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


async def _text(events) -> str:  # type: ignore[no-untyped-def]
    import json

    out = ""
    async for event in events:
        if event.startswith(b"data: {"):
            body = json.loads(event[6:])
            for choice in body.get("choices", []):
                out += choice["delta"].get("content") or ""
    return out


async def test_placeholder_split_across_chunks_is_restored_and_notice_added() -> None:
    mapping = {"<PERSONNE_1>": "Fatou Diallo"}
    rewriter = ChunkRewriter(mapping, "À relire.")
    outcome = StreamOutcome()
    text = await _text(sse_stream(_chunks(["Bonjour <PERS", "ONNE_", "1>, à bientôt"]), rewriter, outcome, False))
    assert text == "Bonjour Fatou Diallo, à bientôt\n\n— À relire."
    assert outcome.completed


async def test_stream_cut_short_flushes_held_text_and_estimates_tokens() -> None:
    rewriter = ChunkRewriter({"<PERSONNE_1>": "Fatou Diallo"}, None)
    outcome = StreamOutcome()
    text = await _text(sse_stream(_chunks(["Vu <PERSONNE_1", ">"], finish=False), rewriter, outcome, False))
    assert text == "Vu Fatou Diallo"
    assert outcome.tokens_or_estimate(prompt_chars=400) == (100, max(1, len("Vu <PERSONNE_1>") // 4))


def test_provider_counts_win_over_estimates() -> None:
    outcome = StreamOutcome(prompt_tokens=12, completion_tokens=34, streamed_chars=1000)
    assert outcome.tokens_or_estimate(prompt_chars=10_000) == (12, 34)


async def test_stream_cut_short_flushes_held_tool_arguments() -> None:
    import json

    async def chunks():  # type: ignore[no-untyped-def]
        for piece in ('{"note": "Vu <PERSONNE', '_1>"}'):
            yield {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                   "choices": [{"index": 0, "delta": {"tool_calls": [
                       {"index": 0, "function": {"arguments": piece}}]}, "finish_reason": None}]}

    rewriter = ChunkRewriter({"<PERSONNE_1>": 'Fatou "Fa" Diallo'}, None)
    arguments = ""
    async for event in sse_stream(chunks(), rewriter, StreamOutcome(), False):
        if event.startswith(b"data: {"):
            for choice in json.loads(event[6:])["choices"]:
                for call in choice["delta"].get("tool_calls") or []:
                    arguments += call["function"]["arguments"]
    assert json.loads(arguments) == {"note": 'Vu Fatou "Fa" Diallo'}


async def test_notice_goes_to_every_choice_that_ends_with_text() -> None:
    """One rule for both paths (gateway.notice): every choice finishing with ``stop`` or
    ``length`` gets the notice, whatever its index; a tool call gets none."""
    import json

    async def chunks():  # type: ignore[no-untyped-def]
        for index in (0, 1, 2):
            yield {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                   "choices": [{"index": index, "delta": {"content": f"réponse {index}"},
                                "finish_reason": None}]}
        for index, finish in ((0, "length"), (1, "stop"), (2, "tool_calls")):
            yield {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                   "choices": [{"index": index, "delta": {}, "finish_reason": finish}]}

    texts: dict[int, str] = {}
    async for event in sse_stream(chunks(), ChunkRewriter(None, "Rappel."), StreamOutcome(),
                                  False):
        if event.startswith(b"data: {"):
            for choice in json.loads(event[6:])["choices"]:
                texts[choice["index"]] = texts.get(choice["index"], "") + (
                    choice["delta"].get("content") or "")
    assert texts == {0: "réponse 0\n\n— Rappel.", 1: "réponse 1\n\n— Rappel.",
                     2: "réponse 2"}


def test_notice_rule_is_shared() -> None:
    from gateway.notice import takes_notice

    assert takes_notice("stop") and takes_notice("length") and takes_notice(None)
    assert not takes_notice("tool_calls") and not takes_notice("content_filter")
