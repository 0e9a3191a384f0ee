"""French request analysis shared by the classifier, the floor and sensitivity detection.

The question the policy engine must answer is *who is asked to decide*: the model, or a
professional, team, commission or judge who already decided and wants help writing it. This
module turns a (redacted) request into clauses and marks, for each clause, the generic
linguistic cues of that question — a judgement delegated to the model, a question about a
real case, a decision owned by a human, a general or training question. Topic words (what
the decision is about) live in the policy file; these cues are about the language itself,
so they are in code and apply to every organisation.

Text is normalised first (lower case, no accents, straight apostrophes) so that prompts
typed without accents or with a phone keyboard match the same cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from gateway.policy.memo import memo_short_texts
from gateway.textfold import strip_marks

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_\d+>")
_QUOTED_LONG = re.compile(r"\"[^\"\n]{60,}\"")
_QUOTED_ANY = re.compile(r"\"\s*(?:[^\"\s]+\s+){4,}[^\"]*\"")

# Verbs a request uses to hand a judgement to the model, when addressed to it (imperative
# or "tu"). Style complements (« choisis un ton ») are excluded below.
_JUDGE_VERBS = (
    # « décidé par la commission »: once accents are gone, a participle, not an order
    r"decide(?! (?:par|en (?:equipe|commission|reunion|synthese|audience)|lors|hier|"
    r"la semaine|le mois|avec|au|a la))|decides|tranche|tranches|choisis|conclus|determine|determines|evalue|evalues|"
    r"estime|estimes|"
    # « le juge des enfants » is the judge, not an order
    r"juge(?! (?:des enfants|aux affaires|d'instruction|de paix|de la jeunesse|du tribunal|"
    r"pour enfants))|juges|valide|valides|confirme|confirmes|recommande|recommandes|"
    # « note » / « notes » open many titles of social-work writings (note de situation…)
    r"preconise|preconises|arbitre|classe|classes|trie|tries|"
    r"note(?! (?:de (?:situation|synthese|service|suivi|passation|transmission|l'entretien)|"
    r"d'(?:information|incident|entretien)|sociales?|internes?|prises?|brutes?)\b)|"
    r"hierarchise|attribue|attribues|calcule|calcules|identifie|identifies|repere|reperes|"
    r"selectionne|selectionnes|designe|designes|compare|compares"
)
_JUDGE_INF = (
    r"decider|trancher|choisir|conclure|determiner|evaluer|estimer|juger|valider|confirmer|"
    r"recommander|preconiser|arbitrer|classer|noter|trier|hierarchiser|attribuer|calculer|"
    r"identifier|selectionner|designer|dire|indiquer|proposer|comparer"
)
_ADDRESS = (
    r"(?:^|[,:;(]|\bet|\bpuis|\bmoi|\balors|\bdonc|\bstp|\bsvp|\bpeux[- ]tu|\btu peux|"
    r"\bpourrais[- ]tu|\btu pourrais|\bmerci de|\bje veux que tu|\bj'ai besoin que tu|"
    r"\bil faut que tu|\bje voudrais que tu|\bj'aimerais que tu|\bensuite|\bsimplement|"
    r"\bjuste|\bvas[- ]y|\bfinalement|\ba la fin)"
)
_STYLE = re.compile(
    r"^\s*(?:moi\s+)?(?:un|une|le|la|les|des|du)?\s*(?:ton|formulation|mots?|titre|plan|style|"
    r"format|police|couleurs? de|intitule|exemples?|phrases?|registre|tournure|synonymes?|"
    r"questions?|activites?|ateliers?|themes?|pistes?)\b"
)

DELEGATE = tuple(
    re.compile(p)
    for p in (
        r"\b(?:a ton avis|a votre avis|selon toi|selon vous|d'apres toi|qu'en penses[- ]tu|"
        r"tu en penses quoi|t'en penses quoi|penses[- ]tu|tu penses qu|tu penses que|"
        r"tu crois qu|crois[- ]tu|tu ferais|ferais[- ]tu|tu dirais|dirais[- ]tu|"
        r"a ma place|a sa place|a la place d|si tu etais|tu aurais fait|ton intuition|"
        r"ton ressenti|ton opinion|ton avis|votre avis|ta recommandation|ta decision|"
        r"ta conclusion|ton choix|ton verdict|ton score|ta note|ton evaluation|ton estimation|"
        r"ton diagnostic|ce que tu conclus|ce que tu penses|ce que tu en penses|"
        r"ce que tu ferais|c'est toi qui|toi[- ]meme|je te laisse|je m'en remets a toi|"
        r"je m'en remets a ton|a toi de|(?:que|qu') ?tu (?:rempliras|choisiras|decideras|"
        r"determines|determineras|jugeras|estimes|estimeras|trouves|penses|proposes|"
        r"juges|fixeras|attribueras)|(?:te|vous) (?:parait|semble|paraissent|semblent)|"
        r"oui ou non|oui/non|oui ou pas|reponds (?:juste |seulement |simplement )?par|"
        r"reponds franchement|sois franc|sans detour|(?:ou|oui) pas\s*\?|ou non\s*\?|"
        r"ou bien\b[^?]{0,40}\?|tu valides|tu confirmes|tu es d'accord|es[- ]tu d'accord)",
        r"\b(?:in your (?:opinion|view)|do you think|would you|what would you do|your call|"
        r"you (?:decide|choose|pick|tell me)|decide (?:yourself|for us)|"
        r"should (?:this|the|that|these|those|my|our) (?:child|kid|boy|girl|teen\w*|family|"
        r"families|mother|mum|mom|father|dad|parents?|resident|tenant|client|baby|young)\w*|"
        r"your (?:opinion|recommendation|decision|verdict|view)|tell me (?:if|whether|what you)|"
        r"should (?:we|i|he|she|they)|yes or no|yes/no|decide for me|just tell me|be honest|"
        r"is (?:he|she|they|it) (?:eligible|entitled|at risk|lying|dangerous|safe)|"
        r"(?:rate|rank|score|grade|sort) (?:the|these|this|each|them|him|her)|"
        r"tell me si|dis[- ]moi si)\b",
        r"\b(?:remplis|remplir|complete|completer|pre-?remplis|pre-?remplir|coche|cocher|"
        r"renseigne|renseigner|fill in|fill out)\b[^.?\n]{0,40}\b(?:colonnes?|cases?|"
        r"columns?)\b[^.?\n]{0,12}\"?\s*(?:avis|suite|decision|priorite|proposition|orientation|"
        r"recommandation|verdict|a exclure|a garder|opinion|recommend\w*|priority)",
        r"\b(?:tu|vous) (?:me |nous )?(?:decides?|tranches?|choisis|choisirais|conclus|"
        r"determines?|evalues?|juges?|valides?|confirmes?|recommandes?|recommanderais|"
        r"preconises?|conseilles?|conseillerais|proposes?|proposerais|ferais|dirais|"
        r"opterais|prendrais|garderais|accorderais|refuserais|placerais|exclurais|mettrais|"
        r"donnerais|attribuerais|noterais|evaluerais|estimerais|choisirais|retiendrais|"
        r"signalerais|ordonnerais|suspendrais|cloturerais|arreterais|renverrais|"
        r"sanctionnerais|stopperais|renouvellerais|leverais|saisirais|demanderais|"
        r"maintiendrais|admettrais|retirerais)\b|"
        r"\bun avis (?:exterieur|neutre|objectif|franc|tranche)|"
        r"\b(?:la|quelle) (?:decision|mesure|sanction|solution|option|orientation) a "
        r"(?:prendre|retenir|choisir|proposer)|\bla meilleure (?:option|decision|solution|mesure)|"
        r"\b(?:ca|cela|ceci|ces faits|ces elements|c') ?(?:justifie|justifient|merite|meritent|"
        r"suffit|suffisent|necessite|necessitent|vaut|valent)\b|\bque (?:me |nous )?(?:conseilles|"
        r"recommandes|proposes|ferais|dirais)[- ]tu\b|\btu en dis quoi\b",
    )
)
_TELL = re.compile(
    r"\b(?:dis[- ]moi|dites[- ]moi|dis[- ]nous|indique[- ]moi|precise[- ]moi|"
    r"tu (?:peux|pourrais|pourras|sais) (?:me )?(?:dire|preciser|indiquer)|"
    r"(?:peux|pourrais)[- ]tu (?:me )?(?:dire|preciser|indiquer)|"
    r"tu me dis|tu me diras|me dire|j'ai besoin (?:de savoir|que tu me dises)|"
    r"je veux (?:savoir|que tu me dises)|je voudrais savoir|aide[- ]moi a (?:decider|"
    r"trancher|choisir|savoir))\b[^.?\n]{0,40}?\b(?:si|s'il|s'ils|lequel|laquelle|lesquel\w*|"
    r"qui|quel\w*|combien|ce qu|ce que|comment classer|clairement)\b"
)
_JUDGE_IMPERATIVE = re.compile(rf"{_ADDRESS}\s*(?:{_JUDGE_VERBS})\b(?!-)(?P<rest>[^.?\n]*)")
_JUDGE_INFINITIVE = re.compile(
    rf"\b(?:peux[- ]tu|tu peux|pourrais[- ]tu|tu pourrais|merci de|je veux que tu|"
    rf"j'ai besoin que tu|je te demande de|il faut que tu|a toi de|aide[- ]moi a)\s+"
    rf"(?:me |nous |m'|en |y |le |la |les )?(?:{_JUDGE_INF})\b(?P<rest>[^.?\n]*)"
)
_NEGATED = re.compile(r"(?:\bne\b|\bn'|\bpas\b|\bsans\b|\bjamais\b)[^,.?\n]{0,25}$")

QUESTION_START = re.compile(
    r"^\W*(?:faut[- ]il|faudrait[- ]il|faut il|doit[- ]on|dois[- ]je|devrait[- ]on|"
    r"devrais[- ]je|devrions[- ]nous|peut[- ]on|est[- ]ce qu|est[- ]il|est[- ]elle|"
    r"sont[- ]ils|sont[- ]elles|a[- ]t[- ](?:il|elle|on)|peut[- ](?:il|elle)|"
    r"on (?:fait|doit|le|la|les|arrete|garde|accepte|continue|propose)\b[^?]{0,60}\bou\b)"
)
# « je suspends son RSA ? », « on le place ? »: a first-person yes/no question
FIRST_PERSON_QUESTION = re.compile(
    r"(?:^|[,:;]\s*|\bdonc |\balors |\bbon )(?:je|on|j') ?(?:le |la |les |lui |leur |l')?"
    r"[a-z]+\b[^?]{0,60}\?\s*$"
)
DECIDE_MODAL = re.compile(
    r"\b(?:faut[- ]il|faudrait[- ]il|faut il|il faut|il faudrait|doit[- ]on|dois[- ]je|"
    r"devrait[- ]on|devrais[- ]je|devrions[- ]nous|on doit|on devrait|je dois|je devrais|"
    r"est[- ]il temps|merite|meritent|est[- ]ce qu'on|est[- ]ce que je|est[- ]ce que on|"
    r"on (?:le|la|les|lui|leur) |peut[- ]on|on peut|on garde|on arrete|on continue)\b"
)
GENERAL_START = re.compile(
    r"^\W*(?:quel(?:le)?s? sont|quel est|quelle est|quel(?:le)?s? (?:differences?|etapes?|"
    r"criteres?|conditions?|signes?|regles?|aides?|droits?|dispositifs?|questions?|"
    r"activites?|outils?|pistes?|formulations?)|comment|pourquoi|qu'est[- ]ce|"
    r"c'est quoi|ca veut dire|que (?:dit|prevoit|signifie|faire)|dans (?:quels?|quelles?) cas|"
    r"a partir de quand|a partir de quel|quand|qui (?:decide|peut|saisit|prend|fait|est)|"
    r"combien de temps|existe[- ]t[- ]il|y a[- ]t[- ]il|explique|en general|"
    r"en theorie|de maniere generale|d'une maniere generale|par principe|"
    r"dans un cas fictif|pour une formation|j'aimerais comprendre|je voudrais comprendre)"
)
GENERAL_ANY = re.compile(
    r"\b(?:en general|en theorie|de maniere generale|d'une maniere generale|"
    r"habituellement|generalement|cas fictifs?|situations? fictives?|exemples? fictifs?|"
    r"vignettes?|pour (?:une|la|ma) formation|pour un atelier de formation|"
    r"dans l'absolu|les criteres|quels criteres|les conditions|le cadre legal|"
    r"la loi|le code de l'action sociale|que dit la loi|la theorie|les theories|le concept|"
    r"la notion|ethique\w*|deontolog\w*|analyse de (?:la )?pratique|in general|generally|"
    r"training|framework\w*|en regle generale|dans les grandes lignes)\b"
)
IMPERATIVE_START = re.compile(
    r"^\W*(?:redige|ecris|fais|prepare|reformule|simplifie|traduis|corrige|relis|resume|mets|"
    r"propose|donne|aide[- ]moi|structure|organise|reecris|transforme|liste|cree|construis|"
    r"explique|rends|adapte|raccourcis|complete|synthetise|peux[- ]tu|tu peux|pourrais[- ]tu|"
    r"merci de|j'ai besoin)\b"
)
_WH = (
    r"(?:quand|comment|pourquoi|avec qui|a qui|aupres de qui|ou (?:est|se|en|trouver)|"
    r"combien de temps|a quel moment|de quelle (?:facon|maniere)|dans quel delai|"
    r"(?:a|lors de|pendant|dans) (?:quelle|quel) (?:reunion|date|heure|occasion|etape|"
    r"instance|seance|synthese|commission|rendez-vous|rdv|cadre))"
)
WH_PROCESS = re.compile(
    rf"(?:^|[,:;]\s*|\bet\s+)\W*{_WH}\b|\b{_WH}(?:\s+\S+){{0,3}}\s*\?\s*$|"
    # « quels supports… ? »: a question about content, not about the decision
    r"(?:^|[,:;]\s*|\bet\s+)\W*(?:et )?(?:a |pour |avec |dans |sur )?quel(?:le)?s? (?!(?:est|sont|serait|seraient|mesure|sanction|decision|option|solution|"
    r"choix|trouble|maladie|pathologie|diagnostic|handicap|syndrome|niveau|score|note|"
    r"priorite|montant|aide|droit|risque|probabilite|place|famille|menage|dossier|demande|"
    r"jeune|enfant|personne|resident|beneficiaire|suite|orientation|reponse|avis|"
    r"conclusion|qi)s?\b)[a-z]+"
)
HUMAN_OWNED = re.compile(
    r"\b(?:j'ai (?:decide|tranche|conclu|choisi|propose|recommande|evalue|estime|fait le "
    r"choix)|nous avons (?:decide|tranche|conclu|choisi|propose|recommande|retenu)|"
    r"on a (?:decide|tranche|conclu|choisi|propose|retenu|acte)|"
    r"je (?:recommande|propose|preconise|considere|conclus|demande|sollicite|maintiens|"
    r"retiens|suis d'avis)|nous (?:recommandons|proposons|preconisons|considerons|"
    r"demandons|sollicitons|concluons|retenons)|mon avis|ma position|ma conclusion|"
    r"mon evaluation|ma decision (?:est|a ete)|notre decision|notre avis|"
    r"(?:a|ont|avait|avaient) (?:ete )?(?:decide|ordonne|prononce|accorde|refuse|valide|"
    r"acte|diagnostique|notifie|retenu|rejete|statue|arbitre|tranche|confirme)e?s?|"
    r"(?:est|sont|etait) (?:decidee?s?|ordonnee?s?|prononcee?s?|accordee?s?|refusee?s?|"
    r"actee?s?|diagnostiquee?s?|notifiee?s?)|diagnostiquee?s? par|"
    r"(?:decidee?s?|ordonnee?s?|prononcee?s?|actee?s?) (?:par|en (?:equipe|commission|"
    r"reunion|synthese|audience)|lors)\b|"
    r"\b(?:medecin|psychiatre|pedopsychiatre|psychologue|pediatre|neurologue|neuropediatre|"
    r"orthophoniste|bilan|compte rendu|cmp|cmpp|hopital)\b[^.?\n]{0,40}\b(?:conclut|pose|"
    r"retient|diagnostique|confirme|evoque|decrit|parle d)\b|decision (?:prise|"
    r"de la commission|du juge|de l'equipe|du tribunal|de la direction)|"
    r"selon (?:le|la|son|sa) (?:medecin|psychiatre|psychologue|pediatre|neurologue|"
    r"orthophoniste|juge|commission|equipe)|(?:le|la|son|sa) (?:medecin|psychiatre|"
    r"psychologue|pediatre|juge|commission|equipe|direction|cmp|mdph|caf) (?:a|ont) |"
    r"\b(?:medecin|psychiatre|pedopsychiatre|psychologue|pediatre|neurologue|orthophoniste|"
    r"juge|commission|equipe|direction|cmp|cmpp|mdph|caf|crip|ase|tribunal|parquet|cheffe?|"
    r"chef de service|directeur|directrice|conseil)\b[^.?\n]{0,30}\b(?:a|ont|avait|avaient) "
    r"(?:pose|diagnostique|decide|ordonne|prononce|valide|refuse|accorde|confirme|conclu|"
    r"retenu|demande|propose|acte|suspendu|leve|prolonge|renouvele|classe|constate)|"
    # a writing addressed to the body that will decide: the decision stays with them
    r"(?:synthese|rapport|note|compte rendu|expose|presentation|ecrit|resume|bilan)\b"
    r"[^.?\n]{0,120}\b(?:pour|a l'attention de|destinee? a|a presenter (?:a|en)|en vue de) "
    r"(?:la |le |l')?(?:commission|juge|magistrat|equipe|reunion de synthese|instance|comite|"
    r"crip|direction|conseil|audience))"
)
VALIDATE_HUMAN = re.compile(
    r"\b(?:(?:est[- ]elle|est[- ]il|est[- ]ce|c'est) (?:justifiee?|proportionnee?|"
    r"la bonne|le bon|adaptee?|legitime|fondee?|raisonnable|excessive?|trop severe|juste)|"
    r"(?:ma|mon|notre|nos|cette|la|leur) (?:decision|choix|proposition|position|sanction|"
    r"mesure)s?\b[^.?\n]{0,30}\b(?:est|etait|serait|sont)[^.?\n]{0,25}\b(?:justifiee?s?|"
    r"proportionnee?s?|la bonne|le bon|adaptee?s?|legitimes?|fondee?s?|raisonnables?|"
    r"excessive?s?)|"
    r"ai[- ]je raison|j'ai raison|j'ai eu raison|(?:valide|confirme)s?[- ](?:moi )?"
    r"(?:ma|mon|notre|nos|mes) |je me trompe)"
)
HOWTO = re.compile(
    r"\b(?:comment|de quelle maniere|aide[- ]moi a|m'aider a|aide pour)\s+(?:l'|le |la |les |"
    r"lui |leur |leurs |bien |mieux )?(?:annoncer|rediger|ecrire|formuler|presenter|"
    r"expliquer|aborder|preparer|dire|parler|accompagner|structurer|argumenter|motiver|"
    r"justifier|reformuler|transmettre|faire passer|amener|introduire|traduire|mettre en forme)"
)
SPECIFIC = re.compile(
    r"<[a-z_]+_\d+>|\b(?:m|mme|mlle|monsieur|madame|mr)\s+(?:<|[a-z])|"
    r"\b(?:ce|cette|ces|cet|mon|ma|mes|notre|nos|son|sa|ses|leur|leurs)\s+(?:jeunes?|"
    r"familles?|enfants?|dames?|messieurs?|monsieur|residents?|residentes?|menages?|"
    r"locataires?|beneficiaires?|personnes?|allocataires?|peres?|meres?|parents?|bebes?|"
    r"demandeurs?|demandes?|dossiers?|usagers?|gamins?|ados?|adolescente?s?|filles?|fils|"
    r"garcons?|mineurs?|accueillie?s?|couples?|freres?|soeurs?|eleves?|hebergee?s?|"
    r"candidats?|salaries?|stagiaires?|patients?|file active|situation|comportement|"
    r"petite?s?|grand[- ]frere|aine|cadette?|benjamine?|suivi|bonhomme)\b|"
    r"\b\d{1,2} ?ans\b|\bd'apres (?:ces|mes|ce que|son|ses|sa|le|la|les|cette|ce)\b|"
    r"\bvoici\b|\bci[- ]dessous\b|\bci[- ]joint|\bje (?:te )?colle\b|\bvu (?:son|ses|sa|le|la|"
    r"les)\b|\bau vu de\b|\bavec ces (?:infos|elements|informations)\b|"
    r"(?<!-)\b(?:il|elle) (?!y a\b|faut\b|s'agit\b|existe\b|est (?:possible|"
    r"interdit|obligatoire|necessaire|conseille|utile|important|normal|frequent)\b)(?:ne )?[a-z]+|"
    r"\bnotes?\b|"
    r"\b(?:la|le|les) (?:mere|pere|parents|residente?|beneficiaire|jeune|menage|famille|"
    r"locataire|enfants?) (?:de|d'|du|des|est|a|ont|sont)\b|<name>"
)
_CLAUSE_SPLIT = re.compile(
    r"(?<=[.!?;\n])\s+|\s*\n+\s*|"
    r"(?:,\s*|\s+)(?=(?:et|puis|ensuite|et puis|et ensuite|mais)\s+(?:au passage\s+|aussi\s+|"
    r"surtout\s+|enfin\s+)?(?:dis|dites|indique|decide|decides|tranche|choisis|conclus|"
    r"ajoute|termine|donne|precise|mets|note|classe|evalue|recommande|propose|determine|"
    r"attribue|calcule|estime|confirme|valide|juge|fais|rajoute|complete)\b)"
)


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a request, with its generic cues (all on normalised text)."""

    text: str
    question: bool
    delegate: tuple[str, ...]
    decide_modal: bool
    general: bool
    human_owned: bool
    validate_human: bool
    howto: bool
    specific: bool
    process_question: bool = False
    first_person_question: bool = False


