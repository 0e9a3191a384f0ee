"""The staff guide in headless Debian chromium: rendered, no console error, nothing
fetched from elsewhere, pixels present."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dashboard.browser import chromium, console_errors, png_stats, run_chromium, serve

pytestmark = pytest.mark.skipif(chromium() is None, reason="apt-get install -y chromium")


def test_the_guide_renders_offline(tmp_path: Path) -> None:
    with serve(tmp_path / "state", "2025-03") as server:
        shot = tmp_path / "guide.png"
        result = run_chromium(f"{server.base}/guide", screenshot=shot, size="1024,1800")
    assert console_errors(result.console) == []
    assert '<main id="guide">' in result.dom
    for anchor in ("jamais", "masquage", "hallucinations", "biais", "decisions", "cas"):
        assert f'id="{anchor}"' in result.dom
    assert "toeslagenaffaire" in result.dom and "CNAF" in result.dom
    assert not re.search(r"""(src|href)=["']https?://""", result.dom)
    width, height, colours = png_stats(shot)
    assert (width, height) == (1024, 1800) and colours > 5
