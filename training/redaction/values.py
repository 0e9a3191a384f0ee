"""Random values of every kind of identifier, in the many shapes staff write them.

Training-time only (uses Faker, from the ``train`` extra). Nothing here is used at run time.
"""

from __future__ import annotations

import random
import string
import unicodedata

from faker import Faker

from training.redaction.markup import iban_check, nir_key

_LATIN_LOCALES = ["fr_FR", "fr_FR", "fr_FR", "fr_BE", "fr_CH", "pt_PT", "tr_TR", "ro_RO",
                  "pl_PL", "es_ES", "it_IT", "en_GB", "nl_BE", "de_CH", "vi_VN", "cs_CZ",
                  "hu_HU", "sq_AL", "hr_HR"]
_FAKERS: dict[str, Faker] = {}
# Names of origins Faker lacks in Latin script (Maghreb, West/Central Africa, Comoros, Horn of
# Africa, Afghanistan, Roma, Caucasus): syllable material to invent new names, not a name list
# to memorise (combined at random below).
_ONSETS = ["Ab", "Ben", "Bou", "El ", "Ould ", "Ait ", "Ha", "Ka", "Ma", "Mo", "Na", "Ou", "Sa",
           "Ta", "Ya", "Za", "Di", "Ko", "Kou", "Ba", "Ca", "Dja", "Fo", "Ga", "Ke", "Lo", "Mba",
           "Nd", "N'", "Sy", "Tra", "Ya", "Ze", "Ah", "Ra", "Gha", "Sh", "Kh", "Am", "Is"]
_CORES = ["del", "dou", "mad", "ssa", "kar", "rim", "bar", "hma", "laou", "zid", "mba", "diaye",
          "ouma", "ssou", "llo", "oré", "ko", "té", "bé", "ri", "sse", "dji", "mou", "fa", "ki",
          "ham", "zadeh", "ullah", "shvili", "dze", "enko", "ovic", "escu", "oglu", "ane", "ir"]
_ENDS = ["", "", "a", "i", "ou", "e", "in", "ane", "ba", "di", "ssi", "kh", "ni", "ra"]


def faker(locale: str) -> Faker:
    if locale not in _FAKERS:
        _FAKERS[locale] = Faker(locale)
    return _FAKERS[locale]


def _invented(rng: random.Random) -> str:
    name = rng.choice(_ONSETS) + rng.choice(_CORES) + rng.choice(_ENDS)
    return name[0].upper() + name[1:]


def first_name(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return _invented(rng)
    fk = faker(rng.choice(_LATIN_LOCALES))
    fk.seed_instance(rng.random())
    name = fk.first_name()
    if rng.random() < 0.08:
        name = f"{name}-{faker('fr_FR').first_name()}"
    return name


def last_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return _invented(rng)
    fk = faker(rng.choice(_LATIN_LOCALES))
    fk.seed_instance(rng.random())
    name = fk.last_name()
    if r > 0.94:
        name = f"{rng.choice(['de ', 'de La ', 'Le ', 'Van ', 'da ', 'dos ', 'Mac', 'O’', 'Al-'])}{name}"
    elif r > 0.9:
        name = f"{name}-{faker('fr_FR').last_name()}"
    return name


def _case(rng: random.Random, text: str, p_lower: float = 0.1, p_upper: float = 0.1) -> str:
    r = rng.random()
    if r < p_lower:
        return text.lower()
    if r < p_lower + p_upper:
        return text.upper()
    return text


def person(rng: random.Random, style: str | None = None) -> str:
    """A person's name in one of the ways staff write it."""
    first, last = first_name(rng), last_name(rng)
    style = style or rng.choice(["full", "full", "full", "LAST first", "first", "first",
                                 "last", "initial last", "first initial", "initials", "LAST"])
    if style == "full":
        return _case(rng, f"{first} {last}")
    if style == "LAST first":
        return f"{last.upper()} {first}"
    if style == "first":
        return _case(rng, first, 0.2, 0.05)
    if style == "last":
        return _case(rng, last, 0.1, 0.2)
    if style == "LAST":
        return last.upper()
    if style == "initial last":
        return f"{first[0]}. {last}"
    if style == "first initial":
        return f"{first} {last[0]}"
    a, b = first[0], last[0]
    return rng.choice([f"{a}. {b}", f"{a}.{b}", f"{a}{b}", f"{a}.-{b}", f"{b}"])


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


# --- numbers -------------------------------------------------------------------------------
_UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
          "onze", "douze", "treize", "quatorze", "quinze", "seize"]