def normalise(text: str, *, names: bool = True) -> str:
    """Lower case, no accents, straight quotes and apostrophes, ``œ`` → ``oe``;
    placeholders become ``<personne_1>``; capitalised names in unredacted text become
    ``<name>`` so that offline evaluation on raw prompts sees people as people."""
    if names:
        text = _mark_names(text)
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    text = re.sub(r"[’‘`´]", "'", text)
    text = re.sub(r"[«»“”]", '"', text)
    text = strip_marks(text, "NFKD").lower()
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    # "M. Girard" must not end a sentence
    text = re.sub(r"\b(m|mr|mme|mlle|dr|me|st)\. ", r"\1 ", text)
    return text


_NAME = re.compile(
    r"(?:(?<=\b[Mm]\. )|(?<=\bMme )|(?<=\bMr )|(?<=\bMlle )|(?<=\bDr )|(?<=\bDr\. )|"
    r"(?<=[^.!?\n\s] )|(?<=[,;:(] ))([A-ZÉÈÎ][a-zéèëêïîôöüç]+(?:-[A-Z][a-zé]+)?)\b"
)
_NOT_NAMES = frozenset(
    ["Je", "Tu", "Il", "Elle", "On", "Nous", "Vous", "Ils", "Elles", "Le", "La", "Les", "Un", "Une", "Des", "Ce", "Cette", "Ces", "Mon", "Ma", "Mes", "Voici", "Merci", "Bonjour", "Madame", "Monsieur", "Mme", "France", "Travail", "Pôle", "Emploi", "Caf", "Juge", "Conseil", "Département", "Maison", "Mission", "Locale", "Aide", "Sociale", "Enfance", "Protection", "Maternelle", "Infantile", "Centre", "Communal", "Action", "Cher", "Chère", "Objet", "Madame", "Pour", "Dans", "Avec", "Est", "Les", "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche", "Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre", "Noël", "Et", "Ou", "Si", "Mais", "Donc"]
)


