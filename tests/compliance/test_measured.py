"""The figures quoted by the DPIA are the ones published in docs/redaction.md."""

from __future__ import annotations

from pathlib import Path

from gateway.compliance import measured
from gateway.compliance.facts import ALL_LABELS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "redaction.md").read_text(encoding="utf-8")


def test_per_label_rows_match_the_published_table() -> None:
    for row in measured.PER_LABEL:
        assert f"| {row.label} | {row.gold} | {row.caught} | {row.recall} |" in DOC, row


def test_overall_figures_match() -> None:
    assert f"**{measured.DEV_GOLD}** | **{measured.DEV_CAUGHT}** | **{measured.DEV_RECALL}**" in DOC
    assert (f"Precision {measured.DEV_PRECISION} ({measured.DEV_FALSE_POSITIVES} false "
            f"positives out of {measured.DEV_SPANS} spans)") in DOC
    assert f"fully clean documents {measured.DEV_CLEAN_DOCS}" in DOC
    assert f"({measured.DEV_CLEAN_COUNT})" in DOC
    assert f"leaked characters {measured.DEV_LEAKED_CHARS}" in DOC
    assert f"recall {measured.HELDOUT_RECALL} ({measured.HELDOUT_COUNT})" in DOC
    assert f"{measured.HELDOUT_DOCS} documents written apart" in DOC
    assert f"recall {measured.STOCK_PRESIDIO_RECALL}" in DOC


def test_known_limits_are_the_published_ones() -> None:
    for example in ("Le petit Timéo", "Prince doit", "à Nancy", "`name` field", "Cedex"):
        assert example in DOC


def test_label_names_cover_every_redaction_label() -> None:
    from gateway.redaction.settings import ALL_LABELS as REDACTOR_LABELS

    assert ALL_LABELS == REDACTOR_LABELS


def test_the_staff_guide_quotes_the_measured_recall() -> None:
    guide = (Path(__file__).resolve().parents[2] / "gateway" / "guide" / "guide.html").read_text(
        encoding="utf-8")
    percent = f"{float(measured.DEV_RECALL) * 100:.1f}".replace(".", ",")
    assert f"{percent} % des identifiants sont masqués" in guide
    assert f"Sur {measured.DEV_SET.split()[0]} documents de test" in guide.replace("\n", " ")
