"""Short French explanations that teach at the moment they help (AI Act art. 4; DOMAIN.md
B-16, B-36): appended to a refusal, usable by the reminder band and on the first redaction
of a conversation. Each says the risk, the rule and, where one exists, the cautionary case,
and points to the organisation's training page (policy ``compliance.training_url``,
default ``/guide``).

Rule ids are free in policy files, so an explanation is chosen by the family the id belongs
to (its words), never by echoing the id or any request text: the result is a closed set of
texts."""

from __future__ import annotations

import re

DEFAULT_TRAINING_URL = "/guide"

_SCORING = ("Le risque : un score appliqué à des personnes transforme la précarité en "
            "soupçon. L'algorithme de notation des allocataires de la CNAF, qui cible les "
            "contrôles sur les plus précaires, est contesté devant le Conseil d'État ; aux "
            "Pays-Bas, un score de fraude aux allocations (toeslagenaffaire) a fait accuser à "
            "tort des dizaines de milliers de familles.")
_ELIGIBILITY = ("Le risque : une IA qui décide d'une aide devient un système « à haut "
                "risque » (AI Act, annexe III) et ses erreurs frappent des personnes sans "
                "recours. Aux Pays-Bas (toeslagenaffaire), un traitement automatisé des "
                "allocations de garde d'enfants a exigé à tort des remboursements de milliers "
                "de familles.")
_CHILD = ("Le risque : l'IA ne connaît ni l'enfant ni sa famille ; elle produit une réponse "
          "plausible, pas une évaluation. Une décision de protection engage l'équipe, le "
          "cadre et le juge, dans le respect du contradictoire.")
_HEALTH = ("Le risque : l'IA invente avec assurance ; un diagnostic posé dans un écrit "
           "social suit la personne longtemps. Seul un soignant peut le poser.")
_SANCTION = ("Le risque : une sanction proposée par une IA paraît objective alors qu'elle "
             "reprend les biais des textes qui l'ont entraînée ; la décision revient à "
             "l'équipe, dans le respect du règlement et du contradictoire.")
_STAFF = ("Le risque : évaluer des salariés avec une IA est un usage « à haut risque » "
          "(AI Act, annexe III) et une surveillance que le droit du travail encadre "
          "strictement.")
_ROUTING = ("Le risque : ces données sont couvertes par le secret professionnel ; un "
            "fournisseur d'IA n'entre dans aucun secret partagé. Elles ne vont qu'aux "
            "modèles que la politique autorise pour elles.")
_REDACTION = ("Avant l'envoi, les noms, adresses et numéros ont été remplacés par des "
              "marqueurs (<PERSONNE_1>…), puis remis dans la réponse. Le masquage ne voit pas "
              "tout : un prénom qui est aussi un mot courant, une situation rare ou une petite "
              "commune peuvent encore faire reconnaître quelqu'un. N'écrivez que le "
              "nécessaire.")
_GENERAL = ("L'IA peut se tromper, inventer des faits ou des lois et reproduire des "
            "préjugés : relisez tout, et gardez les décisions pour les personnes.")

# (family pattern over the rule id, text) — the first match wins.
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"redaction|masquage|pii"), _REDACTION),
    (re.compile(r"art5|notation|score|profil|risque|fraude|prediction"), _SCORING),
    (re.compile(r"eligib|attribution|aide|priorit|tri_urgence|urgence"), _ELIGIBILITY),
    (re.compile(r"salari|personnel|staff"), _STAFF),
    (re.compile(r"protection_enfance|enfance|minorit|placement"), _CHILD),
    (re.compile(r"diagnostic|sante|medical"), _HEALTH),
    (re.compile(r"sanction|exclusion|fin_accompagnement"), _SANCTION),
    (re.compile(r"routing|heberge|sensible|donnees"), _ROUTING),
)


def training_link(training_url: str = DEFAULT_TRAINING_URL, org: str | None = None) -> str:
    """The training page; a relative page of the gateway gets the org for the aggregated
    view counter (an org id is not personal data)."""
    if org and training_url.startswith("/") and "?" not in training_url \
            and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", org):
        return f"{training_url}?org={org}"
    return training_url


def explanation(rule_id: str | None, training_url: str = DEFAULT_TRAINING_URL,
                org: str | None = None) -> str:
    """A short French explanation for ``rule_id`` (a forbidden-decision, floor or routing
    rule id, or ``"redaction"``), ending with the link to the training page."""
    rid = (rule_id or "").lower()
    text = next((t for pattern, t in _FAMILIES if pattern.search(rid)), _GENERAL)
    lead = "Bon à savoir :" if text is _REDACTION else "Pourquoi cette règle ?"
    return f"{lead} {text} Pour en savoir plus : {training_link(training_url, org)}"


def first_redaction(messages: list[dict[str, object]], counts: dict[str, int]) -> bool:
    """Whether this request is the conversation's first turn and something was redacted:
    the moment to explain redaction once (later turns would repeat it). Decided from the
    request's shape only (one user message), without looking into redaction internals."""
    users = sum(1 for m in messages if m.get("role") == "user")
    return users == 1 and any(n > 0 for n in counts.values())