def _mark_names(text: str) -> str:
    """Replace capitalised words inside a sentence by ``<name>`` (offline only: in the
    gateway names are already placeholders)."""
    return _NAME.sub(lambda m: m.group(0) if m.group(1) in _NOT_NAMES else "<name>", text)


def request_text(text: str, *, keep_titles: bool = False) -> str:
    """The instruction part of a normalised message: quoted passages (pasted texts to
    translate, rewrite or proofread) are replaced by a marker so their words are not read
    as the request. ``keep_titles`` keeps short quotes (« atelier "recherche d'emploi" »),
    which name the deliverable."""
    return (_QUOTED_LONG if keep_titles else _QUOTED_ANY).sub(' "cite" ', text)


def split_clauses(text: str) -> list[str]:
    """Sentences, further split where a second request is chained (« … et dis-moi si »)."""
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(text) if p and p.strip()]
    return [p for p in parts if re.search(r"\w", p)]


def delegate_cues(clause: str) -> tuple[str, ...]:
    """Phrases of ``clause`` that hand a judgement to the model (not negated, not about
    style)."""
    found: list[str] = []
    for pattern in (*DELEGATE, _TELL):
        for m in pattern.finditer(clause):
            if not _NEGATED.search(clause[: m.start()][-30:]):
                found.append(m.group(0).strip(" ,;:"))
    for pattern in (_JUDGE_IMPERATIVE, _JUDGE_INFINITIVE):
        for m in pattern.finditer(clause):
            rest = m.group("rest")
            if _STYLE.match(rest) or _NEGATED.search(clause[: m.start()][-30:]):
                continue
            found.append(m.group(0)[: len(m.group(0)) - len(rest)].strip(" ,;:"))
    return tuple(dict.fromkeys(found))


