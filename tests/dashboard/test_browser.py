"""The dashboard in headless Debian chromium: charts drawn, no console error, pixels present."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.policy.store import DEFAULT_POLICY_PATH, load_policy_file
from tests.dashboard.browser import (
    chromium,
    console_errors,
    page_text,
    png_stats,
    run_chromium,
    serve,
)

pytestmark = pytest.mark.skipif(chromium() is None, reason="apt-get install -y chromium")
# Identifiers a manager must never read: those of the policy (uses, forbidden decisions),
# of hosting, and months written as YYYY-MM.
_POLICY = load_policy_file(DEFAULT_POLICY_PATH).policy
RAW_IDS = (*(u.id for u in _POLICY.uses), *(f.id for f in _POLICY.forbidden),
           "self_hosted", "non_eu", "non_classe")


def assert_reads_well(text: str) -> None:
    """No NaN, no undefined, no identifier in what the page shows."""
    for bad in ("NaN", "undefined", "null", *RAW_IDS):
        assert bad not in text, (bad, text)
    assert not re.search(r"\b20\d\d-\d\d\b", text), text


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
    text = page_text(result.dom)
    assert_reads_well(text)
    assert "Synthèse et rapports de situation" in text and "mars 2025" in text
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


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A fresh ``gardefou serve --demo`` install: no usage recorded at all."""
    with serve(tmp_path_factory.mktemp("fresh"), None) as server:
        yield server


def test_a_fresh_install_says_when_figures_come_and_why(fresh) -> None:
    result = run_chromium(f"{fresh.base}/dashboard#cle={fresh.other_org_key}")
    assert console_errors(result.console) == []
    assert 'data-state="ready"' in result.dom, result.dom[:2000]
    text = page_text(result.dom)
    assert_reads_well(text)
    assert "Quand les premiers chiffres apparaîtront-ils ?" in text
    assert "Prochaine publication : le mois de" in text
    assert "k-anonymat" in text and "trois jours après sa fin" in text
    assert re.search(r'id="simulation"[^>]*hidden', result.dom)  # real data, not an example


def test_the_demo_organisation_shows_a_labelled_simulated_month(fresh) -> None:
    result = run_chromium(f"{fresh.base}/dashboard#cle={fresh.manager_key}")
    assert console_errors(result.console) == []
    assert 'data-state="ready"' in result.dom, result.dom[:2000]
    text = page_text(result.dom)
    assert_reads_well(text)
    assert not re.search(r'id="simulation"[^>]*hidden', result.dom)
    assert "Exemple simulé." in text and text.count("exemple simulé") >= 10  # every chart
    assert "Wh" in text and "<rect" in result.dom
    assert "Traduction" in text and "Auto-hébergé" in text
