"""Start-up time and memory of ``gardefou serve`` with the embedded defaults (the ``demo``
model only, as ``make run`` starts it), and whether litellm was imported.

    .venv/bin/python bench/startup.py [--runs 3]

Each run spawns a fresh gateway on a free port with a scratch state directory and measures
spawn → ``/readyz`` 200, the CPU time its process tree spent until then (less sensitive to
a busy machine than wall time), the memory of its process tree once ready and after
``--requests`` fresh notes: RSS summed over the processes (the analysis processes share the
models with the server process, so their RSS counts the same pages again) and PSS (shared
pages divided among the processes sharing them: the memory actually used). A second figure, in a
fresh interpreter: the time ``build_services`` takes and whether ``litellm`` is in
``sys.modules`` afterwards. Prints figures, asserts nothing (the machine is shared: compare
runs made one after the other).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scaling import cpu_seconds, memory_mib, proc_tree  # noqa: E402
from gateway.auth import FileKeyStore, mint_key  # noqa: E402
from gateway.types import Role  # noqa: E402
from tests.conftest import free_port, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# ~1,500 characters, sent with a new reference line each time (no cache answers)
NOTE = ("Mme Nathalie Durand, née le 12/03/1985, 14 rue des Lilas 59000 Lille, tél. 06 12 34 "
        "56 78, allocataire CAF 1234567, souhaite reprendre une formation. ") * 9
IN_PROCESS = """
import sys, time
started = time.process_time()
from gateway.app import build_services
from gateway.settings import load_settings
services = build_services(load_settings())
print(f"{time.process_time() - started:.2f} {'litellm' in sys.modules}")
"""


@dataclass(frozen=True)
class Start:
    seconds: float  # spawn -> /readyz 200
    cpu_s: float  # CPU of the process tree until then
    processes: int
    ready: dict[str, float]  # memory of the tree once ready (rss_mib, pss_mib, ...)
    loaded: dict[str, float]  # ... and after `requests` fresh notes through the demo model


def one_start(analysis_workers: str | None, requests: int) -> Start:
    """Spawn ``gardefou serve`` (embedded defaults), time it to ready, read its process
    tree's memory, send ``requests`` fresh notes, read the memory again."""
    with tempfile.TemporaryDirectory(prefix="gf-startup-") as state:
        port = free_port()
        key, record = mint_key("bench", "bench", Role.STAFF)
        FileKeyStore(Path(state) / "keys.json").put(record)
        env = {**os.environ, "GARDEFOU_STATE_DIR": state, "GARDEFOU_PORT": str(port),
               "GARDEFOU_LOG_LEVEL": "warning"}
        env.pop("GARDEFOU_MODELS_FILE", None)
        if analysis_workers is not None:
            env["GARDEFOU_ANALYSIS_WORKERS"] = analysis_workers
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve"], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/readyz", timeout_s=300, proc=proc)
            seconds = time.monotonic() - started
            tree = proc_tree(proc.pid)
            cpu, ready = cpu_seconds(tree), memory_mib(tree)
            for i in range(requests):
                body = {"model": "demo", "messages": [
                    {"role": "user", "content": f"Réf. {i:06d}.\n" + NOTE}]}
                httpx.post(base + "/v1/chat/completions", json=body, timeout=60,
                           headers={"Authorization": f"Bearer {key}"}).raise_for_status()
            loaded = memory_mib(proc_tree(proc.pid))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return Start(seconds, cpu, len(tree), ready, loaded)


def in_process() -> tuple[float, bool]:
    """(CPU seconds of importing and running build_services, litellm imported?) in a fresh
    interpreter."""
    with tempfile.TemporaryDirectory(prefix="gf-startup-") as state:
        env = {**os.environ, "GARDEFOU_STATE_DIR": state}
        env.pop("GARDEFOU_MODELS_FILE", None)
        out = subprocess.run([sys.executable, "-c", IN_PROCESS], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), out[1] == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--analysis-workers", help="GARDEFOU_ANALYSIS_WORKERS (default: unset)")
    parser.add_argument("--requests", type=int, default=20,
                        help="fresh notes sent before the second memory reading")
    args = parser.parse_args()
    starts = [one_start(args.analysis_workers, args.requests) for _ in range(args.runs)]
    builds = [in_process() for _ in range(args.runs)]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"GARDEFOU_ANALYSIS_WORKERS={args.analysis_workers or 'unset'}")
    print("| measure | runs | median |")
    print("|---|---|---|")

    def row(label: str, values: list[float], unit: str, fmt: str = ".1f") -> None:
        print(f"| {label} | {', '.join(format(v, fmt) for v in values)} {unit} "
              f"| {format(statistics.median(values), fmt)} {unit} |")

    row("spawn → /readyz 200", [s.seconds for s in starts], "s")
    row("CPU until ready (process tree)", [s.cpu_s for s in starts], "s")
    row("processes", [s.processes for s in starts], "", ".0f")
    row("RSS once ready (sum over processes)", [s.ready["rss_mib"] for s in starts], "MiB", ".0f")
    row("PSS once ready (sum: memory really used)", [s.ready["pss_mib"] for s in starts], "MiB",
        ".0f")
    row(f"PSS after {args.requests} fresh notes", [s.loaded["pss_mib"] for s in starts], "MiB",
        ".0f")
    built = [b for b, _ in builds]
    print(f"| build_services CPU (fresh interpreter) | {', '.join(f'{b:.1f}' for b in built)} s "
          f"| {statistics.median(built):.1f} s |")
    print(f"| litellm imported with the demo model only | {builds[0][1]} | |")


if __name__ == "__main__":
    main()
