"""Record-of-processing entries (GDPR art. 30; nLPD art. 12) for the same three operations
as the DPIA (DOMAIN.md A-9, D-26: the research purpose has its own entry)."""

from __future__ import annotations

from gateway.compliance.document import Document, dpo_section, header, labels_text, table
from gateway.compliance.facts import TODO, ComplianceFacts, DeploymentFacts


def _recipients_a(facts: ComplianceFacts) -> str:
    if not facts.models:
        return "aucun modèle ouvert"
    return "; ".join(f"{m.name} ({m.hosting_text})" for m in facts.models)


def _transfers(facts: ComplianceFacts) -> str:
    non_eu = [m.name for m in facts.models if m.hosting == "non_eu"]
    if not non_eu:
        return "aucun transfert hors UE / EEE déclaré dans le fichier des modèles"
    return f"hors UE : {', '.join(non_eu)} — garanties : {TODO}"


def _provider_retention(facts: ComplianceFacts) -> str:
    return "; ".join(f"{m.name} : {m.retention_text}" for m in facts.models if m.external) \
        or "sans objet (modèles auto-hébergés)"


def build(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    """Three entries, as tables a DPO can paste into the organisation's record."""
    law = facts.law
    a = [
        ("finalité", "aide à la rédaction et à l'information des professionnels par une IA "
         "générative, au travers d'une passerelle qui pseudonymise les données"),
        ("base légale", TODO),
        ("personnes concernées", "personnes accompagnées, leur entourage, tiers cités, "
         "professionnels"),
        ("catégories de données", "contenu des demandes, pouvant inclure des données "
         f"sensibles ; identifiants directs pseudonymisés avant envoi ({labels_text(facts)})"),
        ("destinataires", _recipients_a(facts)),
        ("transferts hors UE", _transfers(facts)),
        ("durée de conservation", "aucune conservation par la passerelle ; chez les "
         f"fournisseurs : {_provider_retention(facts)}"),
        ("mesures de sécurité", "pseudonymisation avant envoi, échec fermé, table de "
         "correspondance en mémoire le temps de la requête, routage des données sensibles, "
         "clés d'accès stockées hachées"),
    ]
    b = [
        ("finalité", "pilotage du déploiement de l'IA : indicateurs agrégés d'usage, de "
         "blocages, de masquages et d'impact environnemental ; jamais d'évaluation "
         "individuelle"),
        ("base légale", TODO),
        ("personnes concernées", "professionnels utilisateurs de la passerelle"),
        ("catégories de données", "événements sans contenu (heure arrondie, équipe, rôle, "
         "usage, règle, modèle, hébergement, comptages) ; pseudonyme mensuel HMAC pour compter "
         "les personnes distinctes"),
        ("destinataires", f"cadres : agrégats d'au moins k = {facts.k_anonymity} "
         "professionnels par case, mois clos ; exploitants : totaux par organisation"),
        ("transferts hors UE", "aucun"),
        ("durée de conservation", f"{facts.usage_days} jours (agrégats) ; "
         f"{facts.logs_days} jours (journaux techniques sans contenu)"),
        ("mesures de sécurité", f"{deployment.usage_store} ; secrets de pseudonymisation : "
         f"{deployment.pseudonym_secrets}"),
    ]
    c = [
        ("finalité", f"recherche : {facts.research_study}"),
        ("base légale", TODO),
        ("personnes concernées", "professionnels utilisateurs de la passerelle, sauf ceux "
         "qui se sont opposés"),
        ("catégories de données", "comptages agrégés par mois clos et taxonomie publique "
         "(usage, secteur, taille, pays) ; aucune ligne par personne"),
        ("destinataires", "équipe de recherche (rôle « researcher »)"),
        ("transferts hors UE", "aucun"),
        ("durée de conservation", f"dans la passerelle : {facts.usage_days} jours ; chez "
         f"le destinataire : {TODO}"),
        ("mesures de sécurité", f"seuil de {facts.research_threshold} professionnels "
         f"distincts par case, suppression complémentaire ; droit d'opposition "
         f"({law.objection}) appliqué à l'enregistrement"),
    ]
    head = ("rubrique", "contenu")
    parts = [
        header(facts, "Registre des activités de traitement — fiches Garde-fou",
               law.record),
        f"Responsable de traitement : {facts.org_name}. Contact : {facts.contact}.\n",
        "## Fiche A — IA générative pour les écrits professionnels\n", table(head, a),
        "\n## Fiche B — indicateurs d'usage de l'IA par le personnel\n", table(head, b),
        "\n## Fiche C — export statistique pour la recherche\n", table(head, c),
        "",
        dpo_section("Compléter les bases légales et reporter ces fiches dans le registre de "
                    "l'organisation."),
    ]
    return Document("registre", "Registre des traitements", "\n".join(parts))
