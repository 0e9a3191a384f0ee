"""Start-up time and memory of ``gardefou serve`` with the embedded defaults (the ``demo``
model only, as ``make run`` starts it), and whether litellm was imported.

    .venv/bin/python bench/startup.py [--runs 3]

Each run spawns a fresh gateway on a free port with a scratch state directory and measures
spawn → ``/readyz`` 200, the CPU time its process tree spent until then (less sensitive to
a busy machine than wall time) and the RSS of its process tree once ready. A second figure, in a
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scaling import cpu_seconds, memory_mib, proc_tree  # noqa: E402
from tests.conftest import free_port, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IN_PROCESS = """
import sys, time
started = time.process_time()
from gateway.app import build_services
from gateway.settings import load_settings
services = build_services(load_settings())
print(f"{time.process_time() - started:.2f} {'litellm' in sys.modules}")
"""


def one_start() -> tuple[float, float, float]:
    """(seconds from spawn to ready, CPU seconds spent until then, RSS MiB once ready)."""
    with tempfile.TemporaryDirectory(prefix="gf-startup-") as state:
        port = free_port()
        env = {**os.environ, "GARDEFOU_STATE_DIR": state, "GARDEFOU_PORT": str(port),
               "GARDEFOU_LOG_LEVEL": "warning"}
        env.pop("GARDEFOU_MODELS_FILE", None)
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve"], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(f"http://127.0.0.1:{port}/readyz", timeout_s=300, proc=proc)
            seconds = time.monotonic() - started
            tree = proc_tree(proc.pid)
            cpu, rss = cpu_seconds(tree), memory_mib(tree)["rss_mib"]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return seconds, cpu, rss


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
    args = parser.parse_args()
    starts = [one_start() for _ in range(args.runs)]
    builds = [in_process() for _ in range(args.runs)]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| measure | runs | median |")
    print("|---|---|---|")
    seconds = [s for s, _, _ in starts]
    cpu = [c for _, c, _ in starts]
    rss = [r for _, _, r in starts]
    built = [b for b, _ in builds]
    print(f"| spawn → /readyz 200 | {', '.join(f'{s:.1f}' for s in seconds)} s "
          f"| {statistics.median(seconds):.1f} s |")
    print(f"| CPU until ready | {', '.join(f'{c:.1f}' for c in cpu)} s "
          f"| {statistics.median(cpu):.1f} s |")
    print(f"| RSS once ready | {', '.join(f'{r:.0f}' for r in rss)} MiB "
          f"| {statistics.median(rss):.0f} MiB |")
    print(f"| build_services CPU (fresh interpreter) | {', '.join(f'{b:.1f}' for b in built)} s "
          f"| {statistics.median(built):.1f} s |")
    print(f"| litellm imported with the demo model only | {builds[0][1]} | |")


if __name__ == "__main__":
    main()