@memo_short_texts(maxsize=4096, max_chars=2000)
def analyse_clause(clause: str) -> Clause:
    """The generic cues of one normalised clause."""
    question = clause.rstrip().endswith("?") or bool(QUESTION_START.search(clause))
    return Clause(
        text=clause,
        question=question,
        delegate=delegate_cues(clause),
        decide_modal=bool(DECIDE_MODAL.search(clause)),
        first_person_question=bool(FIRST_PERSON_QUESTION.search(clause)),
        general=bool(GENERAL_START.search(clause) or GENERAL_ANY.search(clause)),
        human_owned=bool(HUMAN_OWNED.search(clause)),
        validate_human=bool(VALIDATE_HUMAN.search(clause)),
        howto=bool(HOWTO.search(clause)),
        specific=bool(SPECIFIC.search(clause)),
        process_question=bool(WH_PROCESS.search(clause)),
    )


def analyse(text: str, *, keep_titles: bool = False) -> list[Clause]:
    """Normalise ``text`` and analyse each clause of its instruction part. Topic words are
    read on the text as typed (« Alzheimer » stays a disease); whether a clause names a
    person is read on the text where capitalised names became ``<name>``."""
    plain = split_clauses(request_text(normalise(text, names=False), keep_titles=keep_titles))
    marked = split_clauses(request_text(normalise(text), keep_titles=keep_titles))
    clauses = [analyse_clause(c) for c in plain]
    if len(marked) != len(plain):  # should not happen; fall back to the whole message
        named = any(SPECIFIC.search(c) for c in marked)
        return [replace(c, specific=c.specific or named) for c in clauses]
    out = [
        replace(c, specific=True) if not c.specific and SPECIFIC.search(m) else c
        for c, m in zip(clauses, marked, strict=True)
    ]
    return _resolve(out)


