"""``gardefou study``: the study collector (serve, join, leave, ingest, publish, report)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``study`` command family."""
    study = subparsers.add_parser(
        "study", help="the study collector: gathers organisations' research exports",
        description="Settings: GARDEFOU_STUDY_* (docs/study.md). Needs gardefou[research].")
    sub = study.add_subparsers(dest="study_command", required=True)
    serve = sub.add_parser("serve", help="run the collector (intake, public report)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=run_serve)
    join = sub.add_parser("join", help="register an organisation; prints its push token once")
    join.add_argument("org")
    join.add_argument("--secteur", required=True)
    join.add_argument("--taille", required=True)
    join.add_argument("--region", required=True)
    join.add_argument("--k", type=int, default=11, help="the organisation's research threshold")
    join.set_defaults(func=run_join)
    leave = sub.add_parser("leave", help="remove an organisation: token revoked, its stored "
                           "exports deleted (publications already made stay)")
    leave.add_argument("org")
    leave.set_defaults(func=run_leave)
    ingest = sub.add_parser("ingest", help="operator drop-in: check and store export files")
    ingest.add_argument("org", help="the organisation the files belong to")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.set_defaults(func=run_ingest)
    pub = sub.add_parser("publish", help="publish a closed month (final: later exports of "
                         "that month are refused)")
    pub.add_argument("--month", required=True, metavar="YYYY-MM")
    pub.add_argument("--epsilon", type=float, help="OpenDP noise on worker counts (ledger)")
    pub.set_defaults(func=run_publish)
    purge = sub.add_parser("purge", help="delete organisations' exports older than "
                           "GARDEFOU_STUDY_RETENTION_MONTHS (publications stay)")
    purge.set_defaults(func=run_purge)
    rep = sub.add_parser("report", help="write the public report as one self-contained HTML file")
    rep.add_argument("-o", "--output", type=Path, required=True)
    rep.set_defaults(func=run_report)


def _settings(**overrides: Any) -> Any:
    from gateway.study import ExtraMissing, require_extra
    from gateway.study.settings import load_study_settings

    try:
        require_extra()
    except ExtraMissing as exc:
        print(f"gardefou: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return load_study_settings(**{k: v for k, v in overrides.items() if v is not None})


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.study.app import create_study_app

    settings = _settings(host=args.host, port=args.port)
    uvicorn.run(create_study_app(settings), host=settings.host, port=settings.port,
                log_level="warning")
    return 0


def run_join(args: argparse.Namespace) -> int:
    from gateway.study.members import MemberError, join

    settings = _settings()
    try:
        token = join(settings.members_file, args.org, args.secteur, args.taille, args.region,
                     args.k)
    except MemberError as exc:
        print(f"gardefou: {exc}", file=sys.stderr)
        return 2
    print(f"organisation {args.org} inscrite. Jeton (affiché une seule fois, à transmettre "
          f"par un canal sûr ; côté passerelle : GARDEFOU_RESEARCH_PUSH_TOKEN) :\n{token}")
    return 0


def run_leave(args: argparse.Namespace) -> int:
    from gateway.study import members, store

    settings = _settings()
    known = members.leave(settings.members_file, args.org)
    removed = store.delete_org(settings.cells_dir, args.org)
    if not known and not removed:
        print("gardefou: organisation inconnue", file=sys.stderr)
        return 2
    print(f"organisation {args.org} retirée : jeton révoqué, {removed} mois d'export supprimés")
    return 0


def run_ingest(args: argparse.Namespace) -> int:
    from gateway.study import members
    from gateway.study.ingest import ingest
    from gateway.study.validate import ExportRefused

    settings = _settings()
    member = members.load(settings.members_file).get(args.org)
    if member is None:
        print("gardefou: organisation inconnue (gardefou study join d'abord)", file=sys.stderr)
        return 2
    status = 0
    for path in args.files:
        try:
            export = ingest(settings, path.read_bytes(), member)
        except ExportRefused as exc:
            print(f"gardefou: {path.name} refusé : {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{path.name} : {', '.join(export.months)} rangés ({len(export.rows)} lignes)")
    return status


def run_publish(args: argparse.Namespace) -> int:
    from gateway.study.ingest import publish_month
    from gateway.study.publish import AlreadyPublished, StudyBudgetExhausted
    from gateway.usage.periods import is_closed

    settings = _settings()
    if not is_closed(args.month):
        print("gardefou: ce mois n'est pas clos", file=sys.stderr)
        return 2
    try:
        pub = publish_month(settings, args.month, args.epsilon)
    except (AlreadyPublished, StudyBudgetExhausted, ValueError) as exc:
        print(f"gardefou: {exc}", file=sys.stderr)
        return 2
    cells = pub["cellules"]
    hidden = sum(c["masque"] for c in cells)
    print(f"{args.month} publié : {pub['participation']['organisations']} organisations, "
          f"{len(cells) - hidden} cellules publiées, {hidden} masquées")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from gateway.study.report import self_contained

    settings = _settings()
    args.output.write_bytes(self_contained(settings.publications_dir))
    print(f"wrote {args.output}")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from gateway.study import store
    from gateway.usage.periods import month_of, previous

    settings = _settings()
    cutoff = month_of(datetime.now(UTC))
    for _ in range(settings.retention_months):
        cutoff = previous(cutoff)
    removed = store.purge_before(settings.cells_dir, cutoff)
    print(f"{removed} organisation-mois antérieurs à {cutoff} supprimés")
    return 0
