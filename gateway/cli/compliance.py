"""``gardefou compliance build``: the compliance kit of one organisation."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``compliance`` family."""
    parser = subparsers.add_parser("compliance", help="compliance documents (DPIA, notices…)")
    sub = parser.add_subparsers(dest="compliance_command", required=True, metavar="ACTION")
    build = sub.add_parser("build", help="generate the kit from the policy and models files")
    build.add_argument("--org", required=True, help="organisation id")
    build.add_argument("--out", required=True, type=Path, help="output directory")
    build.add_argument("--country", choices=["fr", "be", "ch"],
                       help="legal variant (default: the policy's compliance.country)")
    build.add_argument("--policies", type=Path, help="policies directory (or one file)")
    build.add_argument("--models", type=Path, help="models file")
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    """Write the documents and print their paths."""
    from gateway.catalog import load_catalog
    from gateway.compliance import build_kit, gather
    from gateway.policy.store import PolicyStore, load_policy_file
    from gateway.settings import load_settings

    settings = load_settings()
    source = args.policies or settings.policies_dir
    if source is not None and source.is_file():
        loaded = load_policy_file(source)
    else:
        loaded = PolicyStore(source).get(args.org)
    catalog = load_catalog(args.models or settings.models_file)
    facts, deployment = gather(loaded, catalog, settings, org=args.org, country=args.country)
    for path in build_kit(facts, deployment, args.out):
        print(path)
    return 0
