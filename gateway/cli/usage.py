"""``gardefou export`` (research export) and ``gardefou usage simulate`` (a demo month)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from gateway.cli import announce_state

# The research export's floor (DOMAIN.md): below it a cell could single out a worker.
RESEARCH_K_FLOOR = 11


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
                        help="parquet needs the optional extra: pip install -e '.[research]' "
                        "in a checkout, pip install 'gardefou[research]' otherwise")
    export.add_argument("--org", action="append", help="organisation (repeatable; default all)")
    export.add_argument("--k", type=int, default=RESEARCH_K_FLOOR,
                        help=f"threshold (distinct workers per cell); at least {RESEARCH_K_FLOOR}, "
                        "a lower value is refused")
    export.add_argument("--epsilon", type=float, default=None,
                        help="publish OpenDP-noised distinct-worker counts instead of exact "
                        "ones; ε per org-month, charged to a budget of 3 per org-month")
    export.add_argument("-o", "--output", type=Path, help="file to write (default stdout)")
    export.add_argument("--push", metavar="URL",
                        help="send the export to the study collector (https://…; token from "
                        "GARDEFOU_RESEARCH_PUSH_TOKEN or --token-file)")
    export.add_argument("--token-file", type=Path,
                        help="file holding the organisation's collector token")
    export.set_defaults(func=run_export)

    usage = subparsers.add_parser("usage", help="usage data tools")
    sub = usage.add_subparsers(dest="usage_command", required=True)
    sim = sub.add_parser(
        "simulate", help="record a simulated month of traffic (demo, tests)",
        description="Writes simulated events INTO THE CONFIGURED USAGE STORE (GARDEFOU_REDIS_URL, "
        "else GARDEFOU_USAGE_DB / <state_dir>/usage.sqlite3): point GARDEFOU_STATE_DIR at a "
        "scratch directory. Needs --yes; refused if the organisation already has events "
        "that month.",
    )
    sim.add_argument("--month", metavar="YYYY-MM", help="one month into the usage store")
    sim.add_argument("--org", default="asso-demo")
    sim.add_argument("--organisations", type=int, metavar="N",
                     help="study mode: N organisations of different sizes, sectors and regions, "
                     "written straight as research exports (one CSV per organisation) into "
                     "--out, with organisations.json (profiles); the usage store is untouched")
    sim.add_argument("--from", dest="start", metavar="YYYY-MM", help="study mode: first month")
    sim.add_argument("--to", dest="end", metavar="YYYY-MM", help="study mode: last month")
    sim.add_argument("--out", type=Path, help="study mode: directory for the exports")
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--yes", action="store_true",
                     help="confirm writing simulated events into the configured store")
    sim.set_defaults(func=run_simulate)


def _store(settings: Any) -> Any:
    if settings.redis_url:
        from gateway.usage.store_redis import RedisUsageStore

        return RedisUsageStore(settings.redis_url)
    from gateway.usage.store_sqlite import SQLiteUsageStore

    return SQLiteUsageStore(settings.usage_path)


def _push_token(args: argparse.Namespace, settings: Any) -> str | None:
    if args.token_file:
        return args.token_file.read_text("utf-8").strip() or None
    token: str | None = settings.research_push_token
    return token


def run_export(args: argparse.Namespace) -> int:
    from gateway.errors import ConfigError
    from gateway.settings import load_settings
    from gateway.usage.export import ExportOptions, metadata, render, research_rows
    from gateway.usage.report import Period

    if args.k < RESEARCH_K_FLOOR:
        # Said and refused, not silently raised: the user must know which threshold applies.
        print(f"gardefou : --k {args.k} est refusé : un export de recherche ne montre que des "
              f"cellules d'au moins {RESEARCH_K_FLOOR} personnes distinctes (seuil minimal, "
              "non abaissable). Relancez sans --k, ou avec une valeur plus haute.",
              file=sys.stderr)
        return 2
    try:
        period = Period.parse(args.start[:7], args.end[:7])
    except ValueError as exc:
        raise ConfigError(f"invalid period: {exc}") from exc
    options = ExportOptions(k=args.k, epsilon=args.epsilon)
    settings = load_settings()
    token = None
    if args.push:
        from gateway.usage.push import check_url

        token = _push_token(args, settings)
        if not token:
            print("gardefou: --push needs the organisation's token (GARDEFOU_RESEARCH_PUSH_"
                  "TOKEN or --token-file)", file=sys.stderr)
            return 2
        try:
            check_url(args.push)
        except ValueError as exc:
            print(f"gardefou: {exc}", file=sys.stderr)
            return 2

    settings = load_settings()
    announce_state(settings)

    async def build() -> bytes:
        from gateway.survey.store import build_survey_store

        store = _store(settings)
        survey = build_survey_store(settings)
        try:
            orgs = args.org or await store.orgs()
            rows = await research_rows(store, orgs, period, options, survey=survey)
            return render(rows, args.format, metadata(period, options, rows))
        finally:
            await store.aclose()
            await survey.aclose()

    try:
        body = asyncio.run(build())
    except RuntimeError as exc:  # optional extra missing (pyarrow, opendp)
        print(f"gardefou: {exc}", file=sys.stderr)
        return 2
    if args.push:
        return _send(args.push, token or "", body, args.format)
    if args.output:
        args.output.write_bytes(body)
        print(f"wrote {args.output} ({len(body)} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
    return 0


def _send(url: str, token: str, body: bytes, fmt: str) -> int:
    """Push one export; print the collector's answer (French, counts only)."""
    from gateway.usage.push import push

    try:
        result = push(url, token, body, fmt)
    except OSError as exc:
        print(f"gardefou: collecteur injoignable ({type(exc).__name__})", file=sys.stderr)
        return 1
    if result.status == 201:
        months = result.body.get("mois")
        listed = ", ".join(str(m) for m in months) if isinstance(months, list) else ""
        print(f"export accepté : {result.body.get('organisation')} "
              f"{listed} ({result.body.get('lignes')} lignes)")
        return 0
    error = result.body.get("erreur") or {}
    message = error.get("message") if isinstance(error, dict) else None
    print(f"gardefou: export refusé (HTTP {result.status}) : {message}", file=sys.stderr)
    return 1


