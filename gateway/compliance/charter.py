"""The organisation's AI-use charter (« charte d'usage de l'IA »), written from the
policy's allowed uses, forbidden decisions and their French rationale (DOMAIN.md B-13,
B-12, C-20, B-36)."""

from __future__ import annotations

from gateway.compliance.document import Document, bullet_list, header
from gateway.compliance.facts import ComplianceFacts, DeploymentFacts


def build(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    parts = [
        header(facts, "Charte d'usage de l'intelligence artificielle",
               "pour tous les professionnels"),
        "## 1. Pourquoi une charte\n",
        "L'IA générative peut faire gagner du temps sur les écrits. Elle peut aussi se "
        "tromper, reproduire des préjugés et faire sortir des informations couvertes par le "
        f"{facts.law.secrecy}. Cette charte dit ce que nous faisons avec elle, et ce que "
        "nous ne lui confions jamais.\n",
        "## 2. Ce que l'IA peut faire pour vous\n",
        bullet_list([f"**{u.label}** — {u.description}" if u.description else f"**{u.label}**"
                     for u in facts.uses]),
        "## 3. Les décisions qui restent humaines\n",
        "La passerelle refuse ces demandes et explique pourquoi. Ce n'est pas une sanction : "
        "le refus reste entre vous et l'outil.\n",
    ]
    for f in facts.forbidden:
        parts.append(f"### {f.label}\n")
        if f.description:
            parts.append(f.description + "\n")
        parts.append(f"**Pourquoi** : {f.why}\n")
        parts.append("**Demandez plutôt** :\n")
        parts.append(bullet_list(list(f.instead)))
    parts += [
        "Quoi qu'en dise un fichier de politique, l'outil refuse toujours la notation "
        "sociale, le profilage de risque, la prédiction d'infraction et les messages qui "
        "exploitent la vulnérabilité d'une personne (règlement européen sur l'IA, art. 5). "
        "L'algorithme de notation des allocataires de la CNAF et l'affaire des allocations "
        "familiales aux Pays-Bas (toeslagenaffaire) montrent ce que coûte un score appliqué "
        "à des familles.\n",
        "## 4. Règles de prudence\n",
        bullet_list([
            "écrivez seulement ce qui est nécessaire ; le masquage automatique ne voit pas "
            "tout (un prénom qui est aussi un mot courant, une situation très rare) ;",
            "relisez tout : l'IA invente parfois des faits, des lois ou des chiffres ;",
            "tout texte destiné à une personne accompagnée est relu et validé par vous ; "
            + (f"il porte la mention « {facts.transparency_notice} » ;"
               if facts.transparency_notice else "signalez qu'il a été préparé avec l'IA ;"),
            "n'utilisez pas d'outil d'IA non prévu par l'organisation pour des données de "
            "personnes accompagnées.",
        ]),
        "## 5. Ce que l'organisation s'engage à faire\n",
        bullet_list([
            "ne jamais utiliser les données d'usage pour évaluer ou sanctionner un "
            "professionnel ;",
            f"ne montrer que des totaux de groupes d'au moins {facts.k_anonymity} personnes ;",
            f"proposer une formation ({facts.training_url}) à chacun ;",
            "respecter le droit de chacun de refuser l'export de recherche (page "
            "/opposition).",
        ]),
    ]
    return Document("charte-ia", "Charte d'usage de l'IA", "\n".join(parts))
