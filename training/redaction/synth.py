"""Structural training documents: tables, CSV, JSON, forms, rosters, transcripts, SMS threads,
English mails, MRZ lines, identifiers with and without cue words, and traps (headings, titles,
law and form numbers, amounts) that must stay clear.

The hand-written documents teach the model how staff write; these teach it the layouts where
an identifier stands with no word around it, with values drawn at random so no value can be
memorised. Training-time only.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from training.redaction import values as v


class Doc:
    """Text built piece by piece, with the character offsets of labelled pieces."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.entities: list[dict] = []
        self.length = 0

    def add(self, text: str, label: str | None = None) -> "Doc":
        if label and text.strip():
            self.entities.append({"start": self.length, "end": self.length + len(text),
                                  "label": label, "text": text})
        self.parts.append(text)
        self.length += len(text)
        return self

    def result(self, kind: str) -> dict:
        return {"kind": kind, "text": "".join(self.parts), "entities": self.entities}


TRAPS = [
    "article 375 du Code civil", "loi n° 2022-140 du 7 février 2022", "décret n° 2016-1457",
    "cerfa n° 15692*01", "article L. 226-3 du CASF", "montant : 1 236,40 €", "RSA socle 607,75 €",
    "chambre 12 (salle d'attente)", "appeler le 115", "le 119 a été informé", "3919",
    "GIR 4", "taux d'incapacité 50 %", "bus 147", "15h30", "âgé de 14 ans", "depuis 2019",
    "SIRET du service 123 456 789 00012", "ordonnance n° 2020-1447",
    "rdv 09:20 annulé", "reste à vivre 3,80 € par jour", "T3 de 58 m²", "loi n° 2016-297",
    "décret 2021-1234 du 24 septembre", "12 personnes dont 3 enfants", "4e étage sans ascenseur",
    "classe de CM1", "dette de 2 412,57 €", "2 nuits au 115", "prise en charge 6,20 €/repas",
    "Type : T2 — Surface : 41 m²", "Lun. 14h / Mar. 9h30 / Jeu. 16h", "article 706-53-1 du CPP",
]
HEADINGS = ["COMPTE RENDU D'ENTRETIEN", "RAPPORT DE SITUATION", "INFORMATION PRÉOCCUPANTE",
            "SYNTHÈSE", "OBJET : DEMANDE D'AIDE FINANCIÈRE", "ÉLÉMENTS DE CONTEXTE",
            "ÉVALUATION SOCIALE", "SITUATION FAMILIALE", "PROPOSITIONS", "CONCLUSION",
            "FICHE DE LIAISON", "LISTE DES PARTICIPANTS", "TABLEAU DE SUIVI", "URGENT"]
TITLES = ["Monsieur le Préfet", "Madame la Juge", "Monsieur le Président", "Madame la Directrice",
          "le Procureur de la République", "la Présidente du Conseil départemental",
          "Madame la Conseillère", "Monsieur le Directeur"]
ASKS = ["Peux-tu mettre ça en tableau ?", "Reformule de façon pro stp.", "Fais-moi une synthèse.",
        "Rédige un mail au bailleur à partir de ça.", "Corrige l'orthographe sans changer le fond.",
        "Can you translate this into French?", "Transforme en liste de démarches.", ""]


def filler(rng: random.Random, lang: str | None = None) -> str:
    """Ordinary words that are no one's name: a sentence, a Title Case or ALL-CAPS heading,
    a lowercase typed line, a column header, in French or English."""
    fk = v.faker(lang or rng.choice(["fr_FR", "fr_FR", "en_US"]))
    fk.seed_instance(rng.random())
    r = rng.random()
    if r < 0.45:
        return fk.sentence(nb_words=rng.randint(4, 14))
    words = fk.words(nb=rng.randint(1, 4))
    if r < 0.6:
        return " ".join(w.capitalize() for w in words) + rng.choice([" :", "", "\n"])
    if r < 0.75:
        return " ".join(words).upper()
    if r < 0.9:
        return " ".join(words).lower()
    return rng.choice([";", ",", " | ", "\t"]).join(w.capitalize() for w in words)


def _dob(rng: random.Random, child: bool = False) -> str:
    return v.date(rng, 2005, 2024) if child else v.date(rng, 1945, 2006)