_CHAINED = re.compile(r"^\W*(?:et|puis|ensuite|mais)\b")


def _resolve(clauses: list[Clause]) -> list[Clause]:
    """Cues that depend on the neighbouring clauses: « … le psychiatre conclut à X et
    recommande Y » (a third person, not an order); a message that says it asks « en
    général » or asks about the assistant itself is a general question throughout."""
    out: list[Clause] = []
    for i, c in enumerate(clauses):
        prev = out[i - 1] if i else None
        if (prev is not None and c.delegate and _CHAINED.match(c.text)
                and (prev.human_owned or not is_instruction(prev))
                and not any(p.search(c.text) for p in DELEGATE)):
            c = replace(c, delegate=(), human_owned=c.human_owned or prev.human_owned)
        rule_of_conduct = (FORBIDS_DECIDING.search(c.text) and not c.question
                           and not any(p.search(c.text) for p in DELEGATE))
        if ABOUT_ASSISTANT.search(c.text) or rule_of_conduct:
            c = replace(c, delegate=(), general=True, specific=False)
        out.append(c)
    if any(EXPLICIT_GENERAL.search(c.text) for c in out):
        out = [c if c.delegate or c.validate_human else replace(c, general=True, specific=False)
               for c in out]
    return out


# a message this long (normalised) may hold pasted material: notes, an e-mail, a table
PASTED_MIN_CHARS = 280
_ADDRESSED = re.compile(
    r"\b(?:tu|toi|te|t'|vous|moi|stp|svp|merci de|peux[- ]tu|pourrais[- ]tu|"
    r"je (?:veux|voudrais|souhaite|aimerais|dois|cherche|te)|j'(?:ai besoin|aimerais|"
    r"voudrais)|aide[- ]moi|please|can you|could you|i need|help me|you)\b|"
    r"[a-z]+-(?:moi|nous|le|la|les|en)\b"
)


