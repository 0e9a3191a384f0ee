"""The works-council consultation pack (C. trav. L2312-38 and L1222-4; BE CCT 39/81;
CH LTr art. 48, OLT 3 art. 26): what the representatives are consulted on, the facts, the
guarantees, and the questions they are asked (DOMAIN.md C-21)."""

from __future__ import annotations

from gateway.compliance.document import Document, bullet_list, dpo_section, header, table
from gateway.compliance.facts import ComplianceFacts, DeploymentFacts


def build(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    law = facts.law
    uses = [f"{u.label}" for u in facts.uses]
    forbidden = [f"{f.label}" for f in facts.forbidden]
    gate = (
        "La politique de l'organisation bloque l'utilisation de la passerelle tant que "
        "l'administrateur n'a pas enregistré la date de cette consultation et celle de "
        "l'information individuelle du personnel."
        if facts.activation_gated else
        "La politique peut bloquer l'utilisation de la passerelle jusqu'à l'enregistrement "
        "de la date de cette consultation (réglage `compliance.activation`) ; ce blocage "
        "n'est pas activé aujourd'hui."
    )
    parts = [
        header(facts, "Dossier de consultation des représentants du personnel",
               f"{law.works_council}"),
        "## 1. Objet et fondement\n",
        f"La direction consulte le {law.works_council} sur la mise en service d'une "
        f"passerelle d'IA générative qui produit des indicateurs d'usage. Fondement : "
        f"{law.consultation}. Information individuelle : {law.staff_info}. {gate}\n",
        "## 2. Ce que le personnel pourra faire\n",
        "Usages autorisés :\n", bullet_list(uses),
        "Décisions qui restent humaines (l'IA refuse de les prendre) :\n",
        bullet_list(forbidden or ["aucune décision propre à l'organisation"]),
        "## 3. Ce qui est mesuré, et ce qui ne l'est pas\n",
        table(("question", "réponse"), [
            ("le contenu des demandes est-il gardé ?", "non, jamais"),
            ("un cadre peut-il voir l'activité d'une personne ?",
             f"non : groupes d'au moins {facts.k_anonymity} personnes, mois terminés"),
            ("les refus sont-ils signalés à l'encadrement ?",
             "seulement en nombre, par règle, pour un groupe"),
            ("les données servent-elles à évaluer ou sanctionner ?",
             "non, c'est un engagement écrit de la charte"),
            ("combien de temps ?", f"{facts.usage_days} jours pour les compteurs, "
             f"{facts.logs_days} jours pour les journaux techniques"),
            ("la recherche ?", f"totaux anonymes (seuil {facts.research_threshold}) ; "
             "chacun peut s'y opposer"),
            ("où vont les textes ?", "; ".join(f"{m.name} : {m.hosting_text}"
                                             for m in facts.models) or "nulle part"),
        ]),
        "\n## 4. Pièces jointes\n",
        bullet_list([
            "la note d'information individuelle du personnel (note-personnel) ;",
            "la charte d'usage de l'IA (charte-ia) ;",
            "l'analyse d'impact (aipd) et les fiches du registre (registre) ;",
            f"le guide de formation ({facts.training_url}).",
        ]),
        "## 5. Questions soumises aux représentants\n",
        bullet_list([
            "Les usages autorisés et les décisions interdites vous paraissent-ils adaptés ?",
            "Les garanties contre la surveillance individuelle sont-elles suffisantes ?",
            "Quelles actions de formation demandez-vous avant la mise en service ?",
            "À quelle date souhaitez-vous un premier bilan ?",
        ]),
        dpo_section("Date de la réunion, avis rendu, engagements pris par la direction."),
    ]
    return Document("consultation-cse", "Dossier de consultation", "\n".join(parts))
