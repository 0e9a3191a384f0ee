"""Analysis cache (memory and real Redis) and fail-closed behaviour."""

from __future__ import annotations

import os
import uuid

import pytest

from gateway.errors import RedactionFailed
from gateway.redaction import RedactionSettings, Redactor, redact_conversation
from gateway.redaction.analyzer import Redactor as RedactorClass
from gateway.redaction.cache import MemoryCache, RedisCache

TEXT = "Mme Odile Vasseur, née le 02/05/1961, tél 06 98 76 54 32, 4 rue des Acacias 33000 Bordeaux."
SECRETS = ("Odile", "Vasseur", "02/05/1961", "06 98 76 54 32", "Acacias", "Bordeaux")
REDIS_URL = os.environ.get("GARDEFOU_TEST_REDIS_REDACTION_URL", "redis://127.0.0.1:6379/15")


def _with_cache(redactor: Redactor, cache: object) -> Redactor:
    return RedactorClass(engine=redactor.engine, lexicons=redactor.lexicons, cache=cache)  # type: ignore[arg-type]


def test_memory_cache_stores_spans_not_text(redactor: Redactor) -> None:
    cache = MemoryCache(10)
    cached = _with_cache(redactor, cache)
    first = cached.analyze(TEXT)
    assert cached.analyze(TEXT) == first
    stored = " ".join(cache.raw_values())
    assert stored and not any(secret in stored for secret in SECRETS)


def test_name_propagation_cache_stores_offsets_and_answers_the_same(redactor: Redactor) -> None:
    """Each request resends the conversation; where its names recur in each message is kept
    as offsets only, and a changed set of known names is a different entry."""
    cached = RedactorClass(engine=redactor.engine, lexicons=redactor.lexicons,
                           propagated=MemoryCache(10))
    conversation = [{"role": "user", "content": TEXT},
                    {"role": "assistant", "content": "Odile Vasseur a rappelé : Odile viendra."}]
    first = redact_conversation(conversation, cached, RedactionSettings())
    again = redact_conversation(conversation, cached, RedactionSettings())
    assert again.messages == first.messages
    assert "Odile" not in first.messages[1]["content"]  # found again in the second message
    stored = " ".join(cached.propagated.raw_values())  # type: ignore[attr-defined]
    assert stored and not any(secret in stored for secret in SECRETS)
    # the second message alone knows fewer names: not answered from the first entries
    alone = redact_conversation(conversation[1:], cached, RedactionSettings())
    assert alone.messages[0]["content"].count("<PERSONNE_1>") == 2


@pytest.fixture
def redis_client():  # type: ignore[no-untyped-def]
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server")
    yield client
    client.close()


def test_redis_cache_stores_spans_not_text(redactor: Redactor, redis_client) -> None:  # type: ignore[no-untyped-def]
    prefix = f"gardefou:test:{uuid.uuid4().hex}:"
    cache = RedisCache(redis_client, ttl_s=60, prefix=prefix)
    try:
        cached = _with_cache(redactor, cache)
        first = cached.analyze(TEXT)
        keys = redis_client.keys(prefix + "*")
        assert len(keys) == 1
        stored = redis_client.get(keys[0]).decode()
        assert not any(secret in stored for secret in SECRETS)
        assert not any(secret in keys[0].decode() for secret in SECRETS)
        assert 0 < redis_client.ttl(keys[0]) <= 60
        assert cached.analyze(TEXT) == first
    finally:
        for key in redis_client.keys(prefix + "*"):
            redis_client.delete(key)


def test_cache_hit_skips_analysis(redactor: Redactor) -> None:
    cache = MemoryCache(10)
    cached = _with_cache(redactor, cache)
    spans = cached.analyze(TEXT)

    class Exploding:
        nlp_engine = redactor.engine.nlp_engine  # same model, hence the same cache key

        def analyze(self, **_: object) -> list:  # type: ignore[type-arg]
            raise AssertionError("analysed again")

    again = RedactorClass(engine=Exploding(), lexicons=redactor.lexicons, cache=cache)  # type: ignore[arg-type]
    assert again.analyze(TEXT) == spans


def test_settings_change_the_cache_key(redactor: Redactor) -> None:
    cache = MemoryCache(10)
    cached = _with_cache(redactor, cache)
    cached.analyze(TEXT)
    only_phone = cached.analyze(TEXT, RedactionSettings(labels=frozenset({"PHONE"})))
    assert {s.label for s in only_phone} == {"PHONE"}


class _Boom:
    def analyze(self, **_: object) -> list:  # type: ignore[type-arg]
        raise ValueError(f"cannot parse {TEXT}")


def test_analysis_error_fails_closed_without_prompt_text(redactor: Redactor) -> None:
    broken = RedactorClass(engine=_Boom(), lexicons=redactor.lexicons, cache=MemoryCache(10))  # type: ignore[arg-type]
    with pytest.raises(RedactionFailed) as info:
        redact_conversation([{"role": "user", "content": TEXT}], broken, RedactionSettings())
    message = str(info.value) + info.value.message + repr(info.value.to_body())
    assert not any(secret in message for secret in SECRETS)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_recognizer_that_raises_fails_closed(redactor: Redactor) -> None:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from gateway.redaction.recognizers.email import FrEmailRecognizer

    class Faulty(FrEmailRecognizer):
        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
            raise RuntimeError(text)

    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.add_recognizer(Faulty())
    engine = AnalyzerEngine(
        nlp_engine=redactor.engine.nlp_engine, registry=registry, supported_languages=["fr"]
    )
    broken = RedactorClass(engine=engine, lexicons=redactor.lexicons, cache=MemoryCache(10))
    with pytest.raises(RedactionFailed) as info:
        broken.analyze(TEXT)
    assert not any(secret in info.value.message for secret in SECRETS)


def test_allow_listed_term_spares_only_itself(redactor) -> None:
    from gateway.redaction import RedactionSettings

    text = "Elle habite 12 rue de la République, 93200 Saint-Denis. Mme Fatou Diallo est venue."
    spans = redactor.analyze(text, RedactionSettings(allow_list=("Saint-Denis", "Diallo")))
    masked = {text[s.start:s.end] for s in spans}
    assert any("12 rue de la République" in m for m in masked)
    assert any("Fatou" in m for m in masked)
    assert not any("Saint-Denis" in m or "Diallo" in m for m in masked)


def test_a_conversation_scope_keeps_its_cached_analyses_to_itself(redactor: Redactor) -> None:
    cache = MemoryCache(10)
    cached = _with_cache(redactor, cache)
    first = cached.analyze(TEXT, RedactionSettings(scope="c-one"))
    entries = len(cache.raw_values())
    assert cached.analyze(TEXT, RedactionSettings(scope="c-one")) == first
    assert len(cache.raw_values()) == entries  # answered from the conversation's entry
    assert cached.analyze(TEXT, RedactionSettings(scope="c-two")) == first
    assert len(cache.raw_values()) > entries  # another conversation: analysed on its own
