"""``gardefou policy check|explain|test|schema`` and ``gardefou classify``.

Heavy imports (spaCy through the redactor) happen inside the command functions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``policy`` family and the ``classify`` command."""
    policy = subparsers.add_parser("policy", help="check, explain and test policy files")
    sub = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")

    check = sub.add_parser("check", help="validate policy files (schema + lint)")
    check.add_argument("paths", nargs="*", type=Path,
                       help="files or directories (default: the policies directory)")
    check.add_argument("--models", type=Path, help="models file, to check model names")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.set_defaults(func=run_check)

    explain = sub.add_parser("explain", help="how a prompt would be handled")
    explain.add_argument("--org", required=True)
    explain.add_argument("--role", default="staff", choices=["staff", "admin", "manager",
                                                             "researcher"])
    explain.add_argument("--model", help="model the client asks for")
    explain.add_argument("--policies", type=Path, help="policies directory")
    explain.add_argument("--models", type=Path, help="models file")
    explain.add_argument("--no-redaction", action="store_true",
                         help="skip redaction (fictitious prompts only)")
    explain.add_argument("prompt")
    explain.set_defaults(func=run_explain)

    test = sub.add_parser("test", help="run the tests: written inside policy files")
    test.add_argument("paths", nargs="*", type=Path)
    test.set_defaults(func=run_test)

    schema = sub.add_parser("schema", help="write policies/schema.json")
    schema.add_argument("--out", type=Path)
    schema.set_defaults(func=run_schema)

    classify = subparsers.add_parser("classify", help="classify a JSONL of prompts")
    classify.add_argument("--in", dest="input", required=True, type=Path)
    classify.add_argument("--out", dest="output", required=True, type=Path)
    classify.add_argument("--org", default="default")
    classify.add_argument("--policies", type=Path, help="policies directory")
    # Redacted by default: the gateway classifies the redacted text, and a raw name or date
    # can change the decision (« le bailleur de M. Martin » is not « <PERSONNE_1> »).
    classify.add_argument("--redact", action=argparse.BooleanOptionalAction, default=True,
                          help="redact prompts first, as the gateway does (default; loads "
                          "spaCy); --no-redact classifies the raw text (faster, for corpora "
                          "already redacted)")
    classify.set_defaults(func=run_classify)


def _policy_files(paths: list[Path]) -> list[Path]:
    from gateway.policy.store import DEFAULT_POLICY_PATH

    if not paths:
        from gateway.settings import load_settings

        directory = load_settings().policies_dir
        paths = [directory] if directory else [DEFAULT_POLICY_PATH]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            files.append(p)
    return files


def run_check(args: argparse.Namespace) -> int:
    """Validate each file and lint it; exit 1 on any error (or warning with --strict)."""
    from gateway.catalog import load_catalog
    from gateway.errors import ConfigError
    from gateway.policy.lint import lint
    from gateway.policy.store import load_policy_file

    catalog = load_catalog(args.models) if args.models else None
    failed = False
    for path in _policy_files(args.paths):
        try:
            loaded = load_policy_file(path)
        except ConfigError as exc:
            print(exc.message)
            failed = True
            continue
        findings = lint(loaded, catalog)
        for f in findings:
            print(f"{path}: {f}")
        bad = [f for f in findings if f.level == "error" or args.strict]
        failed |= bool(bad)
        if not bad:
            print(f"{path}: ok (org {loaded.org}, revision {loaded.revision[:12]})")
    return 1 if failed else 0


def run_explain(args: argparse.Namespace) -> int:
    """Print, as JSON, what the gateway would do with the prompt."""
    from gateway.catalog import load_catalog
    from gateway.policy.explain import explain
    from gateway.policy.store import PolicyStore
    from gateway.settings import load_settings
    from gateway.types import Role

    settings = load_settings()
    store = PolicyStore(args.policies or settings.policies_dir)
    catalog = load_catalog(args.models or settings.models_file)
    redactor = None
    if not args.no_redaction:
        from gateway.redaction import build_redactor

        redactor = build_redactor()
    report = asyncio.run(explain(store.get(args.org), args.prompt, catalog, redactor=redactor,
                                 role=Role(args.role), model=args.model))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Run every file's ``tests:``; exit 1 if one fails."""
    from gateway.errors import ConfigError
    from gateway.policy.explain import run_policy_tests
    from gateway.policy.store import load_policy_file

    failures = total = 0
    for path in _policy_files(args.paths):
        try:
            loaded = load_policy_file(path)
        except ConfigError as exc:
            print(exc.message)
            failures += 1
            continue
        for outcome in run_policy_tests(loaded):
            total += 1
            if not outcome.ok:
                failures += 1
                print(f"FAIL {path.name} tests.{outcome.index}: expected {outcome.expected}, "
                      f"got {outcome.got}")
    print(f"{total - failures}/{total} policy tests passed")
    return 1 if failures else 0


def run_schema(args: argparse.Namespace) -> int:
    from gateway.policy.schema import main

    return main([str(args.out)] if args.out else [])


def run_classify(args: argparse.Namespace) -> int:
    """Classify each ``{"id", "text"}`` line; write ``{"id", "use", "forbidden", "action"}``
    (the format of eval/uses; ``remind`` and ``log`` answer, so they count as ``allow``)
    with the graded ``band``, its ``concern`` and ``score``, and print latency percentiles
    and the share of each band to stderr."""
    from gateway.policy.classify import classify
    from gateway.policy.store import PolicyStore

    loaded = PolicyStore(args.policies).get(args.org)
    redactor = None
    if args.redact:
        from gateway.redaction import build_redactor

        redactor = build_redactor()
    from gateway.policy.explain import redact_prompt

    times: list[float] = []
    bands: list[str] = []
    with args.input.open(encoding="utf-8") as src, args.output.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            row = json.loads(line)
            text, _ = redact_prompt(loaded, row["text"], redactor)
            start = time.perf_counter()
            c = classify(loaded.policy, [{"role": "user", "content": text}])
            times.append(time.perf_counter() - start)
            bands.append(c.band)
            out = {"id": row["id"], "use": c.use, "forbidden": c.forbidden,
                   "action": "block" if c.forbidden else "allow",
                   "band": c.band, "concern": c.concern, "score": round(c.score, 3)}
            dst.write(json.dumps(out, ensure_ascii=False) + "\n")
    if bands:
        shares = ", ".join(f"{b} {bands.count(b) / len(bands):.1%}"
                           for b in ("block", "remind", "log", "allow") if b in bands)
        print(f"bands: {shares}", file=sys.stderr)
    if times:
        times.sort()
        p50 = times[len(times) // 2] * 1000
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))] * 1000
        print(f"{len(times)} prompts classified -> {args.output}; classification latency "
              f"p50 {p50:.2f} ms, p95 {p95:.2f} ms", file=sys.stderr)
    return 0
