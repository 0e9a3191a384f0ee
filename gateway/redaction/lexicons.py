"""Word lists the name rules rely on, built once at start-up from general sources.

* first names: the multi-country first-name dictionary shipped by ``gender-guesser``
  (Jörg Michael's ``nam_dict.txt``, ~48,000 names of every origin) — a public, general list;
* common French words: the noun/verb/adjective/adverb index of the spaCy French lemmatizer
  plus spaCy's French stop words, to tell ``Rose`` the person from ``une robe rose``;
* hand-written domain vocabulary (civilities, roles, institutions and acronyms of French
  social work) that must never be read as a name.
No value comes from any evaluation corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS

from gateway.textfold import strip_marks


def _words(block: str) -> tuple[str, ...]:
    """A word list written as a whitespace-separated block (keeps the lists compact)."""
    return tuple(block.split())


CIVILITIES = _words(
    """
    monsieur madame mademoiselle messieurs mesdames m. m mr mr. mme mme. mmes mlle mlle. mlles
    mm. dr dr. docteur docteure pr pr. professeur me maître maitre mrs mrs. ms ms. miss
"""
)

# Roles that, directly followed by a capitalised word, introduce a name ("la juge Martin").
ROLES = _words(
    """
    juge éducateur éducatrice educateur educatrice assistante assistant médecin infirmier
    infirmière psychologue puéricultrice directeur directrice référent référente conseiller
    conseillère enseignant enseignante maîtresse maître professeur professeure collègue tuteur
    tutrice curateur curatrice mandataire avocat avocate pédiatre psychiatre orthophoniste CPE
    TISF CESF AS ES ME cheffe chef stagiaire bénévole animateur animatrice coordinateur
    coordinatrice interprète greffier greffière substitut procureur procureure famille enfant
    enfants fils fille frère sœur soeur mère père grand-mère grand-père oncle tante cousin
    cousine neveu nièce conjoint conjointe compagnon compagne époux épouse mari femme bébé
    nourrisson mineur mineure jeune patient patiente usager usagère bénéficiaire locataire
    demandeur demandeuse allocataire prénommé prénommée nommé nommée appelé appelée dénommé
    dénommée bonjour bonsoir salut coucou hello cher chère merci papa maman papy papi mamie
    mémé pépé tonton tata tati tatie beau-père belle-mère demi-frère demi-sœur demi-soeur
"""
)

# Words before a capitalised name that make it the name of a place or an establishment.
ESTABLISHMENTS = _words(
    """
    rue avenue boulevard allée place impasse chemin route quai cours square passage résidence
    cité collège lycée école ecole hôpital hopital clinique centre CMP CMPP CAMSP MECS IME ITEP
    SESSAD EHPAD foyer crèche creche maison association fondation institut groupe mairie
    gymnase stade parc bibliothèque médiathèque université faculté CHU CH hôtel hotel église
    mosquée quartier pont gare station métro bus tram lotissement hameau lieu-dit tribunal
    cabinet service pôle pole espace salle halte relais accueil prix lecture livre film chanson
    pharmacie entreprise magasin restaurant café boulangerie supermarché agence club
