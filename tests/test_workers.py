"""The analysis pool with real forked processes: same results as the in-process path,
back-pressure, jobs handed ahead to busy workers, a lost worker fails its job closed and is
replaced, shutdown.

No timing assertions: a blocked job is held by a file the test creates when it wants."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import AnalysisBusy, RedactionFailed
from gateway.policy import PolicyStore
from gateway.policy.classify import classify
from gateway.redaction import RedactionSettings
from gateway.redaction.analyzer import WINDOW
from gateway.redaction.cache import MemoryCache
from gateway.request_fields import analysis_texts, redact_call
from gateway.workers.offload import Analysis, start_analysis
from gateway.workers.pool import AHEAD_MAX_BYTES, JobFailed, PoolBusy, ProcessPool, WorkerLost
from tests.conftest import long_note

NOTE = ("Réf. interne 12-000042.\nMme Fatou DIALLO, née le 12/03/1985, 12 rue des Lilas 93200 "
        "Saint-Denis, tél. 06 12 34 56 78, fatou.diallo@example.fr, allocataire CAF 1234567. "
        "Son fils Léo est suivi par l'ASE ; rendez-vous avec M. Martin jeudi.")


def _messages(note: str) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "Tu es un assistant pour travailleurs sociaux."},
        {"role": "user", "content": note},
        {"role": "assistant", "content": "Bien noté pour Fatou.", "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "agenda", "arguments": '{"personne": "Fatou Diallo"}'}}]},
        {"role": "user", "content": "Rédige un compte rendu de la visite chez Mme Diallo."},
    ]


PARAMS = {"stop": ["Fatou"], "tools": [{"type": "function", "function": {
    "name": "agenda", "description": "Agenda de M. Martin",
    "parameters": {"type": "object", "properties": {"personne": {"type": "string"}}}}}]}


class _Unreadable:
    """A result that pickles in the worker and fails to unpickle in the parent."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_refuse, ())


def _refuse() -> None:
    raise ValueError("unreadable")


def _hold(job: Any) -> Any:
    """Test handler: ("wait", started, release) blocks until ``release`` exists (after
    creating ``started``); ("wait-unreadable", started, release) then returns a result the
    parent cannot read; ("die",) exits the process; ("raise",) raises; else echoes."""
    if job[0] in ("wait", "wait-unreadable"):
        Path(job[1]).touch()
        while not Path(job[2]).exists():
            time.sleep(0.01)
        return "released" if job[0] == "wait" else _Unreadable()
    if job[0] == "die":
        os._exit(3)
    if job[0] == "raise":
        raise KeyError("Fatou Diallo")  # the message must never cross back
    return ("echo", job, os.getpid())


async def _wait_for(path: Path) -> None:
    while not path.exists():
        await asyncio.sleep(0.01)


async def test_pool_gives_what_the_in_process_path_gives(base_redactor) -> None:  # type: ignore[no-untyped-def]
    redactor = dataclasses.replace(base_redactor, cache=MemoryCache(64))
    policy = PolicyStore(None).get("org-a")
    settings = RedactionSettings(allow_list=("Saint-Denis",))
    analysis = start_analysis(redactor, workers=2, queue=8)
    try:
        for i in range(3):  # fresh, then answered by the cache the parent keeps
            note = NOTE.replace("000042", f"00004{i % 2}")
            pooled = await analysis.redact(_messages(note), PARAMS, settings)
            local = redact_call(_messages(note), PARAMS,
                                dataclasses.replace(base_redactor, cache=MemoryCache(64)),
                                settings)
            assert pooled == local
            assert "Fatou" not in str(pooled.messages) + str(pooled.params)
            for params in (pooled.params, None):
                assert (await analysis.classify(policy.policy, pooled.messages, params)
                        == classify(policy.policy, pooled.messages, params))
        # every analysed text went through the workers once, and sits in the parent's cache
        note = NOTE.replace("000042", "000040")
        texts = [t for t in analysis_texts(_messages(note), PARAMS) if t.strip()]
        assert all(redactor.cache.get(redactor.key(t, settings)) is not None for t in texts)
    finally:
        await analysis.close()


