"""What differs between France, Belgium and Switzerland in the compliance documents:
the data-protection law, the supervisory authority, staff information and consultation,
professional secrecy, national identifiers (DOMAIN.md G-35, C-21)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Country = Literal["fr", "be", "ch"]


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    country: Country
    name: str
    law: str                 # the data-protection law, in short
    law_full: str
    authority: str           # supervisory authority
    authority_site: str
    dpo: str                 # the person who completes the DPIA
    dpia: str                # what a DPIA is called and where it is required
    record: str              # the record of processing activities
    transfers: str           # the rules on transfers abroad
    objection: str           # the right to object, as the law numbers it
    secrecy: str             # professional secrecy
    national_id: str
    staff_info: str          # individual information of staff before monitoring
    works_council: str       # the staff representatives to consult
    consultation: str        # the legal basis of the consultation
    complaint: str           # how to complain to the authority
    authority_plain: str     # the authority, as named in the easy-to-read notice
    processor: str           # the processor contract
    sensitive_basis: str     # the extra condition for sensitive data


JURISDICTIONS: dict[str, Jurisdiction] = {
    "fr": Jurisdiction(
        country="fr", name="France",
        law="RGPD", law_full="règlement (UE) 2016/679 (RGPD) et loi n° 78-17 du 6 janvier 1978 "
        "« Informatique et Libertés »",
        authority="CNIL", authority_site="www.cnil.fr",
        dpo="délégué à la protection des données (DPO)",
        dpia="analyse d'impact relative à la protection des données (AIPD, art. 35 RGPD) : "
        "l'accompagnement social et médico-social, les signalements et la surveillance de "
        "l'activité des salariés figurent sur la liste de la CNIL des traitements qui en "
        "exigent une",
        record="registre des activités de traitement (art. 30 RGPD)",
        transfers="chapitre V du RGPD (décision d'adéquation, Data Privacy Framework, clauses "
        "contractuelles types)",
        objection="art. 21 RGPD",
        secrecy="secret professionnel (art. 226-13 du code pénal, L411-3 CASF) : un fournisseur "
        "d'IA n'entre dans aucun secret partagé",
        national_id="le NIR (numéro de sécurité sociale)",
        staff_info="information individuelle préalable des salariés (art. L1222-4 du code du "
        "travail)",
        works_council="comité social et économique (CSE)",
        consultation="art. L2312-38 du code du travail (consultation du CSE avant la mise en "
        "œuvre de moyens permettant un contrôle de l'activité des salariés) et art. L1222-4 ; "
        "proportionnalité (art. L1121-1)",
        complaint="réclamation auprès de la CNIL (www.cnil.fr/plaintes)",
        authority_plain="la CNIL",
        processor="contrat de sous-traitance (art. 28 RGPD)",
        sensitive_basis="condition de l'art. 9.2 RGPD pour les données sensibles",
    ),
    "be": Jurisdiction(
        country="be", name="Belgique",
        law="RGPD", law_full="règlement (UE) 2016/679 (RGPD) et loi du 30 juillet 2018 relative "
        "à la protection des personnes physiques à l'égard des traitements de données à "
        "caractère personnel",
        authority="Autorité de protection des données (APD)",
        authority_site="www.autoriteprotectiondonnees.be",
        dpo="délégué à la protection des données (DPO)",
        dpia="analyse d'impact relative à la protection des données (AIPD, art. 35 RGPD ; liste "
        "de l'APD des traitements qui en exigent une)",
        record="registre des activités de traitement (art. 30 RGPD)",
        transfers="chapitre V du RGPD (décision d'adéquation, Data Privacy Framework, clauses "
        "contractuelles types)",
        objection="art. 21 RGPD",
        secrecy="secret professionnel (art. 458 et 458ter du code pénal)",
        national_id="le numéro de registre national ou le numéro BIS",
        staff_info="information préalable des travailleurs (CCT n° 39 et CCT n° 81 sur le "
        "contrôle des données de communication électroniques en réseau)",
        works_council="conseil d'entreprise (à défaut, délégation syndicale ou comité pour la "
        "prévention et la protection au travail)",
        consultation="CCT n° 39 du 13 décembre 1983 (information et concertation sur les "
        "conséquences sociales des nouvelles technologies) et CCT n° 81 du 26 avril 2002 "
        "(finalités, proportionnalité, information collective et individuelle)",
        complaint="plainte auprès de l'Autorité de protection des données "
        "(www.autoriteprotectiondonnees.be)",
        authority_plain="l'Autorité de protection des données",
        processor="contrat de sous-traitance (art. 28 RGPD)",
        sensitive_basis="condition de l'art. 9.2 RGPD pour les données sensibles",
    ),
    "ch": Jurisdiction(
        country="ch", name="Suisse",
        law="nLPD", law_full="loi fédérale sur la protection des données du 25 septembre 2020 "
        "(nLPD) et son ordonnance (OPDo), ainsi que la loi cantonale applicable aux organes "
        "publics",
        authority="Préposé fédéral à la protection des données et à la transparence (PFPDT)",
        authority_site="www.edoeb.admin.ch",
        dpo="conseiller à la protection des données",
        dpia="analyse d'impact relative à la protection des données personnelles (art. 22 "
        "nLPD) : traitement de données sensibles, dont les données sur les mesures d'aide "
        "sociale (art. 5 let. c nLPD)",
        record="registre des activités de traitement (art. 12 nLPD)",
        transfers="art. 16 et 17 nLPD (liste des États offrant un niveau de protection adéquat "
        "de l'annexe 1 OPDo, Swiss-US Data Privacy Framework, clauses types reconnues par le "
        "PFPDT)",
        objection="art. 30 al. 2 let. b nLPD (opposition au traitement)",
        secrecy="secret professionnel et secret de fonction (art. 320 et 321 du code pénal "
        "suisse)",
        national_id="le numéro AVS (AVS13), qui ne doit pas être conservé, même haché "
        "(art. 153b–153c LAVS)",
        staff_info="information des travailleurs (art. 26 OLT 3 : pas de système destiné à "
        "surveiller le comportement des travailleurs ; droit d'être consultés, art. 48 LTr)",
        works_council="commission du personnel (à défaut, les travailleurs eux-mêmes)",
        consultation="art. 48 de la loi sur le travail (LTr) et art. 26 de l'ordonnance 3 "
        "(OLT 3) ; art. 328b du code des obligations",
        complaint="dénonciation auprès du PFPDT (www.edoeb.admin.ch)",
        authority_plain="le Préposé fédéral à la protection des données",
        processor="contrat de sous-traitance (art. 9 nLPD)",
        sensitive_basis="règles de l'art. 6 al. 7 et de l'art. 34 nLPD pour les données "
        "sensibles, dont celles sur les mesures d'aide sociale",
    ),
}


def jurisdiction(country: str) -> Jurisdiction:
    """The legal frame for ``fr``, ``be`` or ``ch`` (``ValueError`` otherwise)."""
    try:
        return JURISDICTIONS[country]
    except KeyError:
        raise ValueError(f"unknown country {country!r}: fr, be or ch") from None