_TENS = {20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante", 60: "soixante"}


def number_words(n: int, variant: str = "fr") -> str:
    """French words for 0 <= n < 10000 (Belgian/Swiss 70/80/90 with ``variant``)."""
    if n < 17:
        return _UNITS[n]
    if n < 20:
        return "dix-" + _UNITS[n - 10]
    if n < 70 or (variant in ("be", "ch") and n < 100):
        tens = {70: "septante", 80: "huitante" if variant == "ch" else "quatre-vingt",
                90: "nonante"}
        t = n // 10 * 10
        word = _TENS.get(t) or tens[t]
        u = n % 10
        if u == 0:
            return word + ("s" if word == "quatre-vingt" else "")
        return f"{word}{' et ' if u == 1 else '-'}{_UNITS[u]}"
    if n < 80:
        return "soixante" + (" et " if n == 71 else "-") + number_words(n - 60)
    if n < 100:
        rest = n - 80
        return "quatre-vingt" + ("s" if rest == 0 else "-" + number_words(rest))
    if n < 1000:
        h, rest = divmod(n, 100)
        head = "cent" if h == 1 else f"{_UNITS[h]} cent"
        return head + (f" {number_words(rest, variant)}" if rest else ("s" if h > 1 else ""))
    th, rest = divmod(n, 1000)
    head = "mille" if th == 1 else f"{number_words(th, variant)} mille"
    return head + (f" {number_words(rest, variant)}" if rest else "")


def digits_spoken(rng: random.Random, digits: str, variant: str = "fr") -> str:
    """A digit string dictated: pairs, single digits or groups, commas or not."""
    mode = rng.choice(["pairs", "pairs", "single", "mixed"])
    sep = rng.choice([", ", " ", ", ", "... ", " - "])
    if mode == "single":
        words = [_UNITS[int(d)] for d in digits]
    else:
        words = []
        i = 0
        while i < len(digits):
            take = 2 if mode == "pairs" or rng.random() < 0.5 else 1
            chunk = digits[i:i + take]
            words.append(" ".join(_UNITS[int(d)] for d in chunk) if chunk.startswith("0")
                         else number_words(int(chunk), variant))
            i += take
    return sep.join(words)


def phone(rng: random.Random) -> str:
    r = rng.random()
    national = rng.choice(["06", "07", "01", "02", "03", "04", "05", "09", "06", "07"]) + "".join(
        rng.choice(string.digits) for _ in range(8))
    if r < 0.55:
        sep = rng.choice([" ", " ", ".", "", "-", " "])
        return sep.join(national[i:i + 2] for i in range(0, 10, 2))
    if r < 0.7:
        rest = national[1:]
        sep = rng.choice([" ", "", "."])
        return rng.choice(["+33 ", "+33", "0033 ", "+33 (0)"]) + sep.join(
            [rest[0]] + [rest[i:i + 2] for i in range(1, 9, 2)])
    if r < 0.8:  # Belgian
        d = "".join(rng.choice(string.digits) for _ in range(6))
        return rng.choice([f"+32 4{rng.randint(60, 99)} {d[:2]} {d[2:4]} {d[4:]}",
                           f"04{rng.randint(60, 99)}/{d[:2]}.{d[2:4]}.{d[4:]}",
                           f"02/{rng.randint(200, 799)} {d[:2]} {d[2:4]}",
                           f"0{rng.randint(2, 9)} {rng.randint(200, 799)} {d[:2]} {d[2:4]}"])
    if r < 0.88:  # Swiss
        d = "".join(rng.choice(string.digits) for _ in range(7))
        return rng.choice([f"+41 7{rng.randint(6, 9)} {d[:3]} {d[3:5]} {d[5:]}",
                           f"07{rng.randint(6, 9)} {d[:3]} {d[3:5]} {d[5:]}",
                           f"022 {d[:3]} {d[3:5]} {d[5:]}"])
    if r < 0.94:
        d = "".join(rng.choice(string.digits) for _ in range(9))
        return rng.choice([f"+44 7{d[:3]} {d[3:]}", f"+225 07 {d[:2]} {d[2:4]} {d[4:6]}",
                           f"+380 {d[:2]} {d[2:5]} {d[5:7]} {d[7:]}", f"+212 6{d[:2]} {d[2:5]} {d[5:]}",
                           f"0692 {d[:2]} {d[2:4]} {d[4:6]}", f"+1 514 {d[:3]} {d[3:7]}"])
    return national


def phone_spoken(rng: random.Random) -> str:
    national = rng.choice(["06", "07", "01"]) + "".join(rng.choice(string.digits) for _ in range(8))
    return digits_spoken(rng, national)


MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


def date(rng: random.Random, year_from: int = 1940, year_to: int = 2025) -> str:
    y, m, d = rng.randint(year_from, year_to), rng.randint(1, 12), rng.randint(1, 28)
    r = rng.random()
    if r < 0.5:
        sep = rng.choice(["/", "/", "/", ".", "-"])
        yy = str(y) if rng.random() < 0.8 else f"{y % 100:02d}"
        dd, mm = (f"{d:02d}", f"{m:02d}") if rng.random() < 0.85 else (str(d), str(m))
        return f"{dd}{sep}{mm}{sep}{yy}"
    if r < 0.75:
        day = "1er" if d == 1 and rng.random() < 0.5 else str(d)
        month = MONTHS[m - 1]
        if rng.random() < 0.2:
            month = month[:4].rstrip("é") + "."
        return f"{day} {month} {y}"
    if r < 0.82:
        return f"{y}-{m:02d}-{d:02d}"
    if r < 0.9:
        return f"{d} {MONTHS_EN[m - 1]} {y}" if rng.random() < 0.5 else f"{MONTHS_EN[m - 1]} {d}, {y}"
    return date_spoken(rng, y, m, d)


def date_spoken(rng: random.Random, y: int, m: int, d: int) -> str:
    day = "premier" if d == 1 else number_words(d)
    year = number_words(y) if rng.random() < 0.7 else (
        f"{number_words(y // 100 * 100 // 100)} cent {number_words(y % 100)}"
        if y < 2000 else number_words(y))
    if rng.random() < 0.3 and y < 2000:
        year = number_words(y % 100)  # « quinze mai quatre-vingt-huit »
    return f"{day} {MONTHS[m - 1]} {year}"


def nir(rng: random.Random) -> str:
    sex = rng.choice("12")
    yy, mm = rng.randint(40, 99), rng.randint(1, 12)
    dep = rng.choice([f"{rng.randint(1, 95):02d}", "2A", "2B", "99", f"{rng.randint(971, 976)}"])
    if len(dep) == 3:
        commune = f"{rng.randint(1, 99):02d}"
    else:
        commune = f"{rng.randint(1, 999):03d}"
    order = f"{rng.randint(1, 999):03d}"
    body = f"{sex}{yy:02d}{mm:02d}{dep}{commune}{order}"
    key = f"{nir_key(body):02d}"
    r = rng.random()
    if r < 0.4:
        return f"{sex} {yy:02d} {mm:02d} {dep} {commune} {order} {key}"
    if r < 0.6:
        return body + key
    if r < 0.7:
        return body + " " + key
    if r < 0.8:
        return ".".join([sex, f"{yy:02d}", f"{mm:02d}", dep, commune, order, key])
    if r < 0.9:
        return f"{sex}{yy:02d}{mm:02d}{dep}{commune}{order}/{key}"
    return "_".join([sex, f"{yy:02d}", f"{mm:02d}", dep, commune, order, key])


def iban(rng: random.Random) -> str:
    country = rng.choice(["FR", "FR", "FR", "BE", "CH"])
    if country == "FR":
        bban = "".join(rng.choice(string.digits) for _ in range(21)) + f"{rng.randint(0, 99):02d}"
    elif country == "BE":
        bban = "".join(rng.choice(string.digits) for _ in range(12))
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(17))
    full = country + iban_check(country, bban) + bban
    if rng.random() < 0.7:
        return " ".join(full[i:i + 4] for i in range(0, len(full), 4))
    return full


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def caf(rng: random.Random) -> str:
    return digits(rng, 7) if rng.random() < 0.85 else f"{digits(rng, 3)} {digits(rng, 4)}"


