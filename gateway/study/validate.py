"""An organisation's export file → checked rows, or a refusal in French.

Checks (any failure refuses the whole file, nothing is stored):

- the format (CSV, JSONL or Parquet, recognised by content) and **exactly** the export's
  columns (:data:`gateway.usage.export.COLUMNS`): an extra column — a worker pseudonym, a
  team — is refused;
- every row is of the pushing organisation, of a **closed** month, of a known dimension,
  with a value of the taxonomy's shape (no free text, no run of 5 digits, nothing shaped
  like a pseudonym);
- the threshold ``seuil_k`` is one value, ≥ 11 and ≥ the organisation's own ``k``;
- no visible cell counts fewer than ``seuil_k`` workers; hidden cells carry no figure; an
  organisation-month under ``k`` is a lone hidden ``total`` row;
- exact exports only: a DP export (``--epsilon``) is refused, the collector needs exact
  counts to apply its own cross-organisation thresholds and adds its own noise.

Messages name the row number and the column, never a value of the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.usage.export import COLUMNS
from gateway.usage.periods import is_closed

MAX_ROWS = 50_000
INT_COLUMNS = ("masque", "nombre", "utilisateurs_distincts", "jetons_entree", "jetons_sortie",
               "seuil_k")
FLOAT_COLUMNS = ("energie_kwh_min", "energie_kwh_max", "ges_kgco2eq_min", "ges_kgco2eq_max",
                 "dp_epsilon", "dp_utilisateurs_bruites")
FIGURES = ("nombre", "utilisateurs_distincts", "jetons_entree", "jetons_sortie",
           "energie_kwh_min", "energie_kwh_max", "ges_kgco2eq_min", "ges_kgco2eq_max",
           "dp_utilisateurs_bruites")
# Dimension → shape of its values (see gateway.usage.events._SHAPES).
DIMENSIONS: dict[str, str] = {
    "total": "empty", "usages": "slug", "blocages": "slug", "rappels": "slug",
    "masquages": "label",
    "modeles": "name", "hebergement": "slug", "sensibilite": "slug",
    "frequence_jours_actifs": "bucket",
    "enquete_outils": "slug", "enquete_taches": "slug", "enquete_frequence": "slug",
    "enquete_donnees": "slug", "enquete_repondants": "empty",
}
_SHAPES = {
    "slug": re.compile(r"^[a-z][a-z0-9_-]{0,63}$"),
    "label": re.compile(r"^[A-Z][A-Z0-9_]{0,39}$"),
    "name": re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"),
    "bucket": re.compile(r"^(1-2|3-9|10\+)$"),
    "empty": re.compile(r"^$"),
}
_DIGITS = re.compile(r"\d{5,}")
_PSEUDONYM = re.compile(r"[0-9a-f]{12,}", re.IGNORECASE)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ExportRefused(ValueError):
    """The export is refused; ``str(exc)`` is a French message that quotes nothing."""

    def __init__(self, message: str, code: str = "export_invalide") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class CheckedExport:
    """An export that passed every check: one organisation, its months, typed rows."""

    org: str
    k: int
    months: tuple[str, ...]
    rows: list[dict[str, Any]]


def parse(body: bytes) -> list[dict[str, Any]]:
    """Rows of an export file (Parquet, JSONL or CSV, told apart by their first bytes)."""
    try:
        if body[:4] == b"PAR1":
            import pyarrow.parquet as pq

            table = pq.read_table(io.BytesIO(body))
            _columns(table.column_names)
            rows: list[dict[str, Any]] = table.to_pylist()
            return rows
        text = body.decode("utf-8")
        if text.startswith("{"):
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            rows = [r for r in lines if not (isinstance(r, dict) and "_meta" in r)]
            if not all(isinstance(r, dict) for r in rows):
                raise ExportRefused("Ligne JSON qui n'est pas un objet.", "format_invalide")
            for row in rows:
                _columns(list(row))
            return rows
        reader = csv.DictReader(io.StringIO(text))
        _columns(list(reader.fieldnames or []))
        return [{c: (None if v == "" else v) for c, v in row.items()} for row in reader]
    except ExportRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser error: refuse, say nothing of content
        raise ExportRefused("Fichier illisible : ni CSV, ni JSONL, ni Parquet d'export "
                            "Garde-fou.", "format_invalide") from exc


def _columns(names: list[str]) -> None:
    if list(names) != list(COLUMNS):
        extra = len(set(names) - set(COLUMNS))
        missing = [c for c in COLUMNS if c not in names]
        raise ExportRefused(
            "Colonnes inattendues : le fichier doit avoir exactement les colonnes de "
            "docs/data-dictionary.md, dans l'ordre"
            + (f" ; {extra} colonne(s) en trop (un pseudonyme ou une équipe n'ont rien à "
               "faire dans un export)" if extra else "")
            + (f" ; manquantes : {', '.join(missing)}" if missing else "") + ".",
            "colonnes_invalides",
        )


def _typed(row: dict[str, Any], n: int) -> dict[str, Any]:
    out = dict(row)
    for name in INT_COLUMNS + FLOAT_COLUMNS:
        value = out.get(name)
        if value is None:
            continue
        try:
            number = float(value)
            if number != number or number < 0:  # NaN or negative
                raise ValueError
            out[name] = int(number) if name in INT_COLUMNS else number
            if name in INT_COLUMNS and number != int(number):
                raise ValueError
        except (TypeError, ValueError):
            raise ExportRefused(f"Ligne {n} : colonne « {name} » non numérique ou négative.",
                                "valeur_invalide") from None
    for name in ("mois", "organisation", "dimension", "valeur"):
        value = out.get(name)
        if value is not None and not isinstance(value, str):
            raise ExportRefused(f"Ligne {n} : colonne « {name} » doit être du texte.",
                                "valeur_invalide")
    out["valeur"] = out.get("valeur") or ""
    return out


def check(body: bytes, org: str, org_k: int, now: datetime | None = None) -> CheckedExport:
    """Parse and check an export pushed by ``org`` (threshold ``org_k``); see module doc."""
    raw = parse(body)
    if not raw:
        raise ExportRefused("Export vide.", "export_vide")
    if len(raw) > MAX_ROWS:
        raise ExportRefused(f"Export trop long (plus de {MAX_ROWS} lignes).", "export_trop_long")
    rows = [_typed(r, n) for n, r in enumerate(raw, start=2)]
    ks = {r.get("seuil_k") for r in rows}
    if len(ks) != 1 or None in ks:
        raise ExportRefused("Le seuil « seuil_k » doit avoir une seule valeur dans le fichier.",
                            "seuil_invalide")
    k = int(next(iter(ks)))  # type: ignore[arg-type]
    floor = max(11, org_k)
    if k < floor:
        raise ExportRefused(f"Seuil k = {k} trop bas : l'organisation publie avec k ≥ {floor}.",
                            "seuil_trop_bas")
    months: set[str] = set()
    totals: dict[str, int] = {}
    by_month: dict[str, int] = {}  # usage rows (the questionnaire's enquete_* rows aside)
    for n, row in enumerate(rows, start=2):
        month = row.get("mois") or ""
        if not _MONTH.match(month):
            raise ExportRefused(f"Ligne {n} : mois invalide (AAAA-MM attendu).", "mois_invalide")
        if not is_closed(month, now):
            raise ExportRefused(
                f"Ligne {n} : le mois {month} n'est pas clos (un mois se clôt 3 jours après sa "
                "fin) ; seuls les mois clos sont acceptés.", "mois_ouvert")
        if row.get("organisation") != org:
            raise ExportRefused(f"Ligne {n} : l'organisation ne correspond pas au jeton utilisé.",
                                "organisation_differente")
        dim = row.get("dimension")
        if dim not in DIMENSIONS:
            raise ExportRefused(f"Ligne {n} : dimension inconnue.", "dimension_inconnue")
        value = row["valeur"]
        if (not _SHAPES[DIMENSIONS[dim]].match(value) or _DIGITS.search(value)
                or _PSEUDONYM.search(value)):
            raise ExportRefused(f"Ligne {n} : valeur hors de la taxonomie de la dimension "
                                f"« {dim} ».", "valeur_hors_taxonomie")
        if row.get("dp_epsilon") is not None or row.get("dp_utilisateurs_bruites") is not None:
            raise ExportRefused("Export bruité (--epsilon) refusé : le collecteur a besoin des "
                                "comptes exacts pour appliquer ses seuils entre organisations, "
                                "et ajoute lui-même le bruit à la publication.", "export_dp")
        masked = row.get("masque")
        if masked not in (0, 1):
            raise ExportRefused(f"Ligne {n} : « masque » vaut 0 ou 1.", "valeur_invalide")
        if masked == 1:
            if any(row.get(c) is not None for c in FIGURES):
                raise ExportRefused(f"Ligne {n} : une cellule masquée ne porte aucun chiffre.",
                                    "cellule_masquee_chiffree")
        else:
            workers = row.get("utilisateurs_distincts")
            if dim != "frequence_jours_actifs" and row.get("nombre") is None:
                raise ExportRefused(f"Ligne {n} : cellule visible sans « nombre ».",
                                    "valeur_invalide")
            if workers is None or workers < k:
                raise ExportRefused(
                    f"Ligne {n} : cellule visible sous le seuil (moins de {k} personnes) ; "
                    "elle aurait dû être masquée.", "cellule_sous_seuil")
        months.add(month)
        if not dim.startswith("enquete_"):
            by_month[month] = by_month.get(month, 0) + 1
        if dim == "total":
            if month in totals:
                raise ExportRefused(f"Ligne {n} : deux lignes « total » pour le même mois.",
                                    "total_duplique")
            totals[month] = masked
    for month in sorted(months):
        if month not in totals and by_month.get(month):
            raise ExportRefused(f"Mois {month} sans ligne « total ».", "total_manquant")
        if totals.get(month) == 1 and by_month[month] != 1:
            raise ExportRefused(
                f"Mois {month} : organisation-mois sous le seuil, seule sa ligne « total » "
                "masquée peut figurer.", "mois_sous_seuil")
    return CheckedExport(org, k, tuple(sorted(months)), rows)
