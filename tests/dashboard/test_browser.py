"""The dashboard in headless Debian chromium: charts drawn, no console error, pixels present."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.browser import chromium, console_errors, png_stats, run_chromium, serve

pytestmark = pytest.mark.skipif(chromium() is None, reason="apt-get install -y chromium")
CARDS = ("adoption", "activite_hebdo", "usages", "blocages", "rappels", "masquages", "modeles",
         "hebergement", "jetons", "impact", "sensibilite")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with serve(tmp_path_factory.mktemp("browser"), "2025-03") as server:
        yield server


def test_dashboard_renders_every_chart(demo, tmp_path: Path) -> None:
    shot = tmp_path / "dashboard.png"
    url = f"{demo.base}/dashboard?from=2025-03&to=2025-03#cle={demo.manager_key}"
    result = run_chromium(url, screenshot=shot)
    assert console_errors(result.console) == []
    assert 'data-state="ready"' in result.dom, result.dom[:2000]
    for card in CARDS:
        section = re.search(rf'data-chart="{card}".*?</section>', result.dom, re.DOTALL)
        assert section, card
        assert "<svg" in section.group(0) and "<rect" in section.group(0), card
    assert "direction" not in re.sub(r"<script.*?</script>", "", result.dom)
    assert demo.manager_key not in result.dom  # the key left the URL and the page
    width, height, colours = png_stats(shot)
    assert (width, height) == (1280, 2200) and colours > 20  # a blank page has 1–3


def test_without_a_key_the_page_asks_for_one(demo) -> None:
    result = run_chromium(f"{demo.base}/dashboard")
    assert console_errors(result.console) == []
    assert re.search(r'<form id="cle-form"(?![^>]*hidden)', result.dom)
    assert "<rect" not in result.dom


def test_a_staff_key_is_refused_in_the_page(demo) -> None:
    result = run_chromium(f"{demo.base}/dashboard#cle={demo.staff_key}")
    assert 'data-state="error"' in result.dom and "manager" in result.dom