"""
)

# Institutions, programmes and acronyms of French social work (and generic capitalised words)
# that must stay readable whatever their case.
NON_NAMES = frozenset(
    w.casefold()
    for w in _words(
        """
    CAF MSA RSA APL ALS ALF AAH ASE PMI MDPH CCAS CIAS CRIP AEMO AED AEEH SIAO FSL CPAM CSS CMU
    AME PUMA CMUC ARS CNAF CNAV URSSAF DDETS DREETS SPIP PJJ ODPE OPP TPE JAF JE JDE TGI TJ
    CASF CESEDA OQTF OFII OFPRA CNDA CADA HUDA CHRS CHU LHSS ACT PASS CMP CMPP CAMSP MECS IME
    ITEP SESSAD EHPAD ESAT SAVS SAMSAH SAVS RQTH PCH ACTP APA AVS AESH ULIS SEGPA EREA CIO PPS
    PAI PPRE RASED CPE TISF CESF ASS ASSP EJE ES ME AS AF PE VAD IP RDV NIR IBAN RIB BIC CNI
    AGDREF DN DDN SMS PDF URGENT TEL TÉL MAIL OK NB PS RAS SDF FALC CV BAFA CAP BEP BTS DUT BAC
    DELF FLE RSA HLM OPH EDF GDF SNCF RATP CPF PLIE CEJ PACEA PPAE EPIDE ASLL AVDL DALO DAHO
    CCAPEX CDAPH PCO MDS MDSI UTAS CMS CD CG CE CA UE SOS SAMU SMUR GIP ONG France Travail Pôle
    Emploi Mission Locale Conseil Départemental Départementale Banque Maison Solidarités
    Solidarité Enfance Famille Familles Sécurité Sociale Santé Justice Préfecture Tribunal Juge
    Enfants Aide Sociale Service Services Centre Caisse Allocations Familiales Assurance
    Maladie Emmaüs Secours Populaire Catholique Croix-Rouge Restos Cœur Coeur Samu Social Objet
    Réf Madame Monsieur Mademoiselle Bonjour Merci Cordialement Bonne Journée Signé Signature
    Date Lieu Nom Prénom Prénoms Adresse Téléphone Tél Mail Courriel Email Né Née Mineur
    Mineurs Enfant Père Mère Parents Situation Contexte Demande Synthèse Conclusion Évaluation
    Observations Objectifs Motif Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Janvier
    Février Mars Juin Juillet Août Septembre Octobre Novembre Décembre Noël Pâques Ramadan Aïd
    Dieu Allah Internet Google WhatsApp Facebook Instagram Snapchat TikTok Doctolib Ameli
    Ventoline Ritaline Lexomil Risperdal Doliprane Dafalgan Subutex Méthadone Xanax Seresta
    Tercian Covid Code Civil Pénal Article Loi Annexe PJ Lidl Aldi Carrefour Auchan Intermarché
    Monoprix Amazon Logirep Paris Lyon Marseille SIRET SIREN FINESS GRETA ATSEM ADMR CSAPA
    CAARUD CeGIDD MAJ NUR AFPA AFPR POEI PMSMP CLSH ALSH PRE REAAP LAEP CIDFF ADIL UDAF ATMP
    APAJH UNAFAM CREAI CHSCT CSE DPO RGPD CNIL IA GPT ChatGPT DOB NN NEPH ANEF ANTS MASP
    MAESF ANAH CPAS SPJ SAJ ONE OCPM AVS
"""
    )
)


# Particles of family names, folded (« d » and « d' » as the two word patterns cut them).
PARTICLES = frozenset(_words("""
    de du des d d' la le van von der den ter dos da das do del della di el al ben bin ibn abou
    bou ould mac mc
"""))

# Articles and possessives: a capitalised word right after one is a common noun or a place
# more often than a name (« la Maison », « son Conseil »).
DETERMINERS = frozenset(_words("""
    le la les l un une des du de d au aux ce cet cette ces son sa ses mon ma mes ton ta tes
    notre votre leur leurs
