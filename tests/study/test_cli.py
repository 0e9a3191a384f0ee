"""The command line around the collector: `export --push` from a real gateway store over
HTTP, and the operator's `study join / ingest / publish / report / leave`."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main as cli
from gateway.study import store
from gateway.study.settings import StudySettings
from gateway.usage.export import org_month_rows, render
from gateway.usage.simulate import org_month_aggregates, organisations
from tests.study.conftest import serve_study


def test_export_push_sends_a_gateways_closed_month(tmp_path: Path, monkeypatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GARDEFOU_STATE_DIR", str(tmp_path / "passerelle"))
    monkeypatch.setenv("GARDEFOU_STUDY_DATA_DIR", str(tmp_path / "collecteur"))
    assert cli(["usage", "simulate", "--month", "2025-04", "--org", "asso-demo", "--yes"]) == 0
    assert cli(["study", "join", "asso-demo", "--secteur", "handicap", "--taille", "50_a_249",
                "--region", "occitanie"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    (tmp_path / "jeton").write_text(token)
    settings = StudySettings(data_dir=tmp_path / "collecteur")
    for base in serve_study(settings):
        args = ["export", "--from", "2025-04", "--to", "2025-04", "--push", base]
        assert cli([*args, "--token-file", str(tmp_path / "jeton")]) == 0
        assert "export accepté : asso-demo 2025-04" in capsys.readouterr().out
        assert (store.partition(settings.cells_dir, "2025-04", "asso-demo") / store.FILE).exists()
        (tmp_path / "mauvais").write_text("gfs_faux")
        assert cli([*args, "--token-file", str(tmp_path / "mauvais")]) == 1
        assert "Jeton d'organisation absent ou inconnu" in capsys.readouterr().err
        # Plain HTTP to anything but loopback is refused before anything is built or sent.
        assert cli(["export", "--from", "2025-04", "--to", "2025-04", "--push",
                    "http://192.0.2.1:9/", "--token-file", str(tmp_path / "jeton")]) == 2
        assert "https://" in capsys.readouterr().err


def test_operator_join_ingest_publish_report_leave(tmp_path: Path, monkeypatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GARDEFOU_STUDY_DATA_DIR", str(tmp_path))
    files = []
    for sim in organisations(4, seed=5):
        assert cli(["study", "join", sim.org, "--secteur", "handicap", "--taille", sim.size_band,
                    "--region", sim.region]) == 0
        counters, users = org_month_aggregates(sim, "2025-02")
        path = tmp_path / f"{sim.org}.csv"
        path.write_bytes(render(org_month_rows(sim.org, "2025-02", counters, users), "csv", {}))
        files.append((sim.org, path))
    for org, path in files:
        assert cli(["study", "ingest", org, str(path)]) == 0
    org, path = files[0]
    assert cli(["study", "ingest", files[1][0], str(path)]) == 1  # another org's file
    assert "ne correspond pas au jeton" in capsys.readouterr().err
    assert cli(["study", "publish", "--month", "2025-02"]) == 0
    assert "2025-02 publié : 4 organisations" in capsys.readouterr().out
    assert cli(["study", "publish", "--month", "2025-02"]) == 2
    assert "déjà publié" in capsys.readouterr().err
    assert cli(["study", "report", "-o", str(tmp_path / "rapport.html")]) == 0
    assert '<script type="application/json" id="donnees">' in (tmp_path / "rapport.html").read_text()
    assert cli(["study", "purge"]) == 0
    assert "organisation-mois antérieurs à" in capsys.readouterr().out
    assert store.purge_before(tmp_path / "cellules", "2025-03") == 4
    assert store.months(tmp_path / "cellules") == []
    assert cli(["study", "leave", org]) == 0
    assert cli(["study", "leave", org]) == 2  # already gone
    assert cli(["study", "join", "Asso X", "--secteur", "handicap", "--taille", "50_a_249",
                "--region", "occitanie"]) == 2