def table_doc(rng: random.Random) -> dict:
    """CSV / semicolon / tab / Markdown / space-aligned rows with or without a header."""
    cols_all = [("Nom", "LAST"), ("Prénom", "FIRST"), ("Date de naissance", "DOB"),
                ("N° allocataire", "CAF"), ("Tél", "PHONE"), ("Adresse", "ADDRESS"),
                ("Identifiant FT", "FT"), ("Dossier", "CASE"), ("Référent", "INIT"),
                ("Statut", "STATUS"), ("Montant", "AMOUNT"), ("NIR", "NIR"), ("Mail", "EMAIL")]
    n_cols = rng.randint(3, 6)
    cols = [cols_all[0], cols_all[1]] if rng.random() < 0.7 else [("Nom prénom", "FULL")]
    cols += rng.sample(cols_all[2:], n_cols - len(cols))
    style = rng.choice(["csv", "semi", "tab", "md", "spaces"])
    sep = {"csv": ",", "semi": ";", "tab": "\t", "md": " | ", "spaces": "   "}[style]
    header = [c[0] if rng.random() < 0.8 else c[0].lower() for c in cols]
    d = Doc()
    if rng.random() < 0.6:
        d.add(rng.choice(["Export du logiciel :\n", "Liste des familles reçues cette semaine\n",
                          "voilà le tableau\n", "Participants atelier budget\n", ""]))
    with_header = rng.random() < 0.75
    if with_header:
        line = sep.join(header)
        d.add(("| " + line + " |" if style == "md" else line) + "\n")
        if style == "md":
            d.add("|" + "|".join("---" for _ in cols) + "|\n")
    for _ in range(rng.randint(2, 7)):
        if style == "md":
            d.add("| ")
        for i, (_, kind) in enumerate(cols):
            if i:
                d.add(sep)
            _cell(rng, d, kind, quoted=style == "csv" and rng.random() < 0.2)
        d.add(" |\n" if style == "md" else "\n")
    if rng.random() < 0.5:
        d.add(rng.choice(ASKS))
    return d.result("prompt_chatbot")


def _cell(rng: random.Random, d: Doc, kind: str, quoted: bool = False) -> None:
    q = '"' if quoted else ""
    d.add(q)
    if kind == "LAST":
        d.add(v._case(rng, v.last_name(rng), 0.15, 0.45), "PERSON")
    elif kind == "FIRST":
        d.add(v._case(rng, v.first_name(rng), 0.15, 0.05), "PERSON")
    elif kind == "FULL":
        d.add(v.person(rng, rng.choice(["full", "LAST first"])), "PERSON")
    elif kind == "DOB":
        d.add(_dob(rng, rng.random() < 0.5), "DATE_OF_BIRTH")
    elif kind == "CAF":
        d.add(v.caf(rng), "CAF_NUMBER")
    elif kind == "PHONE":
        d.add(v.phone(rng), "PHONE")
    elif kind == "ADDRESS":
        d.add(v.address(rng).replace("\n", " "), "ADDRESS")
    elif kind == "FT":
        d.add(v.ft_id(rng), "FT_ID")
    elif kind == "CASE":
        d.add(v.case_id(rng)[1], "CASE_ID")
    elif kind == "INIT":
        d.add(v.person(rng, "initials"), "PERSON")
    elif kind == "NIR":
        d.add(v.nir(rng), "NIR")
    elif kind == "EMAIL":
        d.add(v.email(rng), "EMAIL")
    elif kind == "STATUS":
        d.add(rng.choice(["en cours", "clos", "orienté CCAS", "RSA", "sans ressources", "AAH", "à revoir"]))
    elif kind == "AMOUNT":
        d.add(f"{rng.randint(20, 1900)},{rng.randint(0, 99):02d} €")
    d.add(q)


