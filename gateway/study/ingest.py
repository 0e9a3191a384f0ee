"""One export in: check it (:mod:`.validate`), refuse months already published, store it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.study import publish, store
from gateway.study.members import Member
from gateway.study.settings import StudySettings
from gateway.study.validate import CheckedExport, ExportRefused, check


def ingest(settings: StudySettings, body: bytes, member: Member,
           now: datetime | None = None) -> CheckedExport:
    """Check and store ``body`` pushed by ``member``; :class:`ExportRefused` otherwise."""
    if len(body) > settings.max_upload_bytes:
        raise ExportRefused("Fichier trop volumineux.", "export_trop_long")
    export = check(body, member.org, member.k, now)
    published = set(publish.published_months(settings.publications_dir))
    frozen = [m for m in export.months if m in published]
    if frozen:
        raise ExportRefused(
            f"Mois déjà publié : {', '.join(frozen)}. Une publication ne change plus ; "
            "l'export de ce mois arrive trop tard pour l'étude.", "mois_publie")
    store.write(settings.cells_dir, export, member)
    return export


def publish_month(settings: StudySettings, month: str, epsilon: float | None = None
                  ) -> dict[str, Any]:
    """Publish ``month`` from the store (see :func:`gateway.study.publish.publish`)."""
    from gateway.study import query

    con = query.connect(settings.cells_dir)
    try:
        cells = query.org_cells(con, month)
        profiles = query.profiles(con, month)
    finally:
        con.close()
    return publish.publish(settings.publications_dir, month, cells, profiles,
                           publish.Rules(settings.k_orgs, settings.k_workers), epsilon,
                           settings.epsilon_budget)
