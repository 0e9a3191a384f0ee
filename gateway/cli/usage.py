"""``gardefou export`` (research export) and ``gardefou usage simulate`` (a demo month)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``export`` and ``usage`` commands."""
    export = subparsers.add_parser(
        "export", help="research export: monthly aggregates, k-anonymised (k >= 11)",
        description="Aggregates only, per month and organisation; cells under k distinct "
        "workers are hidden with complementary suppression. See docs/data-dictionary.md.",
    )
    export.add_argument("--from", dest="start", required=True, metavar="YYYY-MM",
                        help="first month (YYYY-MM or a date in it)")
    export.add_argument("--to", dest="end", required=True, metavar="YYYY-MM",
                        help="last month, inclusive (YYYY-MM or a date in it)")
    export.add_argument("--format", choices=("csv", "jsonl", "parquet"), default="csv",
                        help="parquet needs the optional extra gardefou[research]")
    export.add_argument("--org", action="append", help="organisation (repeatable; default all)")
    export.add_argument("--k", type=int, default=11, help="threshold, never below 11")
    export.add_argument("--epsilon", type=float, default=None,
                        help="add OpenDP noise to distinct-worker counts, ε per org-month")
    export.add_argument("-o", "--output", type=Path, help="file to write (default stdout)")
    export.set_defaults(func=run_export)

    usage = subparsers.add_parser("usage", help="usage data tools")
    sub = usage.add_subparsers(dest="usage_command", required=True)
    sim = sub.add_parser("simulate", help="record a simulated month of traffic (demo, tests)")
    sim.add_argument("--month", required=True, metavar="YYYY-MM")
    sim.add_argument("--org", default="asso-demo")
    sim.add_argument("--seed", type=int, default=7)
    sim.set_defaults(func=run_simulate)


def _store(settings: Any) -> Any:
    if settings.redis_url:
        from gateway.usage.store_redis import RedisUsageStore

        return RedisUsageStore(settings.redis_url)
    from gateway.usage.store_sqlite import SQLiteUsageStore

    return SQLiteUsageStore(settings.usage_path)


def run_export(args: argparse.Namespace) -> int:
    from gateway.errors import ConfigError
    from gateway.settings import load_settings
    from gateway.usage.export import ExportOptions, metadata, render, research_rows
    from gateway.usage.report import Period

    try:
        period = Period.parse(args.start[:7], args.end[:7])
    except ValueError as exc:
        raise ConfigError(f"invalid period: {exc}") from exc
    options = ExportOptions(k=args.k, epsilon=args.epsilon)

    async def build() -> bytes:
        store = _store(load_settings())
        try:
            orgs = args.org or await store.orgs()
            rows = await research_rows(store, orgs, period, options)
            return render(rows, args.format, metadata(period, options, rows))
        finally:
            await store.aclose()

    try:
        body = asyncio.run(build())
    except RuntimeError as exc:  # optional extra missing (pyarrow, opendp)
        print(f"gardefou: {exc}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_bytes(body)
        print(f"wrote {args.output} ({len(body)} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from gateway.settings import load_settings
    from gateway.usage.pseudonym import load_salt
    from gateway.usage.recorder import UsageRecorder, impact_for
    from gateway.usage.simulate import MODELS, month_of_traffic

    settings = load_settings()

    async def go() -> int:
        # The simulated models are not in the gateway's catalog: estimate impact from them.
        recorder = UsageRecorder(
            _store(settings), load_salt(settings.worker_salt, settings.state_dir),
            impact=impact_for({m.name: m for m in MODELS}.get),
        )
        n = 0
        for item in month_of_traffic(args.month, org=args.org, seed=args.seed):
            await recorder.record(item.event, item.principal)
            n += 1
        await recorder.aclose()
        return n

    print(f"recorded {asyncio.run(go())} simulated requests for {args.org} in {args.month}")
    return 0