def json_doc(rng: random.Random) -> dict:
    """A record exported from case-management software."""
    d = Doc()
    d.add(rng.choice(["Voici l'export JSON, résume la situation :\n", "fiche du logiciel :\n", ""]))
    d.add("{\n")
    fields: list[tuple[str, Callable[[], str], str | None]] = [
        ("nom", lambda: v.last_name(rng).upper(), "PERSON"),
        ("prenom", lambda: v.first_name(rng), "PERSON"),
        ("dateNaissance", lambda: v.date(rng, 1950, 2020), "DATE_OF_BIRTH"),
        ("idIndividu", lambda: v.digits(rng, rng.randint(6, 9)), "CASE_ID"),
        ("numAllocataire", lambda: v.caf(rng), "CAF_NUMBER"),
        ("telephone", lambda: v.phone(rng), "PHONE"),
        ("adresse", lambda: f"{rng.randint(1, 99)} {v.street(rng)}", "ADDRESS"),
        ("codePostal", lambda: rng.choice(v.TOWNS_FR)[0], None),
        ("situation", lambda: rng.choice(["isolée", "couple", "monoparentale"]), None),
        ("referent", lambda: v.person(rng, "full"), "PERSON"),
        ("nbEnfants", lambda: str(rng.randint(0, 5)), None),
    ]
    chosen = rng.sample(fields, rng.randint(4, len(fields)))
    for i, (key, make, label) in enumerate(chosen):
        d.add(f'  "{key}": "')
        d.add(make(), label)
        d.add('"' + ("," if i < len(chosen) - 1 else "") + "\n")
    d.add("}")
    return d.result("prompt_chatbot")


def form_doc(rng: random.Random) -> dict:
    """A form: label, colon, value; sometimes dotted leaders or ALL-CAPS labels."""
    d = Doc()
    if rng.random() < 0.5:
        d.add(rng.choice(HEADINGS) + "\n\n")
    rows: list[tuple[str, Callable[[], str], str | None]] = [
        (rng.choice(["Nom", "NOM", "Nom de naissance", "Nom d'usage"]), lambda: v._case(rng, v.last_name(rng), 0.05, 0.5), "PERSON"),
        (rng.choice(["Prénom", "Prénom(s)", "PRÉNOM"]), lambda: v.first_name(rng), "PERSON"),
        (rng.choice(["Né(e) le", "Date de naissance", "DDN", "Date de naiss.", "Birth date"]), lambda: _dob(rng), "DATE_OF_BIRTH"),
        (rng.choice(["Lieu de naissance", "Né(e) à"]), lambda: rng.choice(v.TOWNS_FR + v.TOWNS_BE)[1], "LOCATION"),
        (rng.choice(["Adresse", "Domicile", "Adresse actuelle"]), lambda: v.address(rng), "ADDRESS"),
        (rng.choice(["Téléphone", "Tél.", "Portable", "GSM", "Natel"]), lambda: v.phone(rng), "PHONE"),
        (rng.choice(["Courriel", "E-mail", "Mail"]), lambda: v.email(rng), "EMAIL"),
        (rng.choice(["N° de sécurité sociale", "NIR", "N° SS"]), lambda: v.nir(rng), "NIR"),
        (rng.choice(["N° allocataire CAF", "Matricule MSA", "N° CAF"]), lambda: v.caf(rng), "CAF_NUMBER"),
        (rng.choice(["Identifiant France Travail", "N° Pôle emploi", "ID FT"]), lambda: v.ft_id(rng), "FT_ID"),
        (rng.choice(["N° titre de séjour", "N° passeport", "Pièce d'identité n°", "N° national", "N° AVS"]), lambda: v.id_document(rng), "ID_DOCUMENT"),
        (rng.choice(["Réf. dossier", "N° de dossier", "Référence"]), lambda: v.case_id(rng)[1], "CASE_ID"),
        (rng.choice(["IBAN", "RIB"]), lambda: v.iban(rng), "IBAN"),
        (rng.choice(["Situation familiale", "Ressources", "Motif"]), lambda: rng.choice(["célibataire, 2 enfants", "RSA + APL", "expulsion locative", "séparée"]), None),
        (rng.choice(["Nom du père", "Nom de la mère", "Personne à contacter"]), lambda: v.person(rng, "full"), "PERSON"),
    ]
    chosen = rng.sample(rows, rng.randint(4, 9))
    lead = rng.choice([" : ", ": ", " :\t", "……… ", " - "])
    for label, make, ent in chosen:
        d.add(label + lead)
        d.add(make(), ent)
        d.add("\n")
    if rng.random() < 0.4:
        d.add(rng.choice(TRAPS) + ".")
    return d.result("courrier_partenaire")


