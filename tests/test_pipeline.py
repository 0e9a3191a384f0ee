"""The request pipeline in process: real redactor, real policy, real limiter, real usage
recorder and SQLite store; the one test double is the model provider (a transport).

What the end-to-end tests cannot see cheaply is checked here: what the provider received,
the notice on every choice on both paths, the fallback chain, and one usage record per
model call however the call ends.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from gateway.accounting import Accounting
from gateway.catalog import Catalog, Hosting, ModelSpec, Retention
from gateway.errors import PolicyBlocked, UpstreamError
from gateway.limits import MemoryLimiter
from gateway.notice import notice_suffix
from gateway.pipeline import CLASSIFIER_USE, Pipeline, complete, stream
from gateway.policy import PolicyStore
from gateway.policy.store import DEFAULT_POLICY_PATH
from gateway.types import ChatCall, Principal, Role
from gateway.upstream import Upstream
from gateway.usage.recorder import UsageRecorder
from gateway.usage.store_sqlite import SQLiteUsageStore

NAME = "Fatou Diallo"
PROMPT = f"Mets au propre cette note : Mme {NAME} est passée ce matin pour son dossier."
PRINCIPAL = Principal("asso", "accueil", Role.STAFF, "key-1", subject="alice")


class FakeProvider:
    """Stands where the model provider is: each choice quotes the last message received;
    ``finish`` gives each choice's finish reason; models named in ``failing`` fail."""

    def __init__(self, finish: tuple[str, ...] = ("stop",)) -> None:
        self.finish = finish
        self.failing: set[str] = set()
        self.seen: list[tuple[str, list[dict[str, Any]]]] = []
        self.closed = 0

    def serves(self, spec: ModelSpec) -> bool:
        return True

    def _text(self, spec: ModelSpec, messages: list[dict[str, Any]]) -> str:
        self.seen.append((spec.name, messages))
        if spec.name in self.failing:
            raise ConnectionError("provider down")
        if "JSON" in str(messages[0].get("content")):  # the policy's classifier prompt
            return '{"use": "synthese_rapport", "forbidden": null}'
        return "Reçu : " + str(messages[-1]["content"])

    async def complete(self, spec: ModelSpec, messages: list[dict[str, Any]],
                       params: dict[str, Any]) -> dict[str, Any]:
        text = self._text(spec, messages)
        return {"choices": [{"index": i, "finish_reason": reason,
                             "message": {"role": "assistant", "content": text}}
                            for i, reason in enumerate(self.finish)],
                "usage": {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42}}

    async def open_stream(self, spec: ModelSpec, messages: list[dict[str, Any]],
                          params: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        text = self._text(spec, messages)
        return self._chunks(text, bool(params.get("stream_options")))

    async def _chunks(self, text: str, usage: bool) -> AsyncGenerator[dict[str, Any], None]:
        try:
            for i in range(len(self.finish)):
                # cut inside the placeholder, so re-identification must hold it back
                for piece in (text[:12], text[12:20], text[20:]):
                    yield {"choices": [{"index": i, "delta": {"content": piece},
                                        "finish_reason": None}]}
            for i, reason in enumerate(self.finish):
                yield {"choices": [{"index": i, "delta": {}, "finish_reason": reason}]}
            if usage:
                yield {"choices": [], "usage": {"prompt_tokens": 30, "completion_tokens": 12}}
        finally:
            self.closed += 1

    async def aclose(self) -> None:
        pass


def model(name: str, fallbacks: tuple[str, ...] = ()) -> ModelSpec:
    return ModelSpec(name=name, litellm_model=f"openai/{name}", hosting=Hosting.SELF_HOSTED,
                     retention=Retention.ZERO, fallbacks=fallbacks)


@dataclasses.dataclass
class Rig:
    pipeline: Pipeline
    provider: FakeProvider
    store: SQLiteUsageStore
    limiter: MemoryLimiter

    async def events(self) -> list[dict[str, Any]]:
        """The recorded usage counters of the hour, one dict per dimension combination
        (once the recorder has written what it holds: it writes behind)."""
        assert self.pipeline.accounting.usage is not None
        await self.pipeline.accounting.usage.flush()
        now = datetime.now(UTC)
        rows = await self.store.counters("asso", now - timedelta(hours=2),
                                         now + timedelta(hours=2))
        from gateway.usage.events import DIMENSIONS

        return [dict(zip(DIMENSIONS, r.dims, strict=True)) | {"n": r.value}
                for r in rows if r.metric == "requests"]


def rig(tmp_path: Path, redactor: Any, policies: PolicyStore | None = None,
        finish: tuple[str, ...] = ("stop",)) -> Rig:
    catalog = Catalog(models=(model("main", fallbacks=("spare",)), model("spare"),
                              model("judge")))
    provider = FakeProvider(finish)
    upstream = Upstream(catalog, [provider])
    store = SQLiteUsageStore(tmp_path / "usage.sqlite3")
    limiter = MemoryLimiter(ZoneInfo("Europe/Paris"))
    usage = UsageRecorder(store, b"test-salt", housekeeping_s=None)
    accounting = Accounting(price=lambda spec, p, c: 0.0, limits=limiter, usage=usage)
    return Rig(Pipeline(catalog, policies or PolicyStore(None), redactor, upstream, accounting,
                        limiter), provider, store, limiter)


@pytest.fixture
def redactor(base_redactor: Any) -> Any:
    from gateway.redaction.cache import MemoryCache

    return dataclasses.replace(base_redactor, cache=MemoryCache(64),
                               propagated=MemoryCache(4096))


def call(stream_: bool = False, model_name: str = "main", text: str = PROMPT) -> ChatCall:
    return ChatCall(model=model_name, messages=[{"role": "user", "content": text}],
                    stream=stream_, include_usage=stream_)


async def test_the_provider_sees_placeholders_and_every_text_choice_gets_the_notice(
    tmp_path: Path, redactor: Any
) -> None:
    r = rig(tmp_path, redactor, finish=("stop", "length", "tool_calls"))
    body, prepared = await complete(call(), PRINCIPAL, r.pipeline)
    (served, sent), = r.provider.seen
    assert served == "main" and NAME not in str(sent) and "<PERSONNE_1>" in str(sent)
    notice = prepared.decision.notice
    assert notice
    texts = [c["message"]["content"] for c in body["choices"]]
    assert all(t.startswith("Reçu : " + PROMPT) for t in texts)  # re-identified
    assert [t.endswith(notice_suffix(notice)) for t in texts] == [True, True, False]
    assert await r.events() == [{"team": "accueil", "role": "staff", "use": prepared.decision.use,
                                 "forbidden": "", "action": "allow", "model": "main",
                                 "hosting": "self_hosted", "n": 1.0}]


async def test_a_stream_follows_the_same_notice_rule_on_every_choice(
    tmp_path: Path, redactor: Any
) -> None:
    r = rig(tmp_path, redactor, finish=("stop", "length", "tool_calls"))
    events, prepared = await stream(call(stream_=True), PRINCIPAL, r.pipeline)
    raw = b"".join([e async for e in events]).decode()
    chunks = [json.loads(line[6:]) for line in raw.split("\n\n")
              if line.startswith("data: {")]
    text: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            text[choice["index"]] = text.get(choice["index"], "") + (
                choice["delta"].get("content") or "")
    notice = notice_suffix(prepared.decision.notice or "")
    assert all(t.startswith("Reçu : " + PROMPT) for t in text.values())  # re-identified
    assert [text[i].endswith(notice) for i in range(3)] == [True, True, False]
    assert raw.endswith("data: [DONE]\n\n") and r.provider.closed == 1
    assert [(e["action"], e["n"]) for e in await r.events()] == [("allow", 1.0)]


async def test_a_failing_model_falls_back_and_usage_names_the_one_that_answered(
    tmp_path: Path, redactor: Any
) -> None:
    r = rig(tmp_path, redactor)
    r.provider.failing = {"main"}
    _, _ = await complete(call(), PRINCIPAL, r.pipeline)
    events, _ = await stream(call(stream_=True), PRINCIPAL, r.pipeline)
    _ = [e async for e in events]
    assert [name for name, _ in r.provider.seen] == ["main", "spare", "main", "spare"]
    assert [(e["model"], e["action"], e["n"]) for e in await r.events()] == [
        ("spare", "allow", 2.0)]


async def test_errors_and_clients_that_leave_are_recorded_once_as_errors(
    tmp_path: Path, redactor: Any
) -> None:
    r = rig(tmp_path, redactor)
    r.provider.failing = {"main", "spare"}
    with pytest.raises(UpstreamError):
        await complete(call(), PRINCIPAL, r.pipeline)
    with pytest.raises(UpstreamError):  # before the first byte: a real HTTP status
        await stream(call(stream_=True), PRINCIPAL, r.pipeline)
    r.provider.failing = set()
    events, _ = await stream(call(stream_=True), PRINCIPAL, r.pipeline)
    await events.__anext__()
    await events.aclose()  # type: ignore[attr-defined]  # the client hung up mid-answer
    assert r.provider.closed == 1  # the provider's stream was closed with it
    assert [(e["model"], e["action"], e["n"]) for e in await r.events()] == [
        ("main", "error", 3.0)]


async def test_a_blocked_request_never_reaches_the_provider_and_is_recorded(
    tmp_path: Path, redactor: Any
) -> None:
    r = rig(tmp_path, redactor)
    ask = (f"Dois-je retirer la garde des enfants de Mme {NAME} ? Décide à ma place si le "
           "placement de ses enfants est justifié.")
    with pytest.raises(PolicyBlocked):
        await complete(call(text=ask), PRINCIPAL, r.pipeline)
    assert r.provider.seen == []
    assert [(e["action"], e["n"]) for e in await r.events()] == [("block", 1.0)]


async def test_the_model_classifier_goes_through_upstream_quotas_and_usage(
    tmp_path: Path, redactor: Any
) -> None:
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    raw["organisation"]["id"] = "asso"
    raw["classifier"] = {"mode": "llm", "model": "judge"}
    raw["limits"] = {"org": {"tokens_per_day": 1000}}
    policies_dir = tmp_path / "policies"
    policies_dir.mkdir()
    (policies_dir / "asso.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True),
                                            encoding="utf-8")
    r = rig(tmp_path, redactor, PolicyStore(policies_dir))
    await complete(call(), PRINCIPAL, r.pipeline)
    assert [name for name, _ in r.provider.seen] == ["judge", "main"]
    assert NAME not in str(r.provider.seen[0][1])  # the judge reads the redacted request
    used = {(e["model"], e["use"], e["n"]) for e in await r.events()}
    assert used == {("judge", CLASSIFIER_USE, 1.0), ("main", "synthese_rapport", 1.0)}
    assert sum(r.limiter._counts.values()) >= 2 * 42  # both calls' tokens count in quotas

