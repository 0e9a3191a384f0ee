"""``gardefou`` command line: one module per sub-command family, each exposing
``register(subparsers)`` that adds its parsers and sets ``func`` (returns an exit code)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.settings import Settings

# Imported lazily by name so that `gardefou keys list` does not pay for spaCy or litellm.
COMMAND_MODULES: tuple[str, ...] = (
    "gateway.cli.serve",
    "gateway.cli.keys",
    "gateway.cli.redact",
    "gateway.cli.policy",
    "gateway.cli.usage",
    "gateway.cli.compliance",
    "gateway.cli.study",
)


def announce_state(settings: Settings) -> None:
    """Say on stderr which state the command reads or writes (stdout stays for its output):
    a command run with another state directory than the gateway's would otherwise show,
    say, an empty key list without a word."""
    where = f"dossier d'état : {settings.state_dir}"
    if settings.redis_url:
        where += " ; clés et usage dans Redis (GARDEFOU_REDIS_URL)"
    print(f"# {where}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gardefou",
        description="Garde-fou: LLM gateway for social-work organisations.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command family not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gardefou`` console script."""
    from gateway.errors import ConfigError
    from gateway.workers.pool import limit_library_threads

    # Before any command imports numpy or the models: one BLAS thread per process, as under
    # `gardefou serve` (the learned NER then uses numpy's OpenBLAS, faster than BLIS here on
    # one thread, slower with OpenBLAS's default pool: see gateway.redaction.learned).
    limit_library_threads()
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, so a closed pipe is caught below, not at interpreter exit
        return code
    except ConfigError as exc:
        print(f"gardefou: {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`gardefou keys create … | head -1`): the command did its
        # work, only the rest of its output is unwanted. Point stdout at /dev/null so the
        # interpreter's final flush does not fail again, and exit normally.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
