"""``gardefou export`` refuses a research threshold below 11 and says so."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_a_k_below_the_floor_is_refused_not_raised(tmp_path) -> None:
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export", "--from", "2026-01", "--to", "2026-01",
         "--k", "5"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert "--k 5 est refusé" in result.stderr and "11 personnes" in result.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export", "--from", "2026-01", "--to", "2026-01",
         "--k", "12"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and f"dossier d'état : {tmp_path}" in ok.stderr