def ft_id(rng: random.Random) -> str:
    base = digits(rng, 7)
    letter = rng.choice(string.ascii_uppercase)
    return rng.choice([base + letter, base + letter, f"{base} {letter}", base + letter.lower()])


def id_document(rng: random.Random) -> str:
    up = string.ascii_uppercase
    r = rng.random()
    if r < 0.2:
        return digits(rng, 12)  # old CNI
    if r < 0.35:
        return "".join(rng.choice(up + string.digits) for _ in range(9))  # new CNI
    if r < 0.5:
        return f"{digits(rng, 2)}{rng.choice(up)}{rng.choice(up)}{digits(rng, 5)}"  # passport
    if r < 0.62:
        return digits(rng, 10)  # AGDREF
    if r < 0.75:  # Belgian national register
        y, m, d = rng.randint(40, 99), rng.randint(1, 12), rng.randint(1, 28)
        seq = rng.randint(1, 998)
        base = int(f"{y:02d}{m:02d}{d:02d}{seq:03d}")
        key = 97 - base % 97
        return rng.choice([f"{y:02d}.{m:02d}.{d:02d}-{seq:03d}.{key:02d}",
                           f"{y:02d}{m:02d}{d:02d} {seq:03d} {key:02d}",
                           f"{y:02d}{m:02d}{d:02d}{seq:03d}{key:02d}"])
    if r < 0.87:  # Swiss AVS
        d = digits(rng, 10)
        return rng.choice([f"756.{d[:4]}.{d[4:8]}.{d[8:]}", f"756{d}", f"756 {d[:4]} {d[4:8]} {d[8:]}"])
    if r < 0.93:
        return f"{rng.choice(up)}{rng.choice(up)}{digits(rng, 6)}"  # foreign ID/passport
    return digits(rng, 12)  # NEPH


