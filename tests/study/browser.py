"""The study report in headless Debian chromium, and the screenshots of it.

``python -m tests.study.browser --out /work/wt/18-shots`` simulates the fifty-organisation
study, serves the collector on 127.0.0.1 and saves screenshots of the report page, the
codebook and the self-contained report file.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from gateway.study.report import self_contained
from tests.dashboard.browser import console_errors, png_stats, run_chromium
from tests.study.conftest import simulate_and_push


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for study in simulate_and_push(Path(tmp)):
            offline = Path(tmp) / "rapport.html"
            offline.write_bytes(self_contained(study.settings.publications_dir))
            shots = {"rapport.png": (study.base + "/rapport", "1400,4000"),
                     "rapport-haut.png": (study.base + "/rapport", "1400,1800"),
                     "codebook.png": (study.base + "/rapport/codebook", "1280,1800"),
                     "rapport-hors-ligne.png": (offline.as_uri(), "1400,4000")}
            for name, (url, size) in shots.items():
                result = run_chromium(url, screenshot=args.out / name, size=size)
                print(args.out / name, png_stats(args.out / name), "errors:",
                      console_errors(result.console), "NaN" in result.dom)


if __name__ == "__main__":
    main()
