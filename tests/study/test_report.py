"""The public report: JSON twins, CSV downloads, and the page in headless chromium."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest

from gateway.study.report import self_contained
from tests.dashboard.browser import chromium, console_errors, png_stats, run_chromium
from tests.study.conftest import MONTHS, Study

CHARTS = ("usages_secteur_mois", "blocages_regle", "masquages_type", "hebergement_mois",
          "energie_mois", "emissions_mois", "participation_secteur")


def _get(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - 127.0.0.1
        return r.status, r.read(), r.headers.get("content-type", "")


def test_every_chart_has_a_json_twin_with_published_figures_only(study: Study) -> None:
    _, body, _ = _get(study.base + "/rapport/api/rapport.json")
    data = json.loads(body)
    assert data["mois_publies"] == list(MONTHS)
    published = {(c["mois"], c["secteur"], c["dimension"], c["valeur"]): c
                 for pub in study.publications.values() for c in pub["cellules"]}
    for chart in data["graphiques"]:
        _, twin, _ = _get(f"{study.base}/rapport/api/graphiques/{chart['id']}.json")
        assert json.loads(twin)["series"] == chart["series"]
        for serie in chart["series"]:
            for value in serie["valeurs"]:
                assert value is None or value == value  # null for hidden, never NaN
    heb = next(g for g in data["graphiques"] if g["id"] == "hebergement_mois")
    for serie in heb["series"]:
        for month, value in zip(heb["categories"], serie["valeurs"], strict=True):
            cell = published[(month, "ensemble", "hebergement", serie["nom"])]
            assert value == (None if cell["masque"] else cell["nombre"])
    assert not any(org in body.decode() for org in study.profiles)


def test_published_tables_download_as_csv(study: Study) -> None:
    status, body, ctype = _get(study.base + "/rapport/tables/cellules.csv")
    assert status == 200 and ctype.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == sum(len(p["cellules"]) for p in study.publications.values())
    for row in rows:
        if row["masque"] == "1":
            assert row["nombre"] == row["utilisateurs"] == row["organisations"] == ""
        else:
            assert int(row["organisations"]) >= 3 and int(row["utilisateurs"]) >= 11
    _, part, _ = _get(study.base + "/rapport/tables/participation.csv")
    assert part.decode().startswith("mois,axe,valeur,organisations")


pytestmark_browser = pytest.mark.skipif(chromium() is None, reason="apt-get install -y chromium")


def _check_page(dom: str, console: str) -> None:
    assert console_errors(console) == []
    assert 'data-state="ready"' in dom, dom[:1500]
    assert "NaN" not in dom and "undefined" not in re.sub(r"<script.*?</script>", "", dom,
                                                         flags=re.DOTALL)
    for chart in CHARTS:
        section = re.search(rf'data-chart="{chart}".*?</section>', dom, re.DOTALL)
        assert section, chart
        assert "<svg" in section.group(0) and "<rect" in section.group(0), chart


@pytestmark_browser
def test_report_page_renders_in_chromium(study: Study, tmp_path: Path) -> None:
    shot = tmp_path / "rapport.png"
    result = run_chromium(study.base + "/rapport", screenshot=shot, size="1200,1200")
    _check_page(result.dom, result.console)
    assert png_stats(shot)[2] > 20  # a blank page has 1–3 colours


@pytestmark_browser
def test_self_contained_report_renders_offline(study: Study, tmp_path: Path) -> None:
    page = tmp_path / "rapport.html"
    page.write_bytes(self_contained(study.settings.publications_dir))
    assert b"http://" not in page.read_bytes().replace(b"http://www.w3.org/2000/svg", b"")
    result = run_chromium(page.as_uri())
    _check_page(result.dom, result.console)