def case_id(rng: random.Random) -> tuple[str, str]:
    """(cue written before, reference) — the cue stays outside the span."""
    y = rng.randint(2018, 2026)
    yy = y % 100
    n = rng.randint(10, 99999)
    options = [
        ("RG", f"{yy}/{n:05d}"), ("n° RG", f"{yy}/{digits(rng, 5)}"),
        ("parquet n°", f"{yy}{digits(rng, 6)}"), ("n° parquet", f"{yy}.{digits(rng, 3)}.{digits(rng, 3)}"),
        ("Portalis", f"{rng.choice(['DBX', 'CDC', 'B7E'])}-{rng.choice('VXWB')}-{rng.choice('BC')}{digits(rng, 2)}-{digits(rng, 7)}"),
        ("dossier", f"ASE-{y}-{n:04d}"), ("réf.", f"AEMO/{yy}/{n:04d}"), ("", f"SIAO-{y}-{digits(rng, 4)}"),
        ("", f"FSL-{yy}-{digits(rng, 4)}"), ("n° unique", f"0{digits(rng, 2)}{yy}{digits(rng, 2)}{digits(rng, 6)}"),
        ("IP n°", f"{y}-{digits(rng, 4)}"), ("CRIP", f"{digits(rng, 2)}-{y}-{digits(rng, 3)}"),
        ("écrou n°", digits(rng, 5)), ("main courante n°", f"{y}/{digits(rng, 6)}"),
        ("MDPH", f"{digits(rng, 2)}{digits(rng, 7)}"), ("référence locataire", f"{rng.choice(['LOC', 'L', 'CL'])}-{digits(rng, 6)}"),
        ("OFPRA", f"{yy}{digits(rng, 6)}"), ("CNDA n°", f"{yy}0{digits(rng, 5)}"),
        ("dossier CPAS", f"{digits(rng, 4)}/{y}"), ("n° client", digits(rng, 10)),
        ("idIndividu", digits(rng, 8)), ("PDL", digits(rng, 14)),
        ("", f"{rng.choice(['DOS', 'AS', 'SAJ', 'SPJ', 'AED'])}-{yy}-{digits(rng, 4)}"),
        ("décision APEA", f"C/{digits(rng, 4)}/{y}"),
    ]
    return rng.choice(options)


STREET_TYPES = ["rue", "rue", "avenue", "boulevard", "allée", "impasse", "chemin", "place",
                "cité", "route", "quai", "square", "résidence", "bd", "av."]
TOWNS_FR = [("93200", "Saint-Denis"), ("59100", "Roubaix"), ("69008", "Lyon"), ("13015", "Marseille"),
            ("31200", "Toulouse"), ("44000", "Nantes"), ("67100", "Strasbourg"), ("33800", "Bordeaux"),
            ("76600", "Le Havre"), ("62300", "Lens"), ("80000", "Amiens"), ("35200", "Rennes"),
            ("97600", "Mamoudzou"), ("97400", "Saint-Denis"), ("95140", "Garges-lès-Gonesse"),
            ("63000", "Clermont-Ferrand"), ("57000", "Metz"), ("21000", "Dijon"), ("87000", "Limoges"),
            ("91000", "Évry-Courcouronnes"), ("42000", "Saint-Étienne"), ("06300", "Nice")]
TOWNS_BE = [("1030", "Schaerbeek"), ("1080", "Molenbeek-Saint-Jean"), ("4000", "Liège"),
            ("6000", "Charleroi"), ("7000", "Mons"), ("5000", "Namur"), ("1070", "Anderlecht")]
