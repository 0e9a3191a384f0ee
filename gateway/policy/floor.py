"""The non-removable floor: AI Act Article 5 practices, forbidden whatever the policy file
says (DOMAIN.md B.11). A policy may give these rules its own French label and refusal by
listing them in a forbidden decision's ``floor:``; it can neither disable nor weaken them,
because they are checked here, in code, before the file's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.policy.text import Clause


@dataclass(frozen=True, slots=True)
class FloorRule:
    id: str
    label: str
    why: str
    instead: tuple[str, ...]
    target: re.Pattern[str]
    needs_request: bool = True


_PEOPLE = (
    r"(?<!\w)(?:familles?|beneficiaires?|allocataires?|menages?|personnes?|jeunes?|residents?|"
    r"usagers?|locataires?|demandeurs?|parents?|peres?|meres?|enfants?|mineurs?|"
    r"<[a-z_]+_\d+>|<name>|m\.|mme|monsieur|madame|file active|eleves?|il|elle|ils|elles)"
)
_SCORE = (
    r"\b(?:classe\w*|trie\w*|hierarchis\w*|not(?:e|er|es)\b|score\w*|palmares|"
    r"par ordre|du plus au moins|du moins au plus|les plus|echelle|de [01] a \d+|sur (?:10|20|100|5)\b|"
    r"pourcentage|probabilite|niveau|couleur|vert|orange|rouge)"
)
_TRAIT = (
    r"\b(?:fraud\w*|suspect\w*|controle\w*|risques?|a risque|dangerosite|dangereu\w*|"
    r"fiabilite|fiables?|credibilite|credibles?|vulnerabilite|menteu\w*|mentent|ment\b|"
    r"merit\w*|deviant\w*|asocia\w*|comportement\w*)"
)

_PREDICT = (
    r"(?:probabilit\w*|risques?|va[- ]t[- ](?:il|elle)|vont[- ](?:ils|elles)|susceptibles?|"
    r"predi\w*|prevoi\w*|prevision|chances?|pourcentage|risquerai\w*|peut[- ](?:il|elle)|"
    r"est[- ]ce qu'(?:il|elle) va|profil)"
)
_OFFENCE = (
    r"(?:recidiv\w*|delinquan\w*|passer a l'acte|passage a l'acte|devenir (?:violent|"
    r"delinquant)|commettre (?:un|une|des|d') ?(?:delit|crime|vol|infraction|agression)|"
    r"(?:re)?tomber dans la delinquance|reoffens\w*)"
)

FLOOR: tuple[FloorRule, ...] = (
    FloorRule(
        id="art5_profilage_risque",
        label="Profil de risque tiré du comportement social",
        why="déduire un « profil de risque » d'une personne de son comportement social ou de "
        "ses caractéristiques personnelles est une pratique interdite (AI Act, art. 5)",
        instead=(
            "lister les faits observés, datés, sans les qualifier",
            "préparer l'échange avec l'équipe qui évaluera la situation",
        ),
        target=re.compile(
            r"\b(?:profil|fiche profil|niveau|score|degre|indice)s? de (?:risque|dangerosite|"
            r"fraude|vulnerabilite|fiabilite)|\bfamilles? a risque|\b(?:est|sont)[- ]"
            r"(?:il|elle|ils|elles) (?:dangereu\w*|fiables?|a risque)|"
            r"\b(?:fraudeu\w*|dangereu\w*)\s*\?"
        ),
    ),
    FloorRule(
        id="art5_prediction_infraction",
        label="Prédiction d'infraction par profilage",
        why="prédire qu'une personne commettra une infraction à partir de son profil est une "
        "pratique interdite (AI Act, art. 5)",
        instead=(
            "expliquer le cadre de la prévention de la délinquance, en général",
            "rédiger le compte rendu des faits constatés",
        ),
        target=re.compile(
            rf"{_PREDICT}[^.?\n]{{0,60}}{_OFFENCE}|{_OFFENCE}[^.?\n]{{0,40}}{_PREDICT}"
        ),
    ),
    FloorRule(
        id="art5_notation_sociale",
        label="Notation sociale de personnes ou de familles",
        why="classer ou noter des personnes ou des familles (pour un contrôle, une suspicion "
        "de fraude, une priorité) est une pratique interdite par l'article 5 de l'AI Act",
        instead=(
            "décrire les critères officiels d'un dispositif, en général",
            "structurer vos propres observations, sans note ni classement",
        ),
        target=re.compile(
            rf"{_SCORE}[^.?\n]{{0,80}}{_PEOPLE}[^.?\n]{{0,80}}{_TRAIT}|"
            rf"{_PEOPLE}[^.?\n]{{0,60}}{_SCORE}[^.?\n]{{0,60}}{_TRAIT}|"
            rf"{_TRAIT}[^.?\n]{{0,40}}{_SCORE}[^.?\n]{{0,60}}{_PEOPLE}|"
            r"\b(?:lesquel\w*|qui|quels?|quelles?)\b[^.?\n]{0,60}\b(?:fraud\w*|"
            r"profit\w* du systeme|trich\w*)"
        ),
    ),
    FloorRule(
        id="art5_exploitation_vulnerabilite",
        label="Exploitation de la vulnérabilité d'une personne",
        why="un message conçu pour exploiter la vulnérabilité d'une personne (âge, handicap, "
        "détresse, situation sociale) afin d'influencer sa décision est interdit (AI Act, "
        "art. 5)",
        instead=(
            "rédiger une information claire, loyale et en FALC sur ses droits et ses choix",
        ),
        target=re.compile(
            r"\b(?:profit\w*|jou\w* sur|exploit\w*|utilis\w*|appuy\w* sur)\s+(?:de\s+)?"
            r"(?:sa|son|ses|leur|leurs|la|le)\s+(?:vulnerabilite|faiblesse|detresse|peur|"
            r"naivete|fragilite|solitude|dependance|handicap|confusion|ignorance)|"
            r"\bsans qu'(?:il|elle|ils|elles) (?:ne )?(?:comprenne|s'en rende|se rende)|"
            r"\b(?:faire peur|culpabilis\w*|manipul\w*)\b[^.?\n]{0,60}\b(?:pour qu|afin qu)"
            r"[^.?\n]{0,40}\b(?:sign\w*|accept\w*|renonc\w*|quitt\w*|pai\w*)"
        ),
        needs_request=False,
    ),
)


def check_floor(clause: Clause) -> tuple[FloorRule, str] | None:
    """The first floor rule ``clause`` triggers, with the matched words.

    A rule fires when its target is present and the clause asks the model to judge (a
    delegated judgement, or a question or order about real people) — not when the
    professional asks how such a practice works or writes about a decision made by people.
    """
    for rule in FLOOR:
        match = rule.target.search(clause.text)
        if match is None:
            continue
        if not rule.needs_request:
            return rule, match.group(0)
        if clause.general and not clause.specific and not clause.delegate:
            continue
        if clause.human_owned and not clause.delegate:
            continue
        asked = bool(clause.delegate) or clause.question or _orders(clause.text)
        if asked:
            return rule, match.group(0)
    return None


_ORDER = re.compile(
    r"(?:^|[,:;]|\bet\b|\bpuis\b)\s*(?:classe|trie|note|attribue|donne|evalue|estime|"
    r"calcule|fais|etablis|dresse|determine|indique|mets|ajoute|identifie|repere|"
    r"selectionne|liste|predis|prevois)\b"
)


def _orders(text: str) -> bool:
    return bool(_ORDER.search(text))