def _target(settings: Any) -> str:
    return "Redis (GARDEFOU_REDIS_URL)" if settings.redis_url else str(settings.usage_path)


def run_study_simulation(args: argparse.Namespace) -> int:
    """Study mode of ``usage simulate``: N organisations' exports as files (no store)."""
    import json

    from gateway.usage.export import metadata, org_month_rows, render
    from gateway.usage.report import Period
    from gateway.survey.aggregate import survey_rows
    from gateway.usage.simulate import org_month_aggregates, organisations, survey_answers

    if not (args.start and args.end and args.out):
        print("gardefou: --organisations needs --from, --to and --out", file=sys.stderr)
        return 2
    try:
        period = Period.parse(args.start, args.end)
    except ValueError:
        print("gardefou: --from/--to must be YYYY-MM", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    orgs = organisations(args.organisations, seed=args.seed)
    profiles = {}
    for sim in orgs:
        rows = []
        for month in period.months():
            counters, users = org_month_aggregates(sim, month, args.seed)
            rows += org_month_rows(sim.org, month, counters, users)
            respondents, answers = survey_answers(sim, month, args.seed)
            rows += survey_rows(sim.org, month, respondents, answers, 11)
        (args.out / f"{sim.org}.csv").write_bytes(render(rows, "csv", metadata(period, _opts(), rows)))
        profiles[sim.org] = {"secteur": sim.sector, "taille": sim.size_band,
                             "region": sim.region, "utilisateurs": sim.workers}
    (args.out / "organisations.json").write_text(json.dumps(profiles, indent=1), "utf-8")
    print(f"wrote {len(orgs)} organisations × {len(period.months())} months of exports "
          f"into {args.out}")
    return 0


def _opts() -> Any:
    from gateway.usage.export import ExportOptions

    return ExportOptions()


def run_simulate(args: argparse.Namespace) -> int:
    if args.organisations:
        return run_study_simulation(args)
    if not args.month:
        print("gardefou: --month is required (or --organisations for the study mode)",
              file=sys.stderr)
        return 2
    from gateway.settings import load_settings
    from gateway.usage.pseudonym import EphemeralSecrets
    from gateway.usage.recorder import UsageRecorder, impact_for
    from gateway.usage.report import Period
    from gateway.usage.simulate import MODELS, month_of_traffic

    settings = load_settings()
    announce_state(settings)
    target = _target(settings)
    if not args.yes:
        print(f"gardefou: simulate writes simulated events into the usage store {target}; "
              "they would mix with real usage. Point GARDEFOU_STATE_DIR at a scratch "
              "directory and add --yes.", file=sys.stderr)
        return 2
    try:
        period = Period.parse(args.month, args.month)
    except ValueError:
        print("gardefou: --month must be YYYY-MM", file=sys.stderr)
        return 2

    async def go() -> int:
        store = _store(settings)
        if await store.counters(args.org, period.start, period.end):
            await store.aclose()
            return -1
        # Simulated workers get throwaway secrets (no secret file for a past month), the
        # simulated models are not in the gateway's catalog, and no purge runs.
        recorder = UsageRecorder(
            store, EphemeralSecrets(), impact=impact_for({m.name: m for m in MODELS}.get),
            housekeeping_s=None,
        )
        n = 0
        for item in month_of_traffic(args.month, org=args.org, seed=args.seed):
            await recorder.record(item.event, item.principal)
            n += 1
        await recorder.aclose()
        return n

    n = asyncio.run(go())
    if n < 0:
        print(f"gardefou: {target} already holds events of {args.org} in {args.month}: "
              "refusing to mix simulated traffic with them.", file=sys.stderr)
        return 2
    print(f"recorded {n} simulated requests for {args.org} in {args.month} into {target}")
    return 0