async def test_a_short_request_is_finished_on_the_loop_a_long_or_repeated_one_in_a_thread(
        base_redactor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The placeholders of a short request are set on the event loop; a request whose texts
    are long, or many (one message repeated: analysed once, placeholders set in each), in a
    thread. The same redaction either way."""
    from gateway.workers import offload

    finished_in_threads: list[str] = []
    to_thread = asyncio.to_thread

    async def recording(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        finished_in_threads.append(getattr(func, "__name__", ""))
        return await to_thread(func, *args, **kwargs)

    monkeypatch.setattr(offload.asyncio, "to_thread", recording)
    settings = RedactionSettings()
    analysis = start_analysis(dataclasses.replace(base_redactor, cache=MemoryCache(64)),
                              workers=1, queue=8)
    try:
        cases = [([{"role": "user", "content": NOTE}], False),
                 ([{"role": "user", "content": NOTE * 20}], True),
                 ([{"role": "user", "content": NOTE}] * 200, True)]
        for messages, threaded in cases:
            finished_in_threads.clear()
            pooled = await analysis.redact(messages, {}, settings)
            assert ("_finish" in finished_in_threads) == threaded
            assert pooled == redact_call(
                messages, {}, dataclasses.replace(base_redactor, cache=MemoryCache(64)), settings)
    finally:
        await analysis.close()


async def test_a_long_text_is_analysed_in_shares_by_the_idle_workers(base_redactor) -> None:  # type: ignore[no-untyped-def]
    text = long_note()
    assert len(text) > 2 * WINDOW
    local = dataclasses.replace(base_redactor, cache=MemoryCache(64))
    expected = local.analyze(text, RedactionSettings())
    # the shares of the windows, completed, are the analysis of the whole text
    shares = [span for part in range(3) for span in local.analyze_windows(text, part, 3)]
    assert shares == local.analyze_windows(text)
    assert local.complete(text, shares, RedactionSettings()) == expected
    redactor = dataclasses.replace(base_redactor, cache=MemoryCache(64))
    analysis = start_analysis(redactor, workers=2, queue=8)
    try:
        done = analysis.pool.stats.done
        pooled = await analysis.redact([{"role": "user", "content": text}], {},
                                       RedactionSettings())
        assert analysis.pool.stats.done - done == 3  # two shares, then the completion
        assert redactor.cache.get(redactor.key(text, RedactionSettings())) == expected
        content = str(pooled.messages[0]["content"])
        assert not any(value in content for value in ("Awa", "KONATÉ", "Konaté", "Issa",
                                                      "61 22 33 44", "Tilleuls"))
        # a long text sent while the workers are busy stays one job; same spans
        others = [text.replace("Point 3", f"Point {i}bis") for i in range(2)]
        done = analysis.pool.stats.done
        first = asyncio.ensure_future(analysis.redact(
            [{"role": "user", "content": others[0]}], {}, RedactionSettings()))
        while analysis.pool.idle and not first.done():
            await asyncio.sleep(0)
        await analysis.redact([{"role": "user", "content": others[1]}], {}, RedactionSettings())
        await first
        assert analysis.pool.stats.done - done == 3 + 1
        # with a new short message beside it, one worker is left: no shares
        done = analysis.pool.stats.done
        third = text.replace("Point 5", "Point 5ter")
        await analysis.redact([{"role": "user", "content": third},
                               {"role": "user", "content": "Merci, et pour Issa ?"}], {},
                              RedactionSettings())
        assert analysis.pool.stats.done - done == 2
        for other in others:
            assert (redactor.cache.get(redactor.key(other, RedactionSettings()))
                    == dataclasses.replace(base_redactor, cache=MemoryCache(64)).analyze(
                        other, RedactionSettings()))
    finally:
        await analysis.close()


async def _occupy(pool: ProcessPool, tmp_path: Path) -> tuple[Path, asyncio.Future[Any],
                                                               asyncio.Future[Any]]:
    """The single worker busy and the single queue slot taken, until ``release`` exists."""
    started, release = tmp_path / "started", tmp_path / "release"
    running = asyncio.ensure_future(pool.run(("wait", str(started), str(release))))
    await _wait_for(started)
    queued = asyncio.ensure_future(pool.run(("echo",)))
    await asyncio.sleep(0)
    return release, running, queued


async def test_a_full_queue_is_refused_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=1)
    pool.start()
    try:
        release, running, queued = await _occupy(pool, tmp_path)
        with pytest.raises(PoolBusy):
            await pool.run(("echo",))
        assert pool.stats.busy_refusals == 1
        release.touch()
        assert await running == "released"
        assert (await queued)[0] == "echo"
    finally:
        await pool.close()


async def test_the_analysis_says_busy_with_retry_after(base_redactor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pool = ProcessPool(_hold, workers=1, queue=1)
    pool.start()
    analysis = Analysis(pool, dataclasses.replace(base_redactor, cache=MemoryCache(64)))
    try:
        release, running, queued = await _occupy(pool, tmp_path)
        with pytest.raises(AnalysisBusy) as busy:
            await analysis.redact(_messages(NOTE), {}, RedactionSettings())
        body = busy.value.to_body()
        assert busy.value.status == 503 and body["error"]["code"] == "analysis_busy"
        assert body["error"]["retry_after"] >= 1 and "Fatou" not in str(body)
        release.touch()
        await running
        await queued
    finally:
        await analysis.close()


async def test_a_worker_that_dies_fails_its_job_and_is_replaced() -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        first = pool.pids
        with pytest.raises(WorkerLost):
            await pool.run(("die",))
        answer = await pool.run(("echo",))
        assert answer[0] == "echo" and answer[2] not in first
        assert pool.stats.lost == 1 and pool.stats.respawned == 1
    finally:
        await pool.close()


async def test_a_worker_killed_mid_job_fails_it_closed(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=2, queue=4)
    pool.start()
    try:
        started, release = tmp_path / "started", tmp_path / "never"
        job = asyncio.ensure_future(pool.run(("wait", str(started), str(release))))
        await _wait_for(started)
        busy = [pid for pid in pool.pids]
        for pid in busy:  # the one holding the job dies; the idle one is killed too
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkerLost):
            await job
        while len(pool.pids) < 2 or set(pool.pids) & set(busy):
            await asyncio.sleep(0.01)
        assert (await pool.run(("echo",)))[0] == "echo"
    finally:
        await pool.close()


async def test_an_overrunning_job_is_killed_and_refused(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4, timeout_s=0.5)
    pool.start()
    try:
        with pytest.raises(WorkerLost):
            await pool.run(("wait", str(tmp_path / "s"), str(tmp_path / "never")))
        assert (await pool.run(("echo",)))[0] == "echo"
    finally:
        await pool.close()


async def test_an_error_in_a_job_crosses_back_as_its_class_only() -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        with pytest.raises(JobFailed) as failed:
            await pool.run(("raise",))
        assert failed.value.error_class == "KeyError" and "Fatou" not in str(failed.value)
        assert (await pool.run(("echo",)))[0] == "echo"  # the worker survived
    finally:
        await pool.close()


async def test_a_lost_analysis_fails_the_redaction_closed(base_redactor) -> None:  # type: ignore[no-untyped-def]
    analysis = start_analysis(dataclasses.replace(base_redactor, cache=MemoryCache(64)),
                              workers=1, queue=4, timeout_s=0.5)
    try:
        os.kill(analysis.pool.pids[0], signal.SIGSTOP)  # hung: the pool kills it at 0.5 s
        with pytest.raises(RedactionFailed) as failed:
            await analysis.redact(_messages(NOTE), {}, RedactionSettings())
        assert "Fatou" not in str(failed.value.to_body())
        redaction = await analysis.redact(_messages(NOTE), {}, RedactionSettings())
        assert "Fatou" not in str(redaction.messages)
    finally:
        await analysis.close()


async def test_close_stops_every_worker(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=2, queue=4)
    pool.start()
    started = tmp_path / "started"
    job = asyncio.ensure_future(pool.run(("wait", str(started), str(tmp_path / "never"))))
    await _wait_for(started)
    processes = [w.process for w in pool._all]
    await pool.close(timeout_s=1)
    with pytest.raises(WorkerLost):
        await job
    assert not any(p.is_alive() for p in processes)
    with pytest.raises(WorkerLost):
        await pool.run(("echo",))


def _holding(tmp_path: Path, name: str) -> tuple[tuple[str, str, str], Path, Path]:
    """A ("wait", …) job, the file it creates when it starts and the one that releases it."""
    started, release = tmp_path / f"{name}-started", tmp_path / f"{name}-release"
    return ("wait", str(started), str(release)), started, release


async def _running_and_behind(pool: ProcessPool, tmp_path: Path, name: str, behind: Any,
                              ) -> tuple[asyncio.Future[Any], asyncio.Future[Any], Path]:
    """The single worker running held job ``name``, and job ``behind`` submitted after it:
    both futures and the held job's release file."""
    job, started, release = _holding(tmp_path, name)
    running = asyncio.ensure_future(pool.run(job))
    await _wait_for(started)
    queued = asyncio.ensure_future(pool.run(behind))
    await asyncio.sleep(0)
    return running, queued, release


async def test_the_next_job_waits_in_a_busy_worker_and_starts_without_the_loop(
        tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        job_b, b_started, b_release = _holding(tmp_path, "b")
        first, second, a_release = await _running_and_behind(pool, tmp_path, "a", job_b)
        assert pool.waiting == 1 and pool.idle == 0  # handed ahead, not started
        a_release.touch()
        # The event loop is held here: it reads no result and sends no job, so only a job
        # already in the worker's pipe can start.
        deadline = time.monotonic() + 20
        while not b_started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert b_started.exists()
        b_release.touch()
        assert await first == "released" and await second == "released"
        assert pool.waiting == 0 and pool.idle == 1
    finally:
        await pool.close()


async def test_a_large_job_waits_for_a_free_worker(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        first, large, a_release = await _running_and_behind(
            pool, tmp_path, "a", ("echo", "x" * AHEAD_MAX_BYTES))
        # not in the busy worker's pipe, where it could block the event loop
        assert pool.waiting == 1 and all(len(w.jobs) == 1 for w in pool._all)
        a_release.touch()
        assert await first == "released" and (await large)[0] == "echo"
    finally:
        await pool.close()


async def test_a_job_handed_to_a_lost_worker_runs_on_its_replacement(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        lost = pool.pids[0]
        first, second, _ = await _running_and_behind(pool, tmp_path, "a", ("echo",))
        assert pool.waiting == 1
        os.kill(lost, signal.SIGKILL)
        with pytest.raises(WorkerLost):
            await first  # the job it ran fails closed
        answer = await second  # the one waiting in its pipe never started: run elsewhere
        assert answer[0] == "echo" and answer[2] != lost
        assert pool.stats.lost == 1
    finally:
        await pool.close()


async def test_a_job_handed_ahead_has_its_whole_time_once_it_starts(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4, timeout_s=0.5)
    pool.start()
    try:
        job_b, _, b_release = _holding(tmp_path, "b")
        first, second, a_release = await _running_and_behind(pool, tmp_path, "a", job_b)
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        released_at = loop.time()
        a_release.touch()
        assert await first == "released"
        # its deadline counts from when it started, not from when it was handed ahead
        timer = pool._all[0].timer
        assert timer is not None and timer.when() >= released_at + pool.timeout_s
        b_release.touch()
        assert await second == "released"
        # and a job handed ahead that never ends is stopped once its time has run out
        job_d, _, _ = _holding(tmp_path, "d")  # never released
        third, fourth, c_release = await _running_and_behind(pool, tmp_path, "c", job_d)
        c_release.touch()
        assert await third == "released"
        with pytest.raises(WorkerLost):
            await asyncio.wait_for(fourth, 30)
        assert pool.stats.lost == 1
    finally:
        await pool.close()


async def test_a_job_handed_to_a_dead_worker_before_its_end_is_read_runs_elsewhere(
        tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        job_a, a_started, _ = _holding(tmp_path, "a")
        first = asyncio.ensure_future(pool.run(job_a))
        await _wait_for(a_started)
        dead = pool._all[0].process
        os.kill(dead.pid, signal.SIGKILL)  # type: ignore[arg-type]
        dead.join(timeout=10)  # gone, and the event loop has not read its end of file yet
        answer = await pool.run(("echo",))  # its pipe refuses the job: not lost
        assert answer[0] == "echo" and answer[2] != dead.pid
        with pytest.raises(WorkerLost):
            await first
    finally:
        await pool.close()


async def test_an_unreadable_result_fails_its_job_and_no_other(tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=1, queue=4)
    pool.start()
    try:
        job, started, release = _holding(tmp_path, "a")
        first = asyncio.ensure_future(pool.run(("wait-unreadable", *job[1:])))
        await _wait_for(started)
        second = asyncio.ensure_future(pool.run(("echo", "B")))
        await asyncio.sleep(0)
        assert pool.waiting == 1  # handed ahead
        release.touch()
        with pytest.raises(WorkerLost):
            await asyncio.wait_for(first, 30)
        # its own result, from the replacement
        assert (await asyncio.wait_for(second, 30))[1] == ("echo", "B")
    finally:
        await pool.close()


async def test_nothing_is_handed_ahead_while_a_freed_worker_could_find_the_queue_empty(
        tmp_path: Path) -> None:
    pool = ProcessPool(_hold, workers=2, queue=8)
    pool.start()
    try:
        held = [_holding(tmp_path, name) for name in "ab"]
        running = [asyncio.ensure_future(pool.run(job)) for job, _, _ in held]
        for _, started, _ in held:
            await _wait_for(started)
        queued = [asyncio.ensure_future(pool.run(("echo", 1)))]
        await asyncio.sleep(0)
        # one job for two busy workers: it waits for whichever frees up first
        assert all(len(w.jobs) == 1 for w in pool._all) and pool.waiting == 1
        queued.append(asyncio.ensure_future(pool.run(("echo", 2))))
        await asyncio.sleep(0)
        # two: the first is handed ahead, the other stays for the worker freed first
        assert sorted(len(w.jobs) for w in pool._all) == [1, 2] and pool.waiting == 2
        for _, _, release in held:
            release.touch()
        assert await asyncio.gather(*running) == ["released", "released"]
        assert [answer[1][1] for answer in await asyncio.gather(*queued)] == [1, 2]
    finally:
        await pool.close()