# « en général », « pas pour un cas précis »: the whole message is a general question
EXPLICIT_GENERAL = re.compile(
    r"\b(?:en general|de (?:maniere|facon) generale|d'une (?:maniere|facon) generale|"
    r"en regle generale|pas (?:pour|sur) un cas (?:precis|particulier|reel)|dans l'absolu|"
    r"en theorie|in general|generally speaking|broadly speaking|in general terms)\b"
)
# an instruction that forbids the model a decision (a system prompt's « tu ne décides
# jamais… », « never decide whether… ») is a rule of conduct, not a request
FORBIDS_DECIDING = re.compile(
    r"\b(?:never|do not|don't|must not|should not|may not|cannot|ne (?:\w+ )?(?:jamais|pas)|"
    r"n'(?:\w+ )?(?:jamais|pas)|interdit de|pas le droit de|refuse de|s'abstient de)\b"
    r"[^.?,:;\n]{0,40}\b(?:decid\w*|tranch\w*|diagnos\w*|juge\w*|judge|note\w*|evalu\w*|"
    r"recommand\w*|recommend\w*|prend\w*|pose\w*|determin\w*|choisi\w*|choose|conclu\w*|"
    r"whether)\b"
)
# questions about the assistant itself (« as-tu le droit de décider à ma place ? »)
ABOUT_ASSISTANT = re.compile(
    r"\b(?:(?:as[- ]tu|tu as|est[- ]ce que tu as|avez[- ]vous|vous avez) le droit de|"
    r"es[- ]tu (?:autorise|capable)|tu es (?:autorise|capable)|ce que je peux te demander|"
    r"are you allowed|can you legally|what (?:can|may) i ask you)\b"
)


def is_instruction(clause: Clause) -> bool:
    """Whether a clause speaks to the model (an order, a question, a delegation) rather
    than describing a situation (a line of pasted notes, of an e-mail, of a table)."""
    return bool(
        clause.question or clause.delegate or clause.validate_human
        or IMPERATIVE_START.search(clause.text) or _ADDRESSED.search(clause.text)
    )


def request_clauses(text: str, clauses: list[Clause]) -> list[Clause]:
    """The clauses of a long message that make the request: pasted material (notes,
    e-mails, tables: clauses that speak to no one) is context, not a request, so decision
    words inside it do not by themselves count. Short messages are kept whole."""
    if len(text) < PASTED_MIN_CHARS or len(clauses) < 3:
        return clauses
    kept = [c for c in clauses if is_instruction(c)]
    return kept or clauses[-1:]


def placeholder_labels(text: str) -> frozenset[str]:
    """Labels of the placeholders present in a redacted text (``<PERSONNE_1>`` → PERSONNE)."""
    return frozenset(m.group(1) for m in _PLACEHOLDER.finditer(text))