def roster_doc(rng: random.Random) -> dict:
    """Children or participants listed with birth dates or years, no « né le »."""
    d = Doc()
    d.add(rng.choice(["Composition familiale :\n", "enfants :\n", "Fratrie\n", "Présents à l'atelier :\n",
                      "Household members:\n", ""]))
    for _ in range(rng.randint(2, 6)):
        d.add(rng.choice(["- ", "* ", "• ", ""]))
        d.add(v.person(rng, rng.choice(["first", "first", "full", "first initial"])), "PERSON")
        r = rng.random()
        if r < 0.3:
            d.add(rng.choice([" (", ", ", " — ", " né le ", " °", " (DOB ", ", ddn "]))
            d.add(_dob(rng, True), "DATE_OF_BIRTH")
            d.add(")" if rng.random() < 0.5 else "")
        elif r < 0.5:
            d.add(f" ({rng.randint(2006, 2023)})")
        elif r < 0.7:
            d.add(f", {rng.randint(1, 17)} ans")
        d.add(rng.choice(["", ", scolarisé", ", en MECS", ", chez le père", " — suivi PMI"]) + "\n")
    return d.result("rapport_social")


def transcript_doc(rng: random.Random) -> dict:
    """A call or voice memo transcribed, numbers and names said in words."""
    d = Doc()
    speaker_a = rng.choice(["Appelante", "Interlocuteur", "Mme", "Locuteur 1", "Bénéficiaire", "Père"])
    speaker_b = rng.choice(["Écoutante", "AS", "Moi", "Locuteur 2", "Éducatrice"])
    d.add(rng.choice(["Transcription de l'appel du standard\n", "mémo vocal (transcription auto) :\n", ""]))
    lines = rng.randint(3, 6)
    for i in range(lines):
        who = speaker_a if i % 2 == 0 else speaker_b
        d.add(f"{who} : ")
        r = rng.random()
        if i % 2 == 1:
            d.add(rng.choice(["vous pouvez me redonner votre numéro ?", "d'accord, et votre date de naissance ?",
                              "vous pouvez épeler votre nom ?", "c'est noté.", "votre adresse mail ?",
                              "et votre numéro d'allocataire ?"]) + "\n")
            continue
        if r < 0.25:
            d.add(rng.choice(["oui alors c'est le ", "mon portable c'est ", "vous pouvez me rappeler au ", "euh "]))
            d.add(v.phone_spoken(rng), "PHONE")
        elif r < 0.45:
            d.add(rng.choice(["je suis née le ", "mon fils il est né le ", "ma date de naissance c'est le ", "le "]))
            d.add(v.date_spoken(rng, rng.randint(1950, 2020), rng.randint(1, 12), rng.randint(1, 28)), "DATE_OF_BIRTH")
        elif r < 0.6:
            d.add("c'est ")
            d.add(v.spelled(rng, v.last_name(rng)), "PERSON")
        elif r < 0.7:
            d.add("c'est ")
            d.add(v.email_spoken(rng), "EMAIL")
        elif r < 0.8:
            d.add(rng.choice(["mon numéro c'est le ", "allocataire ", "c'est "]))
            d.add(v.digits_spoken(rng, v.digits(rng, 7), rng.choice(["fr", "be"])), "CAF_NUMBER")
        else:
            d.add(rng.choice(["je m'appelle ", "c'est ", "ici c'est ", "oui bonjour, "]))
            d.add(v.person(rng, rng.choice(["full", "first", "LAST first"])), "PERSON")
            d.add(rng.choice([", j'appelle pour mon dossier", ", la maman de ", ""]))
            if rng.random() < 0.4:
                d.add(v.first_name(rng), "PERSON")
        d.add("\n")
    return d.result("note_rapide")