TOWNS_CH = [("1205", "Genève"), ("1004", "Lausanne"), ("2300", "La Chaux-de-Fonds"),
            ("1700", "Fribourg"), ("1950", "Sion"), ("2000", "Neuchâtel")]


def street(rng: random.Random) -> str:
    fk = faker("fr_FR")
    fk.seed_instance(rng.random())
    base = fk.street_name()
    if rng.random() < 0.4:
        base = f"{rng.choice(STREET_TYPES)} {rng.choice(['des ', 'du ', 'de la ', ''])}{fk.last_name() if rng.random() < 0.5 else fk.word().capitalize()}"
    return base


def address(rng: random.Random) -> str:
    """A postal address, possibly with a complement, hotel/shelter room, foreign format."""
    r = rng.random()
    num = str(rng.randint(1, 180)) + rng.choice(["", "", "", " bis", " ter", "B"])
    if r < 0.55:
        cp, town = rng.choice(TOWNS_FR)
        parts = [f"{num} {street(rng)}"]
        if rng.random() < 0.3:
            parts.insert(0, rng.choice([f"bât. {rng.choice('ABCDEF')}", f"appt {rng.randint(1, 120)}",
                                        f"Résidence {faker('fr_FR').last_name()}", f"esc. {rng.randint(1, 6)}, {rng.randint(1, 9)}e étage"]))
        if rng.random() < 0.8:
            parts.append(f"{cp} {town}")
        sep = rng.choice([", ", ", ", " ", "\n"])
        text = sep.join(parts)
        return _case(rng, text, 0.12, 0.08)
    if r < 0.68:
        cp, town = rng.choice(TOWNS_FR)
        kind = rng.choice(["hôtel Formule 1", "Hôtel Ibis Budget", "foyer ADOMA", "FJT Les Acacias",
                           "CADA", "CHRS L'Escale", "résidence sociale Le Phare", "hôtel Le Relais",
                           "camping des Pins", "aire d'accueil"])
        room = rng.choice(["chambre", "ch.", "studio", "logement", "mobil-home", "emplacement"])
        return f"{kind}, {room} {rng.randint(1, 350)}, {num} {street(rng)}, {cp} {town}"
    if r < 0.8:
        cp, town = rng.choice(TOWNS_BE)
        return f"{street(rng).capitalize()} {rng.randint(1, 250)}{rng.choice(['', ' bte ' + str(rng.randint(1, 20)), '/3'])}, {cp} {town}"
    if r < 0.88:
        cp, town = rng.choice(TOWNS_CH)
        return f"{rng.choice(['Chemin', 'Rue', 'Avenue', 'Route'])} {rng.choice(['des ', 'de ', 'du '])}{faker('fr_CH').last_name()} {rng.randint(1, 80)}, {cp} {town}"
    if r < 0.94:
        fk = faker("en_GB")
        fk.seed_instance(rng.random())
        return f"{rng.randint(1, 200)} {fk.street_name()}, {fk.city()} {fk.postcode()}"
    cp, town = rng.choice(TOWNS_FR)
    return f"lieu-dit {faker('fr_FR').last_name()}, {cp} {town}"


def email(rng: random.Random, name: str | None = None) -> str:
    first = strip_accents(first_name(rng)).lower().replace(" ", "")
    last = strip_accents(last_name(rng)).lower().replace(" ", "").replace("'", "").replace("’", "")
    user = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}",
                       f"{last}.{first}", f"{first}_{last}{rng.randint(70, 99)}"])
    domain = rng.choice(["gmail.com", "hotmail.fr", "yahoo.fr", "orange.fr", "outlook.com",
                         "free.fr", "laposte.net", "cd93.fr", "asso-escale.org", "cpas-liege.be"])
    return f"{user}@{domain}"


def email_spoken(rng: random.Random) -> str:
    first = strip_accents(first_name(rng)).lower()
    last = strip_accents(last_name(rng)).lower()
    return f"{first} point {last} arobase {rng.choice(['gmail', 'hotmail', 'yahoo'])} point {rng.choice(['com', 'fr'])}"


def spelled(rng: random.Random, name: str) -> str:
    """A name spelled letter by letter, sometimes with « D comme Denis »."""
    letters = [c for c in strip_accents(name).upper() if c.isalpha()]
    out = []
    for c in letters:
        if rng.random() < 0.15:
            out.append(f"{c} comme {faker('fr_FR').first_name()}")
        else:
            out.append(c)
    return rng.choice(["-", " ", ", ", " - "]).join(out)