"""))


# spaCy's stop words of both languages, casefolded: function words that are no name alone
# (« the », « des ») even where they are also a first name somewhere.
ENGLISH_STOP_WORDS = frozenset(w.casefold() for w in EN_STOP_WORDS)
FRENCH_STOP_WORDS = frozenset(w.casefold() for w in FR_STOP_WORDS)


def strip_accents(word: str) -> str:
    """``Émilie`` -> ``Emilie`` (for lexicon look-ups only). Not cached: it sees raw,
    unredacted words, which must not outlive the request."""
    return strip_marks(word)


@dataclass(frozen=True)
class Lexicons:
    """The word lists used by the name rules (all casefolded)."""

    first_names: frozenset[str] = field(repr=False)
    common_words: frozenset[str] = field(repr=False)
    inflections: Mapping[str, object] = field(default_factory=dict, repr=False)
    english_words: frozenset[str] = field(default=frozenset(), repr=False)

    def is_first_name(self, word: str) -> bool:
        """True if every hyphen part of ``word`` is a known first name (``Jean-Baptiste``)."""
        folded = word.casefold()
        if "-" not in folded:  # most words: one part (the name rules ask for every word)
            return bool(folded) and (folded in self.first_names
                                     or strip_accents(folded) in self.first_names)
        parts = [p for p in folded.split("-") if p]
        return bool(parts) and all(
            p in self.first_names or strip_accents(p) in self.first_names for p in parts
        )

    def is_common(self, word: str) -> bool:
        """True if ``word`` is also an ordinary French word (``rose``, ``pierre``, ``petit``)."""
        folded = word.casefold()
        if folded in self.common_words or folded in NON_NAMES:
            return True
        # An inflected form of another word ("petite", "grands", "était").
        lemmas = self.inflections.get(folded) if folded in self.inflections else None
        return bool(lemmas) and lemmas != [folded] and lemmas != folded


    def is_english(self, word: str) -> bool:
        """True if ``word`` (or its singular / stem: ``trends``, ``suggested``, ``cookies``)
        is an ordinary English word."""
        folded = word.casefold()
        candidates = [folded]
        for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
                             ("ing", ""), ("ing", "e"), ("'s", ""), ("’s", ""), ("ly", "")):
            if folded.endswith(suffix) and len(folded) > len(suffix) + 2:
                candidates.append(folded[: -len(suffix)] + repl)
        return any(c in self.english_words for c in candidates)


def load_english_words() -> frozenset[str]:
    """Lower-case entries of Webster's 2nd and GCIDE (proper nouns are capitalised there, so
    lower-case entries are ordinary words)."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2", "gcide"], lower=False)
    return frozenset(w for w in words if w.islower() and len(w) > 1)


def load_first_names() -> frozenset[str]:
    """First names from gender-guesser's dictionary, casefolded (hyphenated ones split)."""
    from gender_guesser.detector import Detector

    names: set[str] = set()
    for key in Detector(case_sensitive=False).names:
        for part in key.replace("+", "-").replace(" ", "-").split("-"):
            if len(part) >= 2:
                names.add(part.casefold())
    return frozenset(names)


def load_common_words(nlp: object) -> frozenset[str]:
    """French common words from spaCy's French stop words and lemmatizer tables.

    The lemma index also lists proper nouns seen in lower case (``julie``, ``mathieu``), so a
    lemma counts as a common word only if the inflection table also knows a plural of it
    (``roses``, ``pierres``, ``marins``); inflected forms (``petite`` -> ``petit``) count too.
    """
    from spacy.lang.fr.stop_words import STOP_WORDS

    words: set[str] = {w.casefold() for w in STOP_WORDS}
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None  # type: ignore[attr-defined]
    if lemmatizer is None or "lemma_index" not in lemmatizer.lookups.tables:
        return frozenset(words)
    from spacy.strings import get_string_id

    index = lemmatizer.lookups.get_table("lemma_index")
    lookup = lemmatizer.lookups.get_table("lemma_lookup")
    for pos in ("adv", "verb"):
        if get_string_id(pos) in index:
            words.update(w.casefold() for w in index[get_string_id(pos)])
    # Irregular forms ("faire", "fait", "était") live in the exceptions table.
    if "lemma_exc" in lemmatizer.lookups.tables:
        exceptions = lemmatizer.lookups.get_table("lemma_exc")
        for pos in ("verb", "adv", "adj", "noun"):
            if get_string_id(pos) in exceptions:
                for form, lemmas in exceptions[get_string_id(pos)].items():
                    if pos in ("verb", "adv"):
                        words.add(form.casefold())
                        words.update(lemma.casefold() for lemma in lemmas)
    for pos in ("noun", "adj"):
        if get_string_id(pos) not in index:
            continue
        for lemma in index[get_string_id(pos)]:
            plural = (
                lemma.endswith(("s", "x", "z"))
                or lemma + "s" in lookup
                or lemma + "x" in lookup
                or (lemma.endswith("al") and lemma[:-2] + "aux" in lookup)
            )
            if plural:
                words.add(lemma.casefold())
    return frozenset(words)


def load_inflections(nlp: object) -> Mapping[str, object]:
    """spaCy's form -> lemma table (keys are hashed, so it is queried, not listed)."""
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None  # type: ignore[attr-defined]
    if lemmatizer is None or "lemma_lookup" not in lemmatizer.lookups.tables:
        return {}
    return lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[no-any-return]
