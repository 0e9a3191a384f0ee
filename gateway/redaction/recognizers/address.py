"""Postal addresses as one span, from the first element (complement, number, lieu-dit) to
the commune: ``Résidence Les Tilleuls, bât. C, appt 42, 3 bis rue des Lilas, 93200 Saint-Denis``,
also over several lines. Parts are found separately and chained when only commas, dashes or
line breaks separate them.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, RecognizerResult

from gateway.redaction.recognizers.base import FrenchPatternRecognizer

_UP = r"A-ZÀ-ÖØ-Þ"
_CAP_WORD = rf"[{_UP}0-9][\w'’\-]*"
_PARTICLE = (
    r"(?:(?:de|du|des|la|le|les|aux|au|en|sur|sous|et|lès|lez|St|Ste)(?![\w'’])|[dlDL]['’](?=\w))"
)
_VOIE = (
    "(?i:"
    + (
        r"rue|r\.|avenue|av\.|av(?=\s+(?:de|du|des|d['’]|la|les)\b)|bd\.?|boulevard|place|pl\.|all[ée]e|impasse|imp\.|chemin|ch\.|route|rte|"
        r"quai|cours|square|sq\.|passage|voie|sentier|rond-point|faubourg|fbg|esplanade|parvis|"
        r"promenade|mail|villa|ruelle|mont[ée]e|c[ôo]te|traverse|lotissement|lot\.|hameau|domaine|"
        r"parc|clos|cour|venelle|carrefour|lev[ée]e|corniche|r[ée]sidence|r[ée]s\.|r[ée]sid\.|"
        r"cit[ée]|zac|za|zi"
    )
    + ")"
)
_NUM = r"(?<![\w/.\-])\d{1,4}(?:\s?(?i:bis|ter|quater|[A-D])\b)?"
_NAME = rf"(?:[ \-]{_PARTICLE})*[ \-]?{_CAP_WORD}(?:[ \-]?(?:{_PARTICLE}|{_CAP_WORD})){{0,6}}"
# Lower-case street names are accepted when a number precedes the way type ("12 rue des lilas").
_LOWER_STOP = (
    r"(?!(?:et|est|a|avec|depuis|pour|chez|o[uù]|qui|que|dans|mais|ou|sans|elle|il|ils|on|"
    r"nous|vous|je|j|se|sa|son|ses|leur|y|mme|m|madame|monsieur|t[ée]l|n[ée]e?|depuis|avant|"
    r"apr[èe]s|car|donc|puis|tel|mail|portable|dont|ni|ne|pas|plus|tr[èe]s|chambre)\b)"
)
_NAME_NUMBERED = rf"(?:[ \-]?(?:{_PARTICLE}|{_CAP_WORD}|{_LOWER_STOP}[\w'’\-]+)){{1,7}}"

# Without a number only unambiguous way types count ("passage de la TISF" is no address).
_VOIE_ALONE = (
    r"(?i:rue|avenue|boulevard|bd|all[ée]e|impasse|chemin|quai|square|place|route|faubourg)"
)
# A way type is a whole word: « place » is no street in « placement ».
STREET = (
    rf"(?:{_NUM},?\s+{_VOIE}(?![^\W\d_]){_NAME_NUMBERED}"
    rf"|(?<![\w]){_VOIE_ALONE}(?![^\W\d_]){_NAME})"
)
COMPLEMENT = (
    rf"(?<![\w])(?:(?i:R[ée]sidence|R[ée]sid\.|R[ée]s\.|Cit[ée]|Immeuble|Imm\.|Tour|Foyer|Lieu[\s\-]?dit|"
    rf"Hameau|Domaine|Lotissement|Les)(?:{_NAME})"
    rf"|(?i:B[âa]timent|B[âa]t\.?|Appartement|Appt\.?|Apt\.?|App\.?|Escalier|Esc\.?|Porte|"
    rf"Logement|Lgt\.?|Entr[ée]e|BP|CS|Bo[îi]te\s+postale|[ÉE]tage)\s?(?:n°\s?)?[\w\-]{{1,5}}"
    rf"|\d{{1,2}}(?:er|e|[èe]me)\s+(?i:[ée]tage)"
    # Rooms and pitches of hotels, shelters and campings; kilometre points (« PK 12,5 »).
    rf"|(?i:chambre|chbre|ch\.?(?=\s?\d)|bloc|module|emplacement|mobil[\s\-]?home|dortoir|studio)"
    rf"\s?(?:n°\s?)?\d[\w\-]{{0,4}}"
    # The establishment in front of its room and street (« EHPAD Les Magnolias, ch. 112 »,
    # « Auberge de jeunesse, dortoir 3 »): counted only inside a chain with a street or a
    # postcode, like every complement.
    rf"|(?<![\w])(?i:EHPAD|HLM|CHRS|CADA|HUDA|FJT|PRAHDA|auberge\s+de\s+jeunesse|"
    rf"pension\s+de\s+famille|maison\s+relais|r[ée]sidence\s+sociale|aire\s+d['’]accueil)"
    rf"(?![\w])(?:{_NAME}|(?:\s+{_LOWER_STOP}[^\W\d_][\w'’\-]*){{1,3}}(?=\s+(?i:ch|chambre|chbre)\b))?"
    # A domiciliation, with the organisation that gives it (« CCAS – Domiciliation n° 0417 »,
    # « Point d'Appui – Dom. 2024/318 »), then its BP and Cedex.
    # Its words are separated by spaces (particles may be glued: « d'Appui ») and start at a
    # word start, so a long run of capitals or digits is read once, never split every way.
    rf"|(?:(?<![\w'’\-]){_CAP_WORD}(?:\s(?:{_PARTICLE}\s?)*{_CAP_WORD}){{0,5}}\s?[–\-,]\s?)?"
    rf"(?i:domiciliation|dom\.)(?:\s?(?:n°\s?)?\d[\w/\-]{{0,11}})?"
    rf"|(?<![\w])PK\s?\d{{1,3}}(?:[,.]\d{{1,2}})?"
    # Named places typed fast, in lower case (« resid les acacias », « hotel ibis budget »):
    # counted only inside a chain that holds a street or a postcode.
    rf"|(?i:r[ée]sid(?:ence)?|r[ée]s\.|foyer|h[ôo]tel|camping|association|asso|quartier)"
    rf"(?:\s+{_LOWER_STOP}[^\W\d_][\w'’\-]*){{1,4}})"
)
# A way named in lower case without a number (« appt 31 avenue jean jaures 94400 vitry »):
# only inside a chain, never evidence of an address by itself.
_LOWER_STREET = rf"(?<![\w]){_VOIE_ALONE}(?:\s+{_LOWER_STOP}[^\W\d_][\w'’\-]*){{1,4}}"
POSTCODE_CITY = (
    rf"(?<![\d\w.,])(?<!\d )\d{{5}}\s+(?!(?i:euros?|eur|habitants|personnes|km|ans|jours|mois|dossiers)\b)"
    rf"(?!{_PARTICLE}[\s,.])"
    rf"(?:{_CAP_WORD}|{_CAP_WORD.lower()})"
    rf"(?:[ \-](?:{_PARTICLE}|{_CAP_WORD})){{0,4}}(?:\s+(?i:cedex)(?:\s+\d{{1,2}})?)?"
)
_PART = re.compile(
    rf"(?P<p>{STREET})|(?P<c>{COMPLEMENT})|(?P<z>{POSTCODE_CITY})|(?P<l>{_LOWER_STREET})"
)
# What may separate two parts of one address.
_GAP = re.compile(r"^[\s,;–\-/]{0,4}$")


class AddressRecognizer(FrenchPatternRecognizer):
    """Streets, complements and postcode + commune, chained into one span."""

    ENTITY = "ADDRESS"
    PATTERNS = (
        Pattern("address/street", STREET, 0.85),
        Pattern("address/complement", COMPLEMENT, 0.5),
        Pattern("address/postcode-city", POSTCODE_CITY, 0.8),
    )
    CONTEXT = ("adresse", "domicile", "habite", "demeurant", "hébergé", "vit")

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        """Find the parts, chain neighbours, keep chains with a street, a named place or a
        postcode + commune (a lone ``bât. C`` is not an address)."""
        parts = [(m.start(), m.end(), m.lastgroup or "") for m in _PART.finditer(text)]
        results: list[RecognizerResult] = []
        chain: list[tuple[int, int, str]] = []
        for part in parts + [(-1, -1, "")]:
            if chain and part[0] >= 0 and _GAP.match(text[chain[-1][1] : part[0]]):
                chain.append(part)
                continue
            if (
                chain
                and any(kind in ("p", "z") for _, _, kind in chain)
                or _named_place(text, chain)
            ):
                start, end = chain[0][0], chain[-1][1]
                end = _trim(text, start, end)
                results.append(
                    RecognizerResult(
                        entity_type=self.ENTITY,
                        start=start,
                        end=end,
                        score=0.85,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
            chain = [part] if part[0] >= 0 else []
        return results


def _named_place(text: str, chain: list[tuple[int, int, str]]) -> bool:
    """A chain of complements counts if it starts with a named résidence, cité or lieu-dit
    (``Lieu-dit Les Vergnes``, ``Résidence Les Tilleuls, bât. 2``)."""
    if not chain:
        return False
    first = text[chain[0][0] : chain[0][1]]
    if not any(c.isupper() for c in first.split(maxsplit=1)[-1]):
        return False  # a place named in lower case (« résidence de l'enfant ») needs a street
    return first.casefold().startswith(
        ("lieu", "hameau", "résidence", "residence", "cité", "cite", "lotissement", "immeuble")
    )


_TRAILING_PARTICLE = re.compile(rf"(?:[\s,;.\-–]+{_PARTICLE}?)+$")


def _trim(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation, spaces and dangling particles from a span."""
    match = _TRAILING_PARTICLE.search(text, start, end)
    return match.start() if match and match.start() > start else end
