"""The fresh-note figures of one harness run next to the targets of issue 19 (new text on
every request, so no cache answers): throughput at c=32 against LiteLLM + Presidio and plain
LiteLLM, the latency Garde-fou adds at c=1, p99 at c=32, CPU per request. All ratios come
from the same run. Prints a table; asserts nothing.

    .venv/bin/python bench/fresh_targets.py bench/.anchor/logs/run-…/results.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main(path: Path) -> None:
    scenarios: dict[str, dict[str, Any]] = json.loads(path.read_text())["scenarios"]
    c1, c32 = scenarios.get("fresh/c1"), scenarios.get("fresh/c32")
    if not c1 or not c32 or "gardefou" not in c32:
        print("no fresh scenarios with gardefou in this run")
        return
    gf, presidio, plain = c32["gardefou"], c32["presidio"], c32["plain"]
    added = {t: c1[t]["p50_ms"] - c1["direct"]["p50_ms"] for t in ("gardefou", "presidio", "plain")}
    rows = [
        ("c=32 req/s ≥ 3 × LiteLLM+Presidio",
         f"{gf['rps']:.1f} / {presidio['rps']:.1f} = {gf['rps'] / presidio['rps']:.2f} ×",
         gf["rps"] >= 3 * presidio["rps"]),
        ("c=32 req/s ≥ plain LiteLLM (next mark)",
         f"{gf['rps']:.1f} / {plain['rps']:.1f} = {gf['rps'] / plain['rps']:.2f} ×",
         gf["rps"] >= plain["rps"]),
        ("c=1 added p50 ≤ ⅓ of LiteLLM+Presidio's",
         f"{added['gardefou']:.1f} / {added['presidio']:.1f} ms = "
         f"{added['gardefou'] / added['presidio']:.2f}", added["gardefou"] <= added["presidio"] / 3),
        ("c=32 p99 ≤ plain LiteLLM's", f"{gf['p99_ms']:.0f} vs {plain['p99_ms']:.0f} ms",
         gf["p99_ms"] <= plain["p99_ms"]),
    ]
    print("| issue 19 target (fresh notes) | measured | met |")
    print("|---|---|---|")
    for label, value, met in rows:
        print(f"| {label} | {value} | {'yes' if met else '**no**'} |")
    cpu = {t: c32[t]["gateway_cpu_ms_per_req"] + (c32[t].get("aux_cpu_ms_per_req") or 0)
           for t in ("gardefou", "presidio", "plain")}
    print(f"\nCPU ms per fresh request at c=32 (process trees, guardrail services included): "
          f"Garde-fou {cpu['gardefou']:.1f}, LiteLLM+Presidio {cpu['presidio']:.1f}, "
          f"plain LiteLLM {cpu['plain']:.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
