"""The public report's data: one JSON object per chart, built from published months only.

Every chart reads the frozen publications (:mod:`.publish`): a suppressed cell stays a
``null`` (« masqué ») and is never recomputed from other figures; months are shown side by
side, never summed. Chart kinds the page draws (``static/rapport.js``):

- ``empile``: one bar per category, stacked by series (uses by sector and month…);
- ``groupe``: grouped bars, one colour per series (months);
- ``fourchette``: a min–max range per category (energy, emissions).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from gateway.study import publish
from gateway.study.publish import ENSEMBLE

LIBELLES: dict[str, str] = {
    "ensemble": "Ensemble",
    "protection_enfance": "Protection de l'enfance",
    "hebergement_insertion": "Hébergement et insertion",
    "handicap": "Handicap",
    "personnes_agees": "Personnes âgées",
    "accueil_social": "Accueil social",
    "moins_de_50": "Moins de 50 salariés",
    "50_a_249": "50 à 249 salariés",
    "250_et_plus": "250 salariés et plus",
    "ile_de_france": "Île-de-France",
    "auvergne_rhone_alpes": "Auvergne-Rhône-Alpes",
    "hauts_de_france": "Hauts-de-France",
    "occitanie": "Occitanie",
    "wallonie": "Wallonie",
    "suisse_romande": "Suisse romande",
    "self_hosted": "Auto-hébergé",
    "eu": "Fournisseur UE",
    "non_eu": "Fournisseur hors UE",
    "aucun": "Rien envoyé (bloqué)",
    "redaction_administrative": "Rédaction administrative",
    "synthese_rapport": "Synthèse, rapport",
    "reformulation_falc": "Reformulation, FALC",
    "traduction": "Traduction",
    "recherche_information": "Recherche d'information",
    "preparation_accompagnement": "Préparation d'accompagnement",
    "non_classe": "Non classé",
}
TABLES = ("cellules", "participation")


def _publications(pub_dir: Path) -> list[dict[str, Any]]:
    return [publish.load(pub_dir, m) for m in publish.published_months(pub_dir)]


def _index(pubs: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {(c["mois"], c["secteur"], c["dimension"], c["valeur"]): c
            for p in pubs for c in p["cellules"]}


def _values(pubs: list[dict[str, Any]], dimension: str) -> list[str]:
    return sorted({c["valeur"] for p in pubs for c in p["cellules"]
                   if c["dimension"] == dimension and not c["masque"]})


def _figure(cell: dict[str, Any] | None, name: str = "nombre") -> float | None:
    if cell is None or cell["masque"]:
        return None
    value = cell.get(name)
    return None if value is None else value


def _by_month(pubs: list[dict[str, Any]], idx: dict[tuple[str, str, str, str], dict[str, Any]], dimension: str, chart: str, title: str,
              unit: str, figure: str = "nombre") -> dict[str, Any]:
    """Values of ``dimension`` (« ensemble » row), one series per month."""
    months = [p["mois"] for p in pubs]
    values = _values(pubs, dimension)
    return {"id": chart, "titre": title, "type": "groupe", "unite": unit, "categories": values,
            "series": [{"nom": m, "valeurs": [_figure(idx.get((m, ENSEMBLE, dimension, v)),
                                                      figure) for v in values]}
                       for m in months]}


def _stacked_by_sector(pubs: list[dict[str, Any]], idx: dict[tuple[str, str, str, str], dict[str, Any]], dimension: str, chart: str,
                       title: str) -> dict[str, Any]:
    months = [p["mois"] for p in pubs]
    sectors = sorted({c["secteur"] for p in pubs for c in p["cellules"]
                      if c["dimension"] == dimension and c["secteur"] != ENSEMBLE})
    values = _values(pubs, dimension)
    cats = [(s, m) for s in [ENSEMBLE, *sectors] for m in months]
    return {"id": chart, "titre": title, "type": "empile", "unite": "requêtes",
            "categories": [f"{LIBELLES.get(s, s)} · {m}" for s, m in cats],
            "series": [{"nom": v, "valeurs": [_figure(idx.get((m, s, dimension, v)))
                                              for s, m in cats]} for v in values]}


def _stacked_by_month(pubs: list[dict[str, Any]], idx: dict[tuple[str, str, str, str], dict[str, Any]], dimension: str, chart: str,
                      title: str) -> dict[str, Any]:
    months = [p["mois"] for p in pubs]
    values = _values(pubs, dimension)
    return {"id": chart, "titre": title, "type": "empile", "unite": "requêtes",
            "categories": months,
            "series": [{"nom": v, "valeurs": [_figure(idx.get((m, ENSEMBLE, dimension, v)))
                                              for m in months]} for v in values]}


def _ranges(pubs: list[dict[str, Any]], idx: dict[tuple[str, str, str, str], dict[str, Any]], lo: str, hi: str, chart: str, title: str,
            unit: str) -> dict[str, Any]:
    months = [p["mois"] for p in pubs]
    points = []
    for m in months:
        cell = idx.get((m, ENSEMBLE, "total", ""))
        a, b = _figure(cell, lo), _figure(cell, hi)
        points.append(None if a is None or b is None else [a, b])
    return {"id": chart, "titre": title, "type": "fourchette", "unite": unit,
            "categories": months, "series": [{"nom": "min–max", "valeurs": points}]}


def _participation(pubs: list[dict[str, Any]], axis: str, title: str) -> dict[str, Any]:
    keys = sorted({k for p in pubs for k in p["participation"][axis]})
    return {"id": f"participation_{axis}", "titre": title, "type": "groupe",
            "unite": "organisations", "categories": keys,
            "series": [{"nom": p["mois"], "valeurs": [p["participation"][axis].get(k)
                                                       for k in keys]} for p in pubs]}


def build(pub_dir: Path) -> dict[str, Any]:
    """Every chart of the report (published months only)."""
    pubs = _publications(pub_dir)
    idx = _index(pubs)
    last = pubs[-1] if pubs else None
    charts = [
        _stacked_by_sector(pubs, idx, "usages", "usages_secteur_mois",
                           "Usages par secteur et par mois"),
        _by_month(pubs, idx, "blocages", "blocages_regle",
                  "Tentatives de décisions interdites, par règle", "requêtes bloquées"),
        _by_month(pubs, idx, "masquages", "masquages_type",
                  "Données collées puis masquées, par type", "occurrences masquées"),
        _stacked_by_month(pubs, idx, "hebergement", "hebergement_mois",
                          "Où partent les requêtes : hébergement des modèles"),
        _ranges(pubs, idx, "energie_kwh_min", "energie_kwh_max", "energie_mois",
                "Énergie estimée (inférence), fourchette", "kWh"),
        _ranges(pubs, idx, "ges_kgco2eq_min", "ges_kgco2eq_max", "emissions_mois",
                "Émissions estimées, fourchette", "kgCO2e"),
        _by_month(pubs, idx, "enquete_outils", "enquete_outils",
                  "Hors passerelle : autres outils d'IA utilisés (enquête)", "répondants"),
        _by_month(pubs, idx, "enquete_taches", "enquete_taches",
                  "Hors passerelle : pour quelles tâches (enquête)", "répondants"),
        _by_month(pubs, idx, "enquete_frequence", "enquete_frequence",
                  "Hors passerelle : à quelle fréquence (enquête)", "répondants"),
        _by_month(pubs, idx, "enquete_donnees", "enquete_donnees",
                  "Hors passerelle : ce qui y est collé (enquête)", "répondants"),
        _participation(pubs, "secteur", "Organisations participantes par secteur"),
        _participation(pubs, "taille", "Organisations participantes par taille"),
        _participation(pubs, "region", "Organisations participantes par région"),
    ]
    rules = last["regles"] if last else {"k_orgs": 3, "k_workers": 11}
    return {
        "mois_publies": [p["mois"] for p in pubs],
        "organisations": {p["mois"]: p["participation"]["organisations"] for p in pubs},
        "regles": rules,
        "dp": {p["mois"]: p.get("dp") for p in pubs},
        "libelles": LIBELLES,
        "note": (f"Chaque chiffre couvre au moins {rules['k_orgs']} organisations et "
                 f"{rules['k_workers']} personnes ; les cellules qui permettraient d'en "
                 "retrouver une plus petite par soustraction sont masquées aussi. Les mois ne "
                 "sont jamais additionnés."),
        "graphiques": charts,
    }


def table_csv(pub_dir: Path, name: str) -> bytes | None:
    """A published table as CSV (``cellules`` or ``participation``), or None if unknown."""
    if name not in TABLES:
        return None
    pubs = _publications(pub_dir)
    buf = io.StringIO()
    if name == "cellules":
        cols = ["mois", "secteur", "dimension", "valeur", "masque", "organisations",
                "utilisateurs", "utilisateurs_bruites", "nombre", "jetons_entree",
                "jetons_sortie", "energie_kwh_min", "energie_kwh_max", "ges_kgco2eq_min",
                "ges_kgco2eq_max"]
        writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for p in pubs:
            writer.writerows({k: ("" if v is None else v) for k, v in c.items()}
                             for c in p["cellules"])
    else:
        writer2 = csv.writer(buf, lineterminator="\n")
        writer2.writerow(["mois", "axe", "valeur", "organisations"])
        for p in pubs:
            for axis in ("secteur", "taille", "region"):
                for key, n in p["participation"][axis].items():
                    writer2.writerow([p["mois"], axis, key, "" if n is None else n])
    return buf.getvalue().encode("utf-8")


def self_contained(pub_dir: Path) -> bytes:
    """The report as one HTML file: style, script and data inline (readable offline,
    e.g. sent by e-mail); links to the collector's tables stay relative."""
    import json

    from gateway.study.app import asset

    html = asset("templates", "rapport.html").decode("utf-8")
    css = asset("static", "rapport.css").decode("utf-8")
    js = asset("static", "rapport.js").decode("utf-8")
    data = json.dumps(build(pub_dir), ensure_ascii=False).replace("</", "<\\/")
    html = html.replace('<link rel="stylesheet" href="/rapport/static/rapport.css">',
                        f"<style>{css}</style>")
    html = html.replace('<script src="/rapport/static/rapport.js" defer></script>',
                        f'<script type="application/json" id="donnees">{data}</script>\n'
                        f"<script>{js}</script>")
    return html.encode("utf-8")
