"""A pool of worker processes forked from the gateway process, driven from its event loop.

The CPU-bound analysis (redaction's NER and recognizers, policy classification) holds the GIL:
in threads, one gateway process uses one core and a long note stalls every other request.
Forked workers share the models the parent already loaded (copy-on-write: ``gc.freeze()``
first, so the collector does not touch, and copy, every inherited object) and run one job at
a time each. The parent keeps everything stateful; only small picklable jobs and results
cross the pipe.

- Handed ahead: when every worker is busy and at least as many jobs wait as there are
  workers (a worker that frees up then still finds one in the queue), the next small job is
  sent to the pipe of the busy worker running the smallest job, so that the worker starts it
  as soon as it has sent its result, rather than after the event loop has read that result
  and sent another job; at most ``depth`` jobs per worker (``depth=1``: one at a time). A
  busy event loop reads results late: at c=32 on 2 cores the machine stood idle 3–5 % of
  the time waiting for it, 0–1 % with jobs handed ahead (``bench/README.md``, issue 19). A
  job handed ahead cannot be taken back: it may wait behind a long job while another
  worker takes a later one.

- Bounded: at most ``queue`` jobs wait for a free worker; one more raises :class:`PoolBusy`
  at once (the caller answers 503 with ``Retry-After``), instead of letting latency grow
  without bound.
- Fail closed: a worker that dies or overruns ``timeout_s`` fails the job it was running
  with :class:`WorkerLost` and is replaced by a new fork; that job is not retried (a text
  that crashes a worker would crash the next one too). Jobs handed ahead to it, not
  started, go back to the head of the queue.
- No threads: each worker's pipe is watched by the event loop (``add_reader``).

Jobs must be picklable; the worker calls ``handler(job)`` and sends back its result, or the
*class name* of the exception it raised (never its message: it may quote the text).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any

Handler = Callable[[Any], Any]
_PR_SET_PDEATHSIG = 1
# Libraries that start thread pools of their own (BLAS, OpenMP): one thread per worker, the
# pool is the parallelism. Read by the libraries when they load; ``gardefou serve`` sets them
# before importing any model (see ``limit_library_threads``).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
# A job handed ahead waits in a busy worker's socket buffer (208 KiB here: Linux's default
# for a Unix socket pair); a larger one would block the event loop until the worker reads it, so it
# waits in the queue for a free worker instead.
AHEAD_MAX_BYTES = 64 * 1024


class PoolBusy(Exception):
    """Every worker is busy and the queue is full."""


class WorkerLost(Exception):
    """The worker running the job died or overran its time; the job did not complete."""


class JobFailed(Exception):
    """The job raised in the worker; ``error_class`` is the exception's class name."""

    def __init__(self, error_class: str) -> None:
        super().__init__(error_class)
        self.error_class = error_class


