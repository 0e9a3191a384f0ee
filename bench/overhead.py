"""Gateway overhead over calling the upstream directly, same run, interleaved.

Starts the fake OpenAI-compatible upstream (tests/e2e/fake_upstream.py) and a gateway with
full guardrails (redaction, policy classification, usage recording) in front of it, then sends
the same French note to both at several concurrencies. Prints p50/p99 latency, req/s and the
added latency. Asserts nothing: figures vary with the machine.

    .venv/bin/python bench/overhead.py [--seconds 8] [--concurrency 1 32]
    .venv/bin/python bench/overhead.py --replicas 2 --redis redis://127.0.0.1:6379/11

With ``--replicas N`` the gateway is N processes sharing one Redis (keys, quotas, cache,
usage) and the load generator spreads requests over them, as a load balancer would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import error_code, write_unlimited_policy  # noqa: E402
import redis  # noqa: E402

from gateway.auth import FileKeyStore, RedisKeyStore, mint_key  # noqa: E402
from gateway.types import Role  # noqa: E402
from tests.conftest import free_port, start_server  # noqa: E402
from tests.e2e.conftest import write_models  # noqa: E402

NOTE = (
    "Compte rendu de l'entretien du 12 mars avec Mme Fatou DIALLO, née le 04/07/1988, "
    "domiciliée 12 bis rue des Lilas, 93200 Saint-Denis (tél. 06 12 34 56 78). Elle élève seule "
    "ses deux enfants, Moussa (7 ans) et Aïcha (4 ans). Numéro allocataire CAF : 2276391. "
    "Elle souhaite reprendre une formation d'aide-soignante ; un rendez-vous est prévu avec "
    "sa conseillère France Travail. Peux-tu mettre ces notes au propre en un paragraphe ?"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def body_for(i: int, vary: bool) -> dict:
    """A request; with ``vary`` each note differs, so the analysis cache cannot answer (every
    request pays for a full redaction, as a new message does in real use)."""
    note = f"{NOTE} (réf. interne {i})" if vary else NOTE
    return {"model": "echo", "messages": [{"role": "user", "content": note}]}


async def load(urls: list[str], headers: dict[str, str], vary: bool, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:

        counter = iter(range(10**9))

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                i = next(counter)
                response = await client.post(urls[i % len(urls)], headers=headers, json=body_for(i, vary))
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1
                    if errors == 1:
                        print(f"first error: HTTP {response.status_code} {error_code(response.text)}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "n": len(latencies), "errors": errors, "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99) if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11",
                        help="shared Redis when --replicas > 1 (its database is flushed)")
    parser.add_argument("--cached", action="store_true",
                        help="send the same note every time (analysis-cache hits)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        up_port, gw_port = free_port(), free_port()
        upstream = start_server([str(ROOT / "tests/e2e/fake_upstream.py"), "--port", str(up_port)],
                                {}, state / "upstream.log", "/_state", up_port)
        write_models(state / "models.yaml", upstream.base)
        key, record = mint_key("bench", "bench", Role.STAFF)
        shared = args.replicas > 1
        if shared:
            redis.Redis.from_url(args.redis).flushdb()
            RedisKeyStore(args.redis).put(record)
        else:
            FileKeyStore(state / "gw0" / "keys.json").put(record)
        write_unlimited_policy(state / "policies", "bench")
        gateways = []
        for i in range(args.replicas):
            port = gw_port if i == 0 else free_port()
            env = {"GARDEFOU_STATE_DIR": str(state / f"gw{i}"),
                   "GARDEFOU_MODELS_FILE": str(state / "models.yaml"),
                   "GARDEFOU_POLICIES_DIR": str(state / "policies"),
                   "GARDEFOU_PORT": str(port), "GARDEFOU_LOG_LEVEL": "warning",
                   "GARDEFOU_WORKERS": str(args.workers),
                   **({"GARDEFOU_REDIS_URL": args.redis, "GARDEFOU_WORKER_SALT": "bench"} if shared else {})}
            gateways.append(start_server(["-m", "gateway.cli", "serve"], env,
                                         state / f"gateway{i}.log", "/readyz", port))
        try:
            vary = not args.cached
            targets = {
                "direct": ([upstream.base + "/v1/chat/completions"], {}),
                "gateway": ([g.base + "/v1/chat/completions" for g in gateways],
                            {"Authorization": f"Bearer {key}"}),
            }
            asyncio.run(load(targets["gateway"][0], targets["gateway"][1], vary, 4, 2))  # warm-up
            results: dict[tuple[str, int], list[dict]] = {}
            for round_ in range(args.rounds):
                for concurrency in args.concurrency:
                    order = list(targets) if round_ % 2 == 0 else list(reversed(targets))
                    for name in order:
                        url, headers = targets[name]
                        results.setdefault((name, concurrency), []).append(
                            asyncio.run(load(url, headers, vary, concurrency, args.seconds)))
        finally:
            for gateway in gateways:
                gateway.stop()
            upstream.stop()

    print(f"note: {len(NOTE)} characters, {'the same note' if args.cached else 'a different note'} "
          f"each request, {args.replicas} replica(s) of {args.workers} worker(s), "
          f"{args.rounds} interleaved rounds of "
          f"{args.seconds:.0f} s\n")
    print("| concurrency | target | requests | errors | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for concurrency in args.concurrency:
        merged = {}
        for name in ("direct", "gateway"):
            runs = results[(name, concurrency)]
            merged[name] = {
                "n": sum(r["n"] for r in runs), "errors": sum(r["errors"] for r in runs),
                "rps": statistics.mean(r["rps"] for r in runs),
                "p50": statistics.median(r["p50"] for r in runs),
                "p99": statistics.median(r["p99"] for r in runs),
            }
        for name, r in merged.items():
            added = ("", "") if name == "direct" else (
                f"{r['p50'] - merged['direct']['p50']:.1f}", f"{r['p99'] - merged['direct']['p99']:.1f}")
            print(f"| {concurrency} | {name} | {r['n']} | {r['errors']} | {r['rps']:.1f} | "
                  f"{r['p50']:.1f} | {r['p99']:.1f} | {added[0]} | {added[1]} |")
        summary[concurrency] = merged
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"overhead-{args.replicas}x{args.workers}.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