def sms_doc(rng: random.Random) -> dict:
    """A lowercase, accent-free thread with names typed in lowercase."""
    d = Doc()
    people = [v.first_name(rng) for _ in range(3)]
    for _ in range(rng.randint(3, 7)):
        sender = rng.choice(people)
        d.add(v.strip_accents(sender).lower() if rng.random() < 0.5 else sender, "PERSON")
        d.add(f" {rng.randint(7, 22)}:{rng.randint(0, 59):02d} : ")
        r = rng.random()
        if r < 0.3:
            d.add(rng.choice(["mon nv num c ", "rappel moi au ", "le num de ma mere "]))
            d.add(v.phone(rng), "PHONE")
        elif r < 0.6:
            d.add(rng.choice(["jai vu ", "dis a ", "tu peux appeler ", "rdv avec "]))
            d.add(v.strip_accents(v.person(rng, rng.choice(["first", "full", "last"]))).lower(), "PERSON")
            d.add(rng.choice([" demain", " stp", " pr le dossier caf", " il est malade"]))
        else:
            d.add(rng.choice(["ok", "dac merci", "jsuis en retard dsl", "c bon pr jeudi 14h",
                              "g pas de rib", "la caf a rien versé"]))
        d.add("\n")
    return d.result("note_rapide")


def english_doc(rng: random.Random) -> dict:
    """An English passage (colleague's mail, translation request) with names inside."""
    d = Doc()
    d.add(rng.choice(["Hi all,\n\n", "Dear colleague,\n\n", "Hello,\n", "Please translate into French:\n\n"]))
    d.add(rng.choice(["Just a quick update on ", "I met with ", "Following our call about ", "Please note that "]))
    d.add(v.person(rng, rng.choice(["full", "first"])), "PERSON")
    d.add(rng.choice([" (DOB ", " born on ", ", date of birth "]))
    d.add(_dob(rng), "DATE_OF_BIRTH")
    d.add(rng.choice([") yesterday. ", ". ", "). "]))
    d.add(rng.choice(["The family is staying at ", "She now lives at ", "Their address is "]))
    d.add(v.address(rng).replace("\n", " "), "ADDRESS")
    d.add(rng.choice([". Please call her on ", ". Her mobile is ", ". You can reach Ms "]))
    d.add(v.phone(rng), "PHONE")
    d.add(rng.choice([". The school has not been informed yet. ", ". Suggested next steps: a home visit and a meeting with the school. "]))
    d.add(rng.choice(["Best regards,\n", "Kind regards,\n", "Thanks,\n"]))
    d.add(v.person(rng, rng.choice(["full", "first"])), "PERSON")
    if rng.random() < 0.5:
        d.add("\nSocial Worker, Children's Services")
    return d.result("mail_collegue")


def mrz_doc(rng: random.Random) -> dict:
    """Identity-document text with an MRZ line."""
    d = Doc()
    last, first = v.strip_accents(v.last_name(rng)).upper().replace(" ", "<"), v.strip_accents(v.first_name(rng)).upper()
    country = rng.choice(["FRA", "ROU", "TUR", "AFG", "CIV", "UKR", "GEO", "DZA"])
    d.add(rng.choice(["copie du passeport (OCR) :\n", "scan titre :\n", ""]))
    d.add(f"P<{country}")
    d.add(f"{last}<<{first}", "PERSON")
    d.add("<" * rng.randint(5, 15) + "\n")
    doc_no = v.id_document(rng).replace(".", "").replace(" ", "")[:9]
    d.add(doc_no, "ID_DOCUMENT")
    d.add(f"{rng.randint(0, 9)}{country}")
    y, m, dd = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
    d.add(f"{y:02d}{m:02d}{dd:02d}", "DATE_OF_BIRTH")
    d.add(f"{rng.randint(0, 9)}{rng.choice('MF')}{rng.randint(25, 35)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9)}" + "<" * 10)
    return d.result("note_rapide")


