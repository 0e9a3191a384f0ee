"""The questionnaire: closed questions and options (ids are stored, labels are shown).

Closed sets only: no free-text field, so an answer can carry no name or situation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    multiple: bool
    options: tuple[tuple[str, str], ...]  # (id, label)

    def option_ids(self) -> frozenset[str]:
        return frozenset(o for o, _ in self.options)


QUESTIONS: tuple[Question, ...] = (
    Question("outils", "Pour votre travail, utilisez-vous d'autres outils d'IA que celui-ci ?",
             True, (("chatgpt", "ChatGPT"), ("copilot", "Copilot (Microsoft)"),
                    ("gemini", "Gemini (Google)"), ("le_chat", "Le Chat (Mistral)"),
                    ("claude", "Claude"), ("deepl", "DeepL ou un traducteur en ligne"),
                    ("autre_outil", "Un autre outil"), ("aucun_autre", "Aucun autre outil"))),
    Question("taches", "Pour quelles tâches ?", True,
             (("redaction", "Rédiger (courriers, comptes rendus)"),
              ("synthese", "Résumer, synthétiser"), ("traduction", "Traduire"),
              ("recherche", "Chercher une information"),
              ("preparation", "Préparer un entretien, un accompagnement"),
              ("evaluation", "Évaluer une situation, une demande"),
              ("autre_tache", "Autre chose"))),
    Question("frequence", "À quelle fréquence ?", False,
             (("jamais", "Jamais"), ("moins_mensuel", "Moins d'une fois par mois"),
              ("mensuel", "Quelques fois par mois"), ("hebdomadaire", "Chaque semaine"),
              ("quotidien", "Presque chaque jour"))),
    Question("donnees", "Qu'y collez-vous ?", True,
             (("rien_de_personnel", "Rien qui concerne une personne"),
              ("situations_anonymisees", "Des situations rendues anonymes"),
              ("noms_prenoms", "Des noms ou prénoms"),
              ("situations_detaillees", "Des situations détaillées (adresse, dates, famille)"),
              ("sante", "Des informations de santé"),
              ("documents", "Des documents administratifs entiers"))),
)
BY_ID = {q.id: q for q in QUESTIONS}
# Export dimension of each question (gateway.usage.export, gateway.study.validate).
DIMENSION = {"outils": "enquete_outils", "taches": "enquete_taches",
             "frequence": "enquete_frequence", "donnees": "enquete_donnees"}
RESPONDENTS = "enquete_repondants"


class InvalidAnswer(ValueError):
    """An answer outside the closed sets (message in French, quotes nothing)."""


def validate(answer: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The (question, option) pairs of an answer; :class:`InvalidAnswer` if any is unknown,
    a single-choice question has several, or nothing is answered."""
    pairs: list[tuple[str, str]] = []
    for qid, chosen in answer.items():
        question = BY_ID.get(qid)
        if question is None:
            raise InvalidAnswer("Question inconnue.")
        if len(set(chosen)) != len(chosen) or not set(chosen) <= question.option_ids():
            raise InvalidAnswer(f"Réponse hors des choix proposés (question « {qid} »).")
        if not question.multiple and len(chosen) > 1:
            raise InvalidAnswer(f"Un seul choix pour la question « {qid} ».")
        pairs += [(qid, option) for option in sorted(chosen)]
    if not pairs:
        raise InvalidAnswer("Réponse vide : cochez au moins un choix.")
    return pairs
