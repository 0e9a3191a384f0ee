"""Set-up shared by the bench scripts.

    python bench/common.py policy DIR ORG   # writes DIR/ORG.yaml: the default policy, quotas off
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def error_code(body: str) -> str:
    """The OpenAI error ``code`` of a response body, for bench diagnostics: never print the
    body itself (benchmarks send identifiers)."""
    try:
        return str(json.loads(body)["error"].get("code"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return "?"


def write_unlimited_policy(directory: Path, org: str) -> Path:
    """The default policy for ``org`` with quotas off: a load test sends hundreds of requests
    a second from one key, which the default per-key quota would rightly refuse."""
    policy = yaml.safe_load((ROOT / "policies/default.yaml").read_text(encoding="utf-8"))
    policy["organisation"]["id"] = org
    policy["limits"] = {}
    policy["tests"] = []
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{org}.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "policy":
        sys.exit(__doc__)
    write_unlimited_policy(Path(sys.argv[2]), sys.argv[3])
