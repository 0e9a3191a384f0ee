"""Load the gateway like the LiteLLM harness does and, optionally, profile it with py-spy.

Starts the harness's fake upstream (``${GARDEFOU_SHARED:-../shared}/bench/litellm-anchor/
fake_upstream.py``: fixed answer, 20 streamed chunks) and ``gardefou serve`` with full
guardrails (every recognizer, the default policy's classifier with quotas off, usage recording),
then sends the harness's note and system prompt from N concurrent clients. Prints req/s,
p50 latency and time to first byte; asserts nothing.

    .venv/bin/python bench/profile_load.py [--concurrency 32] [--seconds 8] [--stream] [--workers 1]
                                           [--fresh] [--analysis-workers N]
    .venv/bin/python bench/profile_load.py --py-spy /tmp/gw.txt   # needs `pip install py-spy`
    .venv/bin/python bench/profile_load.py --py-spy /tmp/gw.txt --server-only

With ``--py-spy FILE`` the gateway is sampled while the load runs (``--gil``: only the thread
holding the GIL, i.e. CPU work; ``--nonblocking``, so the gateway is not paused) and the
samples' inclusive shares by function are printed, largest first.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import write_unlimited_policy  # noqa: E402
from bench.scaling import cpu_seconds, proc_tree  # noqa: E402
from gateway.auth import FileKeyStore, mint_key  # noqa: E402
from gateway.types import Role  # noqa: E402
from tests.conftest import free_port, start_server  # noqa: E402

HARNESS = Path(os.environ.get("GARDEFOU_SHARED", ROOT.parent / "shared")) / "bench/litellm-anchor"
SYSTEM = "Tu es un assistant pour travailleurs sociaux."
_SENT = itertools.count()


async def drive(url: str, key: str, prompt: str, concurrency: int, seconds: float,
                stream: bool, fresh: bool = False) -> dict[str, float]:
    """Closed-loop load: each client sends its next request when the previous one ends;
    ``fresh``: a note nobody has seen every time (as the harness's ``fresh`` scenario: a
    reference line of its own), so no cache answers."""
    sent = _SENT  # shared by the warm-up and the measured load: no note is sent twice

    def body() -> dict[str, object]:
        note = f"Réf. interne pl-{next(sent):07d}.\n{prompt}" if fresh else prompt
        return {"model": "fake-gpt", "max_tokens": 300, "stream": stream,
                "messages": [{"role": "system", "content": SYSTEM},
                             {"role": "user", "content": note}]}
    latencies: list[float] = []
    first_bytes: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as session:
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started, first = time.perf_counter(), None
                try:
                    async with session.post(url, json=body()) as response:
                        async for _ in response.content.iter_any():
                            first = first or time.perf_counter() - started
                        errors += response.status != 200
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - started)
                first_bytes.append(first or 0.0)

        probes: list[float] = []

        async def probe() -> None:
            # how long the gateway takes to answer its liveness check meanwhile: the event
            # loop's responsiveness (streams of other staff wait the same way)
            health = url.split("/v1/")[0] + "/healthz"
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(health) as response:
                    await response.read()
                probes.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)

        began = time.perf_counter()
        await asyncio.gather(probe(), *(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    first_bytes.sort()
    probes.sort()
    return {"healthz_p50_ms": probes[len(probes) // 2] * 1e3 if probes else 0.0,
            "healthz_p99_ms": probes[int(len(probes) * 0.99)] * 1e3 if probes else 0.0,"requests": len(latencies), "errors": errors, "req_s": len(latencies) / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1e3,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
            "ttfb_p50_ms": first_bytes[len(first_bytes) // 2] * 1e3}


def shares(raw: Path, top: int) -> list[tuple[float, str]]:
    """Inclusive share of samples per function from py-spy's ``raw`` (collapsed) output."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in {re.sub(r":\d+\)", ")", f) for f in stack.split(";")}:
            inclusive[frame] += int(count)
    return [(100 * n / total, frame) for frame, n in inclusive.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--analysis-workers", help="GARDEFOU_ANALYSIS_WORKERS (default: unset)")
    parser.add_argument("--fresh", action="store_true",
                        help="a new note every request (no cache answers)")
    parser.add_argument("--py-spy", type=Path, metavar="FILE", help="record samples to FILE")
    parser.add_argument("--top", type=int, default=60, help="functions to print with --py-spy")
    parser.add_argument("--server-only", action="store_true",
                        help="with --py-spy: the server process alone, not its analysis processes")
    args = parser.parse_args()
    if not (HARNESS / "fake_upstream.py").exists():
        sys.exit(f"harness not found at {HARNESS} (set GARDEFOU_SHARED)")
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if args.py_spy and not Path(spy).exists():
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    prompt = (HARNESS / "prompt_fr.txt").read_text(encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        up_port, gw_port = free_port(), free_port()
        upstream = start_server([str(HARNESS / "fake_upstream.py"), "--port", str(up_port)], {},
                                state / "upstream.log", "/health", up_port)
        # self-hosted: the note holds health data, which the default policy keeps on-premises
        models = [{"name": "fake-gpt", "litellm_model": "openai/fake-gpt",
                   "api_base": upstream.base + "/v1", "hosting": "self_hosted",
                   "retention": "zero"}]
        (state / "models.yaml").write_text(yaml.safe_dump({"models": models}), encoding="utf-8")
        key, record = mint_key("bench", "bench", Role.STAFF)
        FileKeyStore(state / "gw" / "keys.json").put(record)
        write_unlimited_policy(state / "policies", "bench")
        env = {"GARDEFOU_STATE_DIR": str(state / "gw"),
               "GARDEFOU_MODELS_FILE": str(state / "models.yaml"),
               "GARDEFOU_POLICIES_DIR": str(state / "policies"), "GARDEFOU_PORT": str(gw_port),
               "GARDEFOU_LOG_LEVEL": "warning", "GARDEFOU_WORKERS": str(args.workers)}
        if args.analysis_workers is not None:
            env["GARDEFOU_ANALYSIS_WORKERS"] = args.analysis_workers
        gateway = start_server(["-m", "gateway.cli", "serve"], env, state / "gateway.log",
                               "/readyz", gw_port)
        url = gateway.base + "/v1/chat/completions"
        try:
            asyncio.run(drive(url, key, prompt, 4, 2, args.stream, args.fresh))  # warm-up
            recorder = None
            if args.py_spy:
                recorder = subprocess.Popen(
                    [spy, "record", "--pid", str(gateway.proc.pid), "--output", str(args.py_spy),
                     "--format", "raw", "--rate", "100",
                     "--duration", str(max(1, round(args.seconds))),
                     "--gil", "--nonblocking", *([] if args.server_only else ["--subprocesses"])],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                time.sleep(0.5)  # py-spy attaches; the load outlasts its sampling window
            tree = proc_tree(gateway.proc.pid)
            cpu_before = cpu_seconds(tree)
            server_before = cpu_seconds([gateway.proc.pid])
            result = asyncio.run(drive(url, key, prompt, args.concurrency, args.seconds + 0.5,
                                       args.stream, args.fresh))
            result["cpu_ms_per_req"] = ((cpu_seconds(tree) - cpu_before) * 1e3
                                        / max(1, result["requests"]))
            # with --workers N > 1 that pid is uvicorn's supervisor: no server figure
            result["server_ms_per_req"] = (
                (cpu_seconds([gateway.proc.pid]) - server_before) * 1e3
                / max(1, result["requests"]) if args.workers == 1 else float("nan"))
            if recorder is not None:
                _, stderr = recorder.communicate()
                if recorder.returncode != 0 or not args.py_spy.exists():
                    sys.exit(f"py-spy failed (it needs ptrace rights over the gateway):\n"
                             f"{stderr[-2000:]}")
        finally:
            gateway.stop()
            upstream.stop()

    print(f"{'stream' if args.stream else 'non-stream'}{', fresh notes' if args.fresh else ''}, "
          f"c={args.concurrency}, {args.workers} worker(s), analysis workers "
          f"{args.analysis_workers or 'default'}, {args.seconds:.0f} s: {result['requests']} requests, "
          f"{result['errors']} errors, {result['req_s']:.1f} req/s, p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms, TTFB p50 {result['ttfb_p50_ms']:.1f} ms, "
          f"gateway CPU {result['cpu_ms_per_req']:.1f} ms/req (process tree; server process "
          f"{result['server_ms_per_req']:.1f}), /healthz meanwhile "
          f"p50 {result['healthz_p50_ms']:.1f} ms p99 {result['healthz_p99_ms']:.1f} ms")
    if args.py_spy:
        print(f"\nshare of samples holding the GIL (inclusive), from {args.py_spy}:")
        for share, frame in shares(args.py_spy, args.top):
            print(f"{share:5.1f}%  {frame[:140]}")


if __name__ == "__main__":
    main()