def limit_library_threads() -> None:
    """One BLAS/OpenMP thread per process unless the operator set otherwise (call before
    the models are imported)."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


@dataclass(slots=True)
class _Job:
    payload: Any
    future: asyncio.Future[Any]
    pickled: memoryview | None = None  # the payload as sent, pickled once (not copied)


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    # sent to the worker, in order: the first is running, the others wait in its pipe
    jobs: collections.deque[_Job] = field(default_factory=collections.deque)
    timer: asyncio.TimerHandle | None = None  # the running job's deadline
    # its pipe refused a job: it is gone, and its reader, which reads the results it sent
    # before its end of file, will replace it; nothing more is sent to it
    broken: bool = False


@dataclass(slots=True)
class PoolStats:
    """Counters for ``/metrics`` and tests (no content)."""

    done: int = 0
    busy_refusals: int = 0
    lost: int = 0
    respawned: int = 0


@dataclass
class ProcessPool:
    """``workers`` forked processes running ``handler``; see the module docstring."""

    handler: Handler
    workers: int
    queue: int
    timeout_s: float = 30.0
    depth: int = 2  # jobs sent to a worker at once (the one it runs, the next handed ahead)
    stats: PoolStats = field(default_factory=PoolStats)
    _loop: asyncio.AbstractEventLoop | None = None
    _idle: list[_Worker] = field(default_factory=list)
    _all: list[_Worker] = field(default_factory=list)
    _waiting: collections.deque[_Job] = field(default_factory=collections.deque)
    _closed: bool = False

    def start(self) -> None:
        """Fork the workers (from the event loop's thread, once the models are loaded)."""
        if self.workers < 1 or self.depth < 1:
            raise ValueError("a pool needs at least one worker taking at least one job")
        self._loop = asyncio.get_running_loop()
        # Objects alive now (the models) move to a generation the collector never scans:
        # collections in parent and children then leave their pages shared.
        gc.collect()
        gc.freeze()
        for _ in range(self.workers):
            self._spawn()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._all if w.process.pid is not None]

    @property
    def idle(self) -> int:
        """Workers with no job."""
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Jobs not started: queued, or handed ahead to a busy worker."""
        return len(self._waiting) + sum(max(0, len(w.jobs) - 1) for w in self._all)

    async def run(self, payload: Any) -> Any:
        """The handler's result for ``payload``, computed in a worker. Raises
        :class:`PoolBusy` (queue full), :class:`WorkerLost` or :class:`JobFailed`."""
        if self._closed or self._loop is None:
            raise WorkerLost("pool not running")
        if not self._idle and self.waiting >= self.queue:
            self.stats.busy_refusals += 1
            raise PoolBusy()
        job = _Job(payload, self._loop.create_future())
        self._waiting.append(job)
        self._dispatch()
        try:
            return await job.future
        except asyncio.CancelledError:
            # The caller went away: a job not yet sent is dropped; one running or handed
            # ahead to a worker finishes and its result is discarded.
            with contextlib.suppress(ValueError):
                self._waiting.remove(job)
            raise

    async def close(self, timeout_s: float = 5.0) -> None:
        """Stop the workers (waiting and running jobs fail with :class:`WorkerLost`)."""
        self._closed = True
        while self._waiting:
            _fail(self._waiting.popleft(), WorkerLost("pool closed"))
        for worker in list(self._all):
            self._forget(worker)
            while worker.jobs:
                _fail(worker.jobs.popleft(), WorkerLost("pool closed"))
            with contextlib.suppress(OSError):
                worker.conn.close()  # the worker reads EOF and exits
        deadline = asyncio.get_running_loop().time() + timeout_s
        for worker in self._all:
            while worker.process.is_alive() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.02)
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=1)
        self._all.clear()
        self._idle.clear()

    # -- internals ------------------------------------------------------------------------

    def _spawn(self) -> None:
        assert self._loop is not None
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe(duplex=True)
        siblings = [w.conn for w in self._all]
        process = context.Process(target=_serve, args=(child_end, parent_end, siblings,
                                                       os.getpid(), self.handler), daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._all.append(worker)
        self._idle.append(worker)
        self._loop.add_reader(parent_end.fileno(), self._on_readable, worker)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._waiting:
            job = self._waiting[0]
            if job.future.done():  # cancelled while waiting
                self._waiting.popleft()
                continue
            worker = self._idle.pop() if self._idle else None
            try:
                if job.pickled is None:
                    job.pickled = ForkingPickler.dumps(job.payload)
            except Exception as exc:  # noqa: BLE001 - an unpicklable job
                self._waiting.popleft()
                if worker is not None:
                    self._idle.append(worker)
                _fail(job, JobFailed(type(exc).__name__))
                continue
            if worker is None:
                worker = self._ahead_worker(job.pickled)
                if worker is None:
                    return  # the job waits for a free worker
            self._waiting.popleft()
            self._send(worker, job)

    def _ahead_worker(self, pickled: memoryview) -> _Worker | None:
        """The busy worker to hand a job ahead to: the one with the fewest jobs, then the one
        running the smallest job (the likeliest to finish first); None while fewer jobs wait
        than there are workers (one freeing up would find the queue empty), when the job is
        too large to wait in a pipe, or when every worker holds ``depth`` jobs."""
        if len(self._waiting) < self.workers or len(pickled) > AHEAD_MAX_BYTES:
            return None
        open_workers = [w for w in self._all if 0 < len(w.jobs) < self.depth and not w.broken]
        if not open_workers:
            return None
        return min(open_workers, key=lambda w: (len(w.jobs), len(w.jobs[0].pickled or b"")))

    def _send(self, worker: _Worker, job: _Job) -> None:
        assert job.pickled is not None
        worker.jobs.append(job)
        try:
            worker.conn.send_bytes(job.pickled)
        except (OSError, EOFError):  # a broken pipe: the worker is gone
            worker.jobs.pop()
            self._waiting.appendleft(job)  # never started: another worker takes it
            if worker.jobs:
                # results it sent before it died may wait unread: its reader takes them,
                # in order, then its end of file
                worker.broken = True
            else:
                self._lose(worker)
            return
        if len(worker.jobs) == 1:
            self._arm(worker)

    def _arm(self, worker: _Worker) -> None:
        """The deadline of the job the worker runs now (the first of its jobs)."""
        assert self._loop is not None
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        if worker.jobs:
            worker.timer = self._loop.call_later(self.timeout_s, self._overrun, worker,
                                                 worker.jobs[0])

    def _on_readable(self, worker: _Worker) -> None:
        try:
            ok, value = worker.conn.recv()
        except (EOFError, OSError):
            self._lose(worker)
            return
        except Exception:  # noqa: BLE001 - a reply that does not unpickle: its job's
            # result is lost, and the next reply must not be taken for it
            worker.process.kill()
            self._lose(worker)
            return
        job = worker.jobs.popleft() if worker.jobs else None
        self._arm(worker)  # the next job handed ahead, if any, runs from now
        if job is not None and not job.future.done():
            self.stats.done += 1
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(JobFailed(str(value)))
        if not worker.jobs and not worker.broken:
            self._idle.append(worker)
        self._dispatch()

    def _overrun(self, worker: _Worker, job: _Job) -> None:
        if worker.jobs and worker.jobs[0] is job:
            worker.process.kill()
            self._lose(worker)

    def _lose(self, worker: _Worker) -> None:
        """A worker died (or was killed): fail the job it ran, put the jobs handed ahead to
        it back at the head of the queue, reap it, fork a replacement."""
        self.stats.lost += 1
        self._forget(worker)
        self._all.remove(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()
        if worker.jobs:
            _fail(worker.jobs.popleft(), WorkerLost("worker lost"))
            # Taken as never started: replies come in order, and the results it sent before
            # its end of file were read first. (A job killed at its deadline may have sent
            # its result a moment before: the next then runs twice, its first result lost.)
            self._waiting.extendleft(reversed(worker.jobs))
            worker.jobs.clear()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=1)
        if not self._closed:
            self.stats.respawned += 1
            self._spawn()
        else:
            while self._waiting:
                _fail(self._waiting.popleft(), WorkerLost("pool closed"))

    def _forget(self, worker: _Worker) -> None:
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        if worker in self._idle:
            self._idle.remove(worker)
        if self._loop is not None and not worker.conn.closed:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(worker.conn.fileno())


def _fail(job: _Job, exc: Exception) -> None:
    if not job.future.done():
        job.future.set_exception(exc)


def _serve(conn: Connection, parent_end: Connection, siblings: list[Connection],
           parent_pid: int, handler: Handler) -> None:
    """The worker's loop: a job in, ``(True, result)`` or ``(False, error class)`` out,
    until the parent closes the pipe."""
    _detach_from_parent(parent_end, siblings, parent_pid)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[bool, Any] = (True, handler(job))
        except Exception as exc:  # noqa: BLE001 - the class name only, never the message
            reply = (False, type(exc).__name__)
        try:
            conn.send(reply)
        except (EOFError, OSError):  # the parent closed the pipe: stop
            return
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            try:
                conn.send((False, type(exc).__name__))
            except (EOFError, OSError):
                return


def _detach_from_parent(parent_end: Connection, siblings: list[Connection],
                        parent_pid: int) -> None:
    """Undo what the fork copied from the server process and must not act here."""
    # The event loop's signal wake-up fd is the parent's: a signal here would be read by the
    # parent's loop as its own. Ctrl-C goes to the whole process group: the parent decides.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The parent's ends of this and the other workers' pipes: holding them would keep a
    # pipe open after its owner is gone.
    for conn in (parent_end, *siblings):
        with contextlib.suppress(OSError):
            conn.close()
    # If the gateway process dies (even SIGKILL), the workers go with it (Linux).
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(0)