def cue_sentences_doc(rng: random.Random) -> dict:
    """Prose with identifiers, titles, headings and traps mixed."""
    d = Doc()
    if rng.random() < 0.4:
        d.add(rng.choice(HEADINGS) + "\n")
    if rng.random() < 0.3:
        d.add(rng.choice(TITLES) + ",\n")
    for _ in range(rng.randint(3, 6)):
        r = rng.random()
        if r < 0.2:
            d.add(rng.choice(["Mme ", "M. ", "Madame ", "Monsieur ", "mme ", "mr ", "", "", "Maître ", "Dr "]))
            d.add(v.person(rng), "PERSON")
            d.add(rng.choice([" est venue ce matin. ", " a appelé. ", " (référente ASE) demande un point. ",
                              " n'a pas honoré le rdv. ", " née ", " "]))
            if rng.random() < 0.3:
                d.add(v.last_name(rng).upper(), "PERSON")
                d.add(". ")
        elif r < 0.32:
            cue, ref = v.case_id(rng)
            d.add(f"{rng.choice(['Concerne', 'Réf', 'Dossier', 'voir'])} {cue} ".replace("  ", " "))
            d.add(ref, "CASE_ID")
            d.add(". ")
        elif r < 0.42:
            d.add(rng.choice(["Son identifiant France Travail ", "inscrite FT sous le ", "ID PE : "]))
            d.add(v.ft_id(rng), "FT_ID")
            d.add(". ")
        elif r < 0.52:
            d.add(rng.choice(["Allocataire n° ", "num alloc ", "MSA ", "caf: "]))
            d.add(v.caf(rng), "CAF_NUMBER")
            d.add(". ")
        elif r < 0.62:
            d.add(rng.choice(["Passeport ", "titre de séjour n° ", "récépissé ", "carte d'identité ", "numéro national ", "AVS ", ""]))
            d.add(v.id_document(rng), "ID_DOCUMENT")
            d.add(". ")
        elif r < 0.7:
            d.add(rng.choice(["Hébergée à l'", "Domiciliée ", "Adresse : ", "vit au ", "chez sa sœur, "]))
            d.add(v.address(rng), "ADDRESS")
            d.add(". ")
        elif r < 0.77:
            d.add(rng.choice(["NIR ", "n° sécu ", "Sécurité sociale : "]))
            d.add(v.nir(rng), "NIR")
            d.add(". ")
        elif r < 0.82:
            d.add("IBAN ")
            d.add(v.iban(rng), "IBAN")
            d.add(". ")
        else:
            d.add(rng.choice(TRAPS) + ". ")
    return d.result("note_entretien")


def prose_doc(rng: random.Random) -> dict:
    """Mostly ordinary text in French or English, with a few identifiers or none."""
    d = Doc()
    lang = rng.choice(["fr_FR", "en_US", "en_US"])
    for _ in range(rng.randint(3, 8)):
        r = rng.random()
        if r < 0.12:
            d.add(rng.choice(["Ms ", "Mr ", "Mrs ", "Mme ", "", ""]))
            d.add(v.person(rng, rng.choice(["full", "first", "last"])), "PERSON")
            d.add(rng.choice([" said ", " will ", " a dit ", " ", ", "]))
        elif r < 0.17:
            d.add(rng.choice(["DOB ", "born ", "date of birth: ", "né le "]))
            d.add(_dob(rng), "DATE_OF_BIRTH")
            d.add(" ")
        elif r < 0.22:
            d.add(rng.choice(TRAPS) + ". ")
        else:
            d.add(filler(rng, lang) + rng.choice([" ", " ", "\n", "\n\n"]))
    return d.result("mail_collegue")


def _sprinkle(doc: dict, rng: random.Random) -> dict:
    """Put ordinary lines before and after a structural document."""
    before = "".join(filler(rng) + "\n" for _ in range(rng.randint(0, 2)))
    after = "".join("\n" + filler(rng) for _ in range(rng.randint(0, 2)))
    shift = len(before)
    for ent in doc["entities"]:
        ent["start"] += shift
        ent["end"] += shift
    doc["text"] = before + doc["text"] + after
    return doc


GENERATORS: list[tuple[Callable[[random.Random], dict], float]] = [
    (table_doc, 3), (json_doc, 1), (form_doc, 2), (roster_doc, 2), (transcript_doc, 2),
    (sms_doc, 1.5), (english_doc, 1.5), (mrz_doc, 0.5), (cue_sentences_doc, 3), (prose_doc, 3),
]


def generate(n: int, seed: int) -> list[dict]:
    """``n`` structural documents, deterministic for a seed."""
    rng = random.Random(seed)
    funcs, weights = zip(*GENERATORS)
    docs = []
    for i in range(n):
        doc = rng.choices(funcs, weights)[0](rng)
        if rng.random() < 0.5:
            doc = _sprinkle(doc, rng)
        doc["id"] = f"synth-{seed}-{i}"
        docs.append(doc)
    return docs


if __name__ == "__main__":
    for doc in generate(6, 1):
        print(json.dumps(doc, ensure_ascii=False)[:600])
