"""A held-out table written independently of the dev corpus (other phrasings, other values).

Not used for tuning: it measures how the general rules carry over. Each document lists the
values that must be masked and the words that must stay readable; the test asserts aggregate
floors and prints the figures (``pytest -s``).
"""

from __future__ import annotations

from gateway.redaction import Redactor
from tests.redaction.conftest import covered, touched

# (text, must-mask values, must-keep words)
DOCS: list[tuple[str, list[str], list[str]]] = [
    ("Synthèse pour la commission : Monsieur Grégoire TALLEC, 54 ans, vit seul au 17 chemin des Peupliers, 29200 Brest. "
     "Il perçoit l'AAH (971,37 €) et sollicite la MDPH pour une PCH.",
     ["Grégoire TALLEC", "17 chemin des Peupliers, 29200 Brest"], ["AAH", "MDPH", "PCH", "971,37"]),
    ("Objet : signalement concernant l'enfant Noémie Carvalho (CE1). Sa mère, Mme Carvalho, "
     "est joignable au 07 45 12 98 33. L'école a constaté des traces de coups.",
     ["Noémie Carvalho", "07 45 12 98 33"], ["CE1"]),
    ("Hier soir Yanis (6 ans) et sa sœur Inaya ont été confiés à leur tante, Mme Benali Samira, "
     "par décision du juge des enfants.",
     ["Yanis", "Inaya", "Benali Samira"], ["juge des enfants"]),
    ("Pouvez-vous rédiger un courrier à la CAF pour Mme Oksana Petrenko, allocataire n° 5512847, "
     "afin de contester l'indu de 1 200 € ?",
     ["Oksana Petrenko", "5512847"], ["CAF", "1 200"]),
    ("M. et Mme Lambert (Thierry et Nadège) demandent un échéancier ; le bailleur Habitat 76 "
     "réclame 3 400 € d'arriérés.",
     ["Lambert", "Thierry", "Nadège"], ["3 400"]),
    ("NIR de l'intéressée : 2 94 07 75 115 233 14 (à vérifier). Elle est née le 14 juillet 1994 à Paris.",
     ["14 juillet 1994"], ["Paris"]),
    ("demande de FSL pour mr benhamou karim, 3 allée des Acacias appt 12 69120 Vaulx-en-Velin, tel 0478123456",
     ["benhamou karim", "3 allée des Acacias appt 12 69120 Vaulx-en-Velin", "0478123456"], ["FSL"]),
    ("Suite à l'entretien du 3 février, Chloé Vasseur-Marchetti (17 ans) souhaite intégrer un CAP cuisine. "
     "Son éducateur, Romain, l'accompagnera au CIO.",
     ["Chloé Vasseur-Marchetti", "Romain"], ["CAP", "CIO", "3 février"]),
    ("Dossier ASE n° 2023/ASE/1187 – réunion de synthèse. Présents : Mme Le Goff (référente), "
     "M. Abdoulaye Traoré (père), la psychologue du CMP.",
     ["2023/ASE/1187", "Le Goff", "Abdoulaye Traoré"], ["CMP", "ASE n°"]),
    ("Peux-tu traduire en anglais : « Mme Ivanova, votre rendez-vous à la préfecture est le 12 mai "
     "à 9h. Apportez votre passeport 21KA45871 et votre récépissé. »",
     ["Ivanova", "21KA45871"], ["12 mai", "9h"]),
    ("Le petit Timéo a été vu aux urgences pédiatriques. Petit à petit, il reprend confiance. "
     "La TISF passe deux fois par semaine.",
     ["Timéo"], ["Petit à petit", "TISF"]),
    ("Coordonnées du père : Karim Haddad, karim.haddad75@hotmail.fr, +33 6 51 22 87 40.",
     ["Karim Haddad", "karim.haddad75@hotmail.fr", "+33 6 51 22 87 40"], []),
    ("Merci de verser l'aide sur le compte de Mme Leclercq : FR14 2004 1010 0505 0001 3M02 606.",
     ["Leclercq", "FR14 2004 1010 0505 0001 3M02 606"], []),
    ("Mlle Awa Keita, née le 02.09.2003, demandeuse d'emploi (identifiant 3312987K), cherche une formation "
     "d'aide-soignante.",
     ["Awa Keita", "02.09.2003", "3312987K"], []),
    ("La fratrie (Lucas, Emma et Nathan) est accueillie à la MECS Les Hirondelles depuis 2021.",
     ["Lucas", "Emma", "Nathan"], ["2021"]),
    ("Titre de séjour de M. Ahmadi : n° 7501234567, valable jusqu'au 30/06/2026.",
     ["Ahmadi", "7501234567"], ["30/06/2026"]),
    ("note rapide : appel de jessica morel, loyer impayé depuis 3 mois, rappeler au 06 22 41 90 17",
     ["jessica morel", "06 22 41 90 17"], ["3 mois"]),
    ("Réunion avec le Dr Fontaine (pédopsychiatre) et l'infirmière scolaire. Rien à signaler pour Maëlle.",
     ["Fontaine", "Maëlle"], ["pédopsychiatre"]),
    ("Les parents, Sébastien et Aurélie DUMAS, contestent la mesure d'AEMO (réf. AEMO-2024-118).",
     ["Sébastien", "Aurélie DUMAS", "AEMO-2024-118"], ["AEMO (réf"]),
    ("Rappel : le 119 est joignable 24h/24 ; le 3919 pour les violences conjugales.",
     [], ["119", "3919"]),
    ("Mme Rose Lemoine s'est présentée avec une robe rose ; Rose explique que son fils Victor est malade.",
     ["Rose Lemoine", "Rose explique", "Victor"], ["robe rose"]),
    ("Hébergement : Foyer Aurore, chambre 14. Contact de la référente : Léa Brunet, 01 53 26 44 10.",
     ["Léa Brunet", "01 53 26 44 10"], ["chambre 14"]),
    ("Enfant : KOWALSKI Zofia\nDate de naissance : 22/01/2016\nAdresse : 9 bis rue Pasteur\n59000 Lille",
     ["KOWALSKI Zofia", "22/01/2016", "9 bis rue Pasteur\n59000 Lille"], []),
    ("Bonjour Sophie, je te transmets la situation de M. Dos Santos Paulo avant mon départ en congés.",
     ["Sophie", "Dos Santos Paulo"], []),
    ("Selon l'article 375 du Code civil, le juge peut ordonner une mesure d'assistance éducative.",
     [], ["375", "Code civil"]),
]


def test_held_out_documents(redactor: Redactor) -> None:
    caught = total = kept = traps = clean = 0
    misses: list[str] = []
    for text, must, keep in DOCS:
        spans = redactor.analyze(text)
        doc_ok = True
        for value in must:
            total += 1
            if covered(text, spans, value):
                caught += 1
            else:
                doc_ok = False
                misses.append(value)
        for word in keep:
            traps += 1
            kept += not touched(text, spans, word)
        clean += doc_ok
    recall = caught / total
    print(f"\nheld-out: recall {recall:.3f} ({caught}/{total}), traps kept {kept}/{traps}, "
          f"clean docs {clean}/{len(DOCS)}; missed: {misses}")
    assert recall >= 0.9
    assert kept / traps >= 0.9
