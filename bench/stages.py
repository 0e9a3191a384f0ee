"""CPU milliseconds per request for each pipeline stage, in-process, on the 1,500-character
French note of the LiteLLM harness (or --prompt FILE). Uses the real stage functions and a
real HTTP upstream (the fake OpenAI-compatible server of the tests). Prints a table; asserts
nothing.

    .venv/bin/python bench/stages.py [--n 200] [--prompt FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PROMPT = ROOT.parent / "shared/bench/litellm-anchor/prompt_fr.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--prompt", type=Path, default=DEFAULT_PROMPT)
    args = parser.parse_args()
    from gateway.workers.pool import limit_library_threads

    limit_library_threads()  # one BLAS thread, as in `gardefou serve`'s processes
    asyncio.run(run(args.n, args.prompt.read_text(encoding="utf-8")))


async def run(n: int, prompt: str) -> None:
    from gateway.catalog import Catalog, ModelSpec
    from gateway.policy import PolicyStore, evaluate, redaction_settings
    from gateway.redaction import (
        build_redactor,
        memory_cache,
        redact_conversation,
        reidentify_message,
    )
    from gateway.settings import load_settings
    from gateway.types import Principal, Role
    from gateway.upstream import Upstream
    from gateway.usage import build_event, build_usage
    from tests.conftest import free_port, start_server

    started = time.perf_counter()
    redactor = build_redactor(cache=memory_cache(max_entries=1))  # no cache hits: worst case
    startup_s = time.perf_counter() - started
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        upstream_server = start_server([str(ROOT / "tests/e2e/fake_upstream.py"), "--port", str(port)],
                                       {}, Path(tmp) / "up.log", "/_state", port)
        try:
            spec = ModelSpec(name="echo", litellm_model="openai/echo", api_base=upstream_server.base + "/v1",
                             hosting="eu", retention="zero")
            # the same server through litellm, to show what the direct path saves
            via_litellm = spec.model_copy(update={"name": "echo-litellm", "transport": "litellm"})
            catalog = Catalog(models=(spec, via_litellm))
            upstream = Upstream(catalog)
            policies = PolicyStore(None)
            policy = policies.get("bench")
            settings = redaction_settings(policy)
            usage = build_usage(load_settings(state_dir=Path(tmp)))
            principal = Principal("bench", "bench", Role.STAFF, "benchkey0000")
            costs: dict[str, list[float]] = {k: [] for k in
                                             ("redaction", "policy", "upstream (direct)", "reidentify", "usage",
                                              "upstream via litellm (not in total)")}
            for i in range(n + 10):
                messages = [{"role": "user", "content": prompt + f" ({i})"}]  # defeat the cache
                t = time.process_time()
                redaction = redact_conversation(messages, redactor, settings)
                t1 = time.process_time()
                decision = await evaluate(policy, principal, spec, redaction.messages, catalog)
                t2 = time.process_time()
                _, body = await upstream.complete([spec], redaction.messages, {})
                t3 = time.process_time()
                reidentify_message(body["choices"][0]["message"], redaction.mapping)
                t4 = time.process_time()
                await usage.record(build_event(
                    principal=principal, decision=decision, model=spec,
                    redaction_counts=redaction.counts, prompt_tokens=400, completion_tokens=400,
                    latency_s=0.01, ttft_s=None, action="allow"), principal)
                t5 = time.process_time()
                await upstream.complete([via_litellm], redaction.messages, {})
                t6 = time.process_time()
                if i >= 10:  # warm-up excluded
                    spent = (t1 - t, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)
                    for key, value in zip(costs, spent, strict=True):
                        costs[key].append(value * 1000)
            await usage.aclose()
            await upstream.aclose()
        finally:
            upstream_server.stop()
    print(f"prompt: {len(prompt)} characters; {n} requests; redactor start-up {startup_s:.1f} s\n")
    print("| stage | CPU ms p50 | CPU ms mean |")
    print("|---|---:|---:|")
    total = 0.0
    for key, values in costs.items():
        if "not in total" not in key:
            total += statistics.mean(values)
        print(f"| {key} | {statistics.median(values):.2f} | {statistics.mean(values):.2f} |")
    print(f"| **total** | | {total:.2f} |")


if __name__ == "__main__":
    main()
