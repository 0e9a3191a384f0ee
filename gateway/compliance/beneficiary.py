"""The notice for the people supported, for the livret d'accueil / DIPC (DOMAIN.md A-9,
B-15): one in plain French, one in FALC (facile à lire et à comprendre: short sentences,
common words, one idea per sentence, no abbreviations left unexplained). The FALC text is
checked by :mod:`gateway.compliance.readability`; it still needs the usual proofreading by
people it is written for (Cap'FALC)."""

from __future__ import annotations

from gateway.compliance.document import Document, bullet_list, header, provenance
from gateway.compliance.facts import ComplianceFacts, DeploymentFacts


def _where(facts: ComplianceFacts) -> str:
    if facts.only_self_hosted or not facts.models:
        return (f"Le texte reste sur les ordinateurs de {facts.org_name} : il n'est envoyé à "
                "aucune entreprise extérieure.")
    places = []
    if any(m.hosting == "eu" for m in facts.models):
        places.append("à un prestataire situé dans l'Union européenne")
    if any(m.hosting == "non_eu" for m in facts.models):
        places.append("à un prestataire situé hors de l'Union européenne, avec des garanties "
                      "prévues par contrat")
    text = ("Avant d'être envoyé " + " ou ".join(places) + ", le texte est débarrassé de "
            "votre nom, de votre adresse et de vos numéros.")
    if any(m.external and m.retention != "zero" for m in facts.models):
        text += " Ce prestataire peut garder ce texte sans nom pendant une durée limitée."
    else:
        text += " Ce prestataire ne garde pas le texte."
    return text


def build_plain(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    law = facts.law
    parts = [
        header(facts, "Information des personnes accompagnées — l'intelligence artificielle "
               "dans nos écrits", "texte pour le livret d'accueil"),
        "## Pourquoi ce texte\n",
        f"Les professionnels de {facts.org_name} peuvent se faire aider par un outil "
        "d'intelligence artificielle (IA) pour écrire : reformuler un courrier, mettre des "
        "notes au propre, traduire, expliquer un texte en mots simples.\n",
        "## Ce que l'IA ne fait pas\n",
        bullet_list([
            "elle ne prend aucune décision sur votre situation : ni aide, ni place, ni "
            "mesure, ni sanction ;",
            "elle ne vous note pas et ne vous classe pas ;",
            "un professionnel relit et valide chaque texte avant qu'il vous soit remis.",
        ]),
        "## Vos informations\n",
        _where(facts) + " L'outil ne garde ni les demandes ni les réponses.\n",
        "Un document préparé avec l'aide de l'IA porte une mention qui le dit.\n",
        "## Vos droits\n",
        f"Vous pouvez poser des questions, demander à voir les informations qui vous "
        f"concernent, les faire corriger ou vous opposer à l'utilisation de l'IA pour votre "
        f"dossier. Adressez-vous à votre référent ou à : {facts.contact}. Vous pouvez aussi "
        f"faire une {law.complaint}.\n",
    ]
    return Document("information-personnes", "Information des personnes accompagnées",
                    "\n".join(parts))


def falc_sentences(facts: ComplianceFacts) -> list[tuple[str, list[str]]]:
    """The FALC notice as (heading, sentences): one short sentence per line."""
    law = facts.law
    if facts.only_self_hosted or not facts.models:
        where = ["Votre texte reste chez nous.",
                 "Il ne part pas dans une autre entreprise."]
    else:
        where = ["Nous enlevons votre nom.",
                 "Nous enlevons votre adresse et vos numéros.",
                 "Ensuite, le texte part dans une entreprise."]
        if any(m.hosting == "eu" for m in facts.models):
            where.append("Cette entreprise est en Europe.")
        if any(m.hosting == "non_eu" for m in facts.models):
            where.append("Une entreprise peut être loin de l'Europe.")
            where.append("Un contrat protège alors votre texte.")
        if any(m.external and m.retention != "zero" for m in facts.models):
            where.append("L'entreprise peut garder ce texte un peu de temps.")
            where.append("Le texte n'a plus votre nom.")
        else:
            where.append("L'entreprise ne garde pas le texte.")
    return [
        ("Nous utilisons un outil pour écrire", [
            "Les personnes qui vous aident écrivent beaucoup.",
            "Pour les aider, elles utilisent parfois un outil sur l'ordinateur.",
            "Cet outil s'appelle une intelligence artificielle.",
            "On dit aussi une IA.",
            "L'IA aide à écrire une lettre.",
            "L'IA aide à rendre un texte plus simple.",
            "L'IA aide à traduire dans une autre langue.",
        ]),
        ("L'IA ne décide rien pour vous", [
            "L'IA ne décide pas de votre aide.",
            "L'IA ne vous donne pas de note.",
            "Ce sont des personnes qui décident.",
            "Une personne relit toujours le texte.",
            "Elle le corrige si besoin.",
        ]),
        ("Vos informations sont protégées", [
            *where,
            "L'outil ne garde pas vos échanges.",
            "Sur un papier fait avec l'IA, c'est écrit.",
        ]),
        ("Vous avez des droits", [
            "Vous pouvez poser des questions.",
            "Vous pouvez voir vos informations.",
            "Vous pouvez les faire corriger.",
            "Vous pouvez dire non à l'IA pour votre dossier.",
            "Parlez-en à la personne qui vous aide.",
            f"Vous pouvez aussi écrire à : {facts.contact}",
            f"Si vous n'êtes pas d'accord, vous pouvez vous plaindre à {law.authority_plain}.",
        ]),
    ]


def build_falc(facts: ComplianceFacts, deployment: DeploymentFacts) -> Document:
    # The provenance goes to the end, in small print: readers of the livret need the
    # message first; the revision is for whoever prints and checks it.
    parts = [header(facts, "L'IA et vos informations — version facile à lire",
                    "texte en FALC pour le livret d'accueil", with_provenance=False)]
    for heading, sentences in falc_sentences(facts):
        parts.append(f"## {heading}\n")
        parts.append("\n\n".join(sentences) + "\n")
    parts.append("*Texte écrit selon les règles du « facile à lire et à comprendre ». "
                 "Faites-le relire par des personnes accompagnées avant de l'imprimer.*\n")
    parts.append(f"*{provenance(facts).replace('`', '')}*\n")
    return Document("information-personnes-falc", "Information des personnes (FALC)",
                    "\n".join(parts))
