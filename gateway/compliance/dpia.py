"""The pre-filled DPIA (AIPD) for the three processing operations: (A) the gateway handling
beneficiary data, (B) staff-usage metrics, (C) the research export (DOMAIN.md A-9).

Everything the files say is written in; what only the organisation knows (legal basis
chosen, DPO opinion, validation) is marked for the DPO. Figures come from
:mod:`gateway.compliance.measured`, never typed here."""

from __future__ import annotations

from gateway.compliance import measured
from gateway.compliance.document import (
    Document,
    bullet_list,
    dpo_section,
    header,
    labels_text,
    models_table,
    table,
)
from gateway.compliance.facts import (
    LABEL_NAMES,
    SENSITIVITY_NAMES,
    ComplianceFacts,
    DeploymentFacts,
)


def build(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    """The DPIA as one Markdown document."""
    law = facts.law
    parts = [
        header(facts, "Analyse d'impact relative à la protection des données (AIPD) — "
               "passerelle d'IA Garde-fou", "document de travail pour le " + law.dpo),
        "## 0. Comment utiliser ce document\n",
        f"Cette AIPD est pré-remplie avec les faits contenus dans la configuration de la "
        f"passerelle. Elle répond à l'exigence d'une {law.dpia}. Cadre : {law.law_full} ; "
        f"autorité de contrôle : {law.authority} ({law.authority_site}). Les passages "
        f"marqués « [À COMPLÉTER PAR LE DPO] » restent à rédiger ou à valider par le "
        f"{law.dpo} : rien d'autre n'est laissé en blanc.\n",
        "## 1. Contexte\n",
        table(("élément", "valeur"), [
            ("responsable de traitement", facts.org_name),
            ("secteur", facts.sector or "non précisé dans la politique"),
            ("contact protection des données", facts.contact),
            ("système", "Garde-fou, passerelle auto-hébergée entre les outils de conversation "
             "des professionnels et des modèles de langage (IA générative)"),
            ("politique d'usage",
             f"`{facts.policy_file}`, révision `{facts.policy_revision[:16]}…`"),
            ("classement des demandes", "modèle de classification auto-hébergé (après "
             "pseudonymisation)" if facts.classifier == "llm" else
             "classifieur hors ligne intégré à la passerelle"),
        ]),
        "\nLes professionnels continuent d'utiliser leur outil de conversation habituel. "
        "Chaque demande passe par la passerelle, qui (1) remplace les données identifiantes "
        "des personnes accompagnées par des marqueurs, (2) applique la politique d'usage de "
        "l'organisation, (3) n'envoie au modèle que le texte pseudonymisé, (4) remet les "
        "valeurs dans la réponse et (5) enregistre des compteurs d'usage sans contenu.\n",
        dpo_section("Décrire le contexte propre à l'organisation : services concernés, "
                    "nombre de professionnels, publics accompagnés, date de mise en service "
                    "prévue."),
        "## 2. Les trois traitements\n",
        _operation_a(facts),
        _operation_b(facts, deployment),
        _operation_c(facts),
        "## 3. Modèles, hébergement, transferts et conservation\n",
        "Tiré du fichier des modèles (modèles ouverts à cette organisation) :\n",
        models_table(facts),
        "\n" + _hosting_summary(facts),
        "## 4. Mesures\n",
        _measures_redaction(facts),
        _measures_policy(facts),
        _measures_usage(facts, deployment),
        "## 5. Risques et risques résiduels\n",
        _risks(facts),
        "## 6. Avis et validation\n",
        dpo_section("Avis du " + law.dpo + " sur la nécessité, la proportionnalité et les "
                    "risques résiduels."),
        dpo_section("Avis des personnes concernées ou de leurs représentants (représentants "
                    f"du personnel : {law.works_council} ; personnes accompagnées : conseil "
                    "de la vie sociale ou instance équivalente)."),
        dpo_section("Décision du responsable de traitement, date, signature ; date de "
                    "réexamen prévue."),
    ]
    return Document("aipd", "AIPD — passerelle d'IA", "\n".join(parts))


def _operation_a(facts: ComplianceFacts) -> str:
    law = facts.law
    uses = [f"{u.label}" for u in facts.uses]
    return "\n".join([
        "### Traitement A — la passerelle traite les données des personnes accompagnées\n",
        "**Finalité** : aider les professionnels dans leurs écrits et leur information "
        "(usages autorisés par la politique : " + " ; ".join(uses) + "), sans jamais prendre "
        "de décision à leur place.\n",
        "**Personnes concernées** : personnes accompagnées et leur entourage, tiers cités dans "
        "les écrits, professionnels.\n",
        f"**Données** : tout ce que le professionnel saisit, qui peut inclure des données "
        f"sensibles (santé, mineurs, protection de l'enfance, infractions) et "
        f"{law.national_id}. Avant tout envoi, les identifiants directs suivants sont "
        f"remplacés par des marqueurs : {labels_text(facts)}.\n",
        "**Destinataires** : le professionnel lui-même ; les modèles listés en section 3, "
        "qui ne reçoivent que du texte pseudonymisé. La table de correspondance "
        "marqueur ↔ valeur reste dans la mémoire de la passerelle le temps de la requête : "
        "elle n'est ni enregistrée, ni journalisée, ni exportée.\n",
        "**Conservation** : aucune conservation des demandes ni des réponses par la "
        "passerelle. Côté fournisseur : voir la section 3.\n",
        "**Nature des données transmises** : des données pseudonymisées restent des données "
        f"personnelles (lignes directrices 01/2025 du CEPD) : un {law.processor} reste "
        "nécessaire avec chaque fournisseur externe.\n",
        dpo_section("Base légale retenue (par exemple mission d'intérêt public ou intérêt "
                    f"légitime, et {law.sensitive_basis}) et "
                    "articulation avec le " + law.secrecy + "."),
    ])


def _operation_b(facts: ComplianceFacts, deployment: DeploymentFacts) -> str:
    return "\n".join([
        "### Traitement B — les indicateurs d'usage du personnel\n",
        "**Finalité** : piloter le déploiement (volumes par usage, blocages par règle, "
        "masquages par type, modèles et hébergement, consommation et impact "
        "environnemental estimé), sans évaluer aucun professionnel.\n",
        "**Personnes concernées** : les professionnels qui utilisent la passerelle.\n",
        "**Données** : pour chaque demande, un événement sans contenu : heure (arrondie à "
        "l'heure), équipe, rôle, catégorie d'usage, règle de refus éventuelle, action, "
        "modèle, type d'hébergement, nombres de jetons et de masquages par type, "
        "sensibilité détectée, durée. Jamais : le texte, les valeurs masquées, la clé, "
        "l'identité, l'adresse IP. Les professionnels ne sont comptés que par un pseudonyme "
        f"mensuel (HMAC), avec {deployment.pseudonym_secrets}.\n",
        f"**Stockage** : {deployment.usage_store}.\n",
        f"**Destinataires** : les cadres (rôle « manager ») voient des agrégats par équipe "
        f"ou par service, mois clos uniquement, chaque case couvrant au moins "
        f"k = {facts.k_anonymity} professionnels distincts (suppression complémentaire). "
        "Aucun classement individuel, aucun « meilleur utilisateur », aucun horaire "
        "d'activité. Les exploitants techniques ne voient que des totaux par organisation.\n",
        f"**Conservation** : {facts.usage_days} jours pour les agrégats d'usage ; "
        f"{facts.logs_days} jours pour les journaux techniques (sans contenu).\n",
        "**Engagement** : ces données ne servent jamais à l'évaluation individuelle ni à une "
        "procédure disciplinaire.\n",
        dpo_section("Base légale retenue (intérêt légitime de l'employeur, mise en balance "
                    "documentée) et date de l'information-consultation des représentants du "
                    "personnel."),
    ])


def _operation_c(facts: ComplianceFacts) -> str:
    law = facts.law
    return "\n".join([
        "### Traitement C — l'export pour la recherche\n",
        f"**Finalité** : contribuer à {facts.research_study}, par des statistiques "
        "agrégées.\n",
        "**Données** : des comptages par mois clos et par catégories d'une taxonomie fixe "
        "et publique (usage, mois, secteur, taille, pays). Pas de texte, pas d'équipe, "
        "pas de ligne par personne.\n",
        f"**Seuil** : une case n'est publiée que si elle couvre au moins "
        f"{facts.research_threshold} professionnels distincts, avec suppression "
        "complémentaire ; bruit de confidentialité différentielle optionnel.\n",
        f"**Droit d'opposition** ({law.objection}) : chaque professionnel peut s'opposer à "
        "l'utilisation de son activité dans l'export de recherche par la page « /opposition » "
        "de la passerelle, avec sa propre clé ; la passerelle ne garde alors qu'une empreinte "
        "à clé (HMAC) de son identifiant, jamais l'identité en clair, et marque ses "
        "demandes suivantes pour qu'elles soient exclues de tous les exports ultérieurs.\n",
        "**Destinataires** : l'équipe de recherche (rôle « researcher »).\n",
        dpo_section(f"Base légale et garanties pour la recherche ({law.law}), convention "
                    "avec l'équipe de recherche, durée de "
                    "conservation chez le destinataire."),
    ])


def _hosting_summary(facts: ComplianceFacts) -> str:
    if not facts.models:
        return "Aucun modèle : aucun flux vers un fournisseur.\n"
    if facts.only_self_hosted:
        return ("Tous les modèles sont auto-hébergés : aucun texte, même pseudonymisé, ne "
                "quitte l'infrastructure de l'organisation.\n")
    names = ", ".join(m.name for m in facts.external_models)
    text = (f"Modèles externes : {names}. Le texte pseudonymisé leur est envoyé ; un "
            f"{facts.law.processor} est requis pour chacun.\n")
    if any(m.hosting == "non_eu" for m in facts.models):
        text += ("\n**Attention** : au moins un modèle est hébergé hors UE ; le transfert doit "
                 f"être encadré ({facts.law.transfers}) et justifié dans cette AIPD.\n")
    if any(m.external and m.retention != "zero" for m in facts.models):
        text += ("\n**Attention** : au moins un modèle externe n'a pas de zéro rétention "
                 "déclarée ; le fournisseur peut conserver les textes pseudonymisés.\n")
    return text


def _measures_redaction(facts: ComplianceFacts) -> str:
    rows = [(LABEL_NAMES.get(r.label, r.label), str(r.gold), str(r.caught), r.recall)
            for r in measured.PER_LABEL if r.label in facts.redacted_labels]
    missing = ", ".join(LABEL_NAMES.get(label, label) for label in facts.not_redacted_labels)
    return "\n".join([
        "### 4.1 Pseudonymisation avant envoi\n",
        f"Identifiants masqués par la politique : {labels_text(facts)}.\n",
        (f"**Non masqués par choix de la politique** : {missing}.\n" if missing else
         "Tous les types connus de la passerelle sont masqués.\n"),
        f"Termes jamais masqués (liste blanche de la politique) : {facts.allow_list_size}.\n",
        f"Performances mesurées (docs/redaction.md) sur {measured.DEV_SET} :\n",
        table(("type", "occurrences", "détectées", "rappel"), rows),
        f"\nEnsemble : rappel {measured.DEV_RECALL} ({measured.DEV_CAUGHT}/"
        f"{measured.DEV_GOLD}), précision {measured.DEV_PRECISION} "
        f"({measured.DEV_FALSE_POSITIVES} faux positifs sur {measured.DEV_SPANS} "
        f"détections), documents entièrement propres {measured.DEV_CLEAN_DOCS} "
        f"({measured.DEV_CLEAN_COUNT}), part de caractères laissés en clair "
        f"{measured.DEV_LEAKED_CHARS}. Sur {measured.HELDOUT_DOCS} documents écrits à part "
        f"et non utilisés pour le réglage : rappel {measured.HELDOUT_RECALL} "
        f"({measured.HELDOUT_COUNT}). Pour comparaison, Presidio d'origine : rappel "
        f"{measured.STOCK_PRESIDIO_RECALL}.\n",
        "**Limites connues** (la pseudonymisation n'est pas une anonymisation) :\n",
        bullet_list(measured.KNOWN_LIMITS),
        "**Échec fermé** : si l'analyse échoue, la demande est refusée (HTTP 503) et rien "
        "n'est envoyé ; de même si l'évaluation de la politique échoue.\n",
    ])


def _measures_policy(facts: ComplianceFacts) -> str:
    forbidden = [f"**{f.label}** — {f.why}" for f in facts.forbidden]
    routing = [
        f"si la demande touche à : "
        f"{', '.join(SENSITIVITY_NAMES.get(s, s) for s in r.sensitivities)}, seul un modèle "
        f"{r.requirement} peut la recevoir (règle `{r.id}`)"
        for r in facts.routing
    ]
    return "\n".join([
        "### 4.2 Politique d'usage : décisions qui restent humaines\n",
        "Refusées, avec une explication au professionnel (jamais transmises au modèle) :\n",
        bullet_list(forbidden or ["aucune décision interdite propre à l'organisation"]),
        "S'y ajoutent, sans possibilité de les retirer, les pratiques interdites par l'art. 5 "
        "du règlement européen sur l'IA (notation sociale, profilage de risque, prédiction "
        "d'infraction, exploitation de la vulnérabilité).\n",
        "**Routage des données sensibles** :\n",
        bullet_list(routing or ["aucune règle de routage : toute donnée peut aller à tout "
                                "modèle autorisé (à justifier)"]),
        "**Transparence** : "
        + (f"chaque réponse porte la mention « {facts.transparency_notice.rstrip('.')} »."
           if facts.transparency_notice else
           "la politique ne définit pas de mention ajoutée aux réponses (à justifier).") + "\n",
        f"**Formation (AI Act, art. 4)** : page de formation {facts.training_url}, citée dans "
        "chaque refus ; nombre de consultations compté par mois et par organisation, sans "
        "lien avec une personne.\n",
    ])


def _measures_usage(facts: ComplianceFacts, deployment: DeploymentFacts) -> str:
    return "\n".join([
        "### 4.3 Indicateurs sans surveillance\n",
        bullet_list([
            "aucun contenu, aucune identité dans les données d'usage ; pseudonyme mensuel "
            "détruit à la clôture du mois",
            f"tableaux de bord : k = {facts.k_anonymity} professionnels distincts minimum par "
            "case, suppression complémentaire, mois clos seulement",
            f"export de recherche : seuil de {facts.research_threshold}, taxonomie fixe, "
            "opposition individuelle possible",
            "métriques techniques (Prometheus) au niveau de l'organisation seulement",
            "télémétrie OpenTelemetry : " + ("activée, sans contenu" if deployment.telemetry
                                            else "désactivée"),
            f"durées : agrégats {facts.usage_days} jours, journaux {facts.logs_days} jours",
        ]),
    ])


def _risks(facts: ComplianceFacts) -> str:
    external = bool(facts.external_models)
    non_eu = any(m.hosting == "non_eu" for m in facts.models)
    kept = any(m.external and m.retention != "zero" for m in facts.models)
    if not external:
        leak = "négligeable : aucun texte ne quitte l'infrastructure"
    elif non_eu or kept:
        leak = "important tant que le transfert ou la conservation ne sont pas encadrés"
    else:
        leak = "limité : fournisseur dans l'UE, zéro rétention, texte pseudonymisé"
    rows = [
        ("Un identifiant non détecté part chez le fournisseur (accès illégitime)",
         f"rappel mesuré {measured.DEV_RECALL}, échec fermé, routage des données sensibles",
         leak),
        ("Ré-identification par recoupement d'informations indirectes",
         "routage des données sensibles, formation des professionnels",
         "limité si les professionnels n'écrivent que le nécessaire" if external else
         "négligeable : pas de destinataire externe"),
        ("Erreur ou invention du modèle reprise dans un écrit (modification non désirée)",
         "mention « brouillon à relire », formation, usages limités aux écrits du professionnel",
         "limité : la relecture humaine reste obligatoire"),
        ("Décision automatisée ou profilage d'une personne accompagnée",
         f"{len(facts.forbidden)} décisions interdites et socle art. 5 non retirable",
         "limité : contournement possible par reformulation, d'où la formation"),
        ("Surveillance des professionnels par les indicateurs",
         f"pas d'identité, k = {facts.k_anonymity}, mois clos, engagement écrit",
         "négligeable"),
        ("Ré-identification d'un professionnel dans l'export de recherche",
         f"seuil {facts.research_threshold}, taxonomie fixe, opposition",
         "négligeable"),
    ]
    return "\n".join([
        table(("risque", "mesures", "risque résiduel proposé"), rows),
        "",
        dpo_section("Coter la vraisemblance et la gravité de chaque risque et valider les "
                    "risques résiduels proposés."),
    ])
