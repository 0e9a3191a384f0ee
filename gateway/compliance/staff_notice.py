"""The individual information notice for staff (C. trav. L1222-4; CCT 81; OLT 3 art. 26):
what is and is not recorded, the commitment against individual evaluation, rights and how
to exercise them, including the objection to the research export (DOMAIN.md C-20, C-21,
D-26)."""

from __future__ import annotations

from gateway.compliance.document import Document, bullet_list, header
from gateway.compliance.facts import ComplianceFacts, DeploymentFacts


def build(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    law = facts.law
    models = [f"{m.name} : {m.hosting_text}" for m in facts.models] or ["aucun modèle ouvert"]
    parts = [
        header(facts, "Note d'information du personnel — utilisation de l'IA générative",
               law.staff_info),
        "## Ce que fait la passerelle\n",
        "Vos demandes à l'IA passent par une passerelle de l'organisation. Avant tout envoi, "
        "elle remplace les noms, numéros et adresses des personnes accompagnées par des "
        "marqueurs, applique la charte d'usage et remet les vraies valeurs dans la réponse.\n",
        "Modèles que vous pouvez utiliser :\n",
        bullet_list(models),
        "## Ce qui est enregistré\n",
        bullet_list([
            "pour chaque demande, un compteur sans contenu : heure arrondie, équipe, rôle, "
            "type d'usage, règle de refus éventuelle, modèle, nombre de mots (jetons) et de "
            "masquages par type ;",
            "un pseudonyme mensuel qui sert seulement à compter les personnes distinctes ; "
            "le secret qui le calcule est détruit à la fin du mois ;",
            f"les journaux techniques sans contenu, gardés {facts.logs_days} jours ; les "
            f"compteurs, gardés {facts.usage_days} jours.",
        ]),
        "## Ce qui n'est jamais enregistré\n",
        bullet_list([
            "le texte de vos demandes et des réponses ;",
            "les noms et numéros masqués ;",
            "votre nom, votre clé ou votre adresse IP dans les données d'usage.",
        ]),
        "## Qui voit quoi\n",
        bullet_list([
            f"votre encadrement voit des totaux par équipe ou service, pour des groupes d'au "
            f"moins {facts.k_anonymity} personnes, et seulement pour des mois terminés ;",
            "un refus reste entre vous et la passerelle : l'encadrement ne voit que le "
            "nombre de refus par règle, pour tout le groupe ;",
            f"l'équipe de recherche voit des totaux par mois pour des groupes d'au moins "
            f"{facts.research_threshold} personnes.",
        ]),
        "## Notre engagement\n",
        "Ces données ne servent **jamais** à évaluer individuellement un professionnel, "
        "à le classer ni à engager une procédure disciplinaire. Aucun classement, aucun "
        "« meilleur utilisateur », aucun horaire d'activité n'existe dans les tableaux de "
        "bord.\n",
        "## Recherche : vous pouvez refuser\n",
        f"Les totaux anonymes alimentent {facts.research_study}. Vous pouvez vous y opposer "
        f"à tout moment ({law.objection}), sans justification et sans conséquence : ouvrez "
        "la page **/opposition** de la passerelle, collez votre clé et confirmez. La "
        "passerelle garde seulement une empreinte chiffrée de votre identifiant ; vos "
        "demandes suivantes sont exclues de tous les exports de recherche. Vous pouvez "
        "aussi le demander au contact ci-dessous.\n",
        "## Vos droits\n",
        f"Vous pouvez demander l'accès, la rectification, l'effacement, la limitation et "
        f"vous opposer aux traitements ({law.law}). Contact : {facts.contact}. Vous pouvez "
        f"aussi faire une {law.complaint}.\n",
        "## Se former\n",
        f"Avant d'utiliser l'IA, lisez le guide : {facts.training_url} (ce qu'il ne faut "
        "jamais coller, les erreurs et biais des modèles, ce que le masquage ne voit pas).\n",
    ]
    return Document("note-personnel", "Note d'information du personnel", "\n".join(parts))
