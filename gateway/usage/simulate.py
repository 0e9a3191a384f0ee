"""A simulated month of traffic, for demos, screenshots and tests of the read paths.

Several teams of one organisation (one of them a team of 3, which must never show), workers
with different habits, the policy's use categories, a few blocked attempts, redactions and
three models (self-hosted, EU provider, non-EU provider). Events are built with
:func:`gateway.usage.events.build_event` exactly as the pipeline does; no text is involved.
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.catalog import Hosting, ModelSpec
from gateway.types import Action, Decision, Principal, Role
from gateway.usage.events import UsageEvent, build_event
from gateway.usage.store import CounterRow, UserRow

TEAMS: dict[str, int] = {
    "protection-enfance": 18,
    "hebergement": 11,
    "accueil-social": 7,
    "insertion": 4,
    "direction": 3,
}
# The default policy's taxonomy (policies/default.yaml), so the demo reads like real data.
USES = ("redaction_administrative", "synthese_rapport", "reformulation_falc", "traduction",
        "recherche_information", "preparation_accompagnement")
FORBIDDEN = ("decision_protection_enfance", "notation_risque", "evaluation_eligibilite")
LABELS = ("PERSONNE", "DATE_NAISSANCE", "ADRESSE", "TELEPHONE", "NIR", "EMAIL", "IBAN")
SENSITIVE = ("sante", "mineurs", "penal")
MODELS = (
    ModelSpec(name="local-llama", litellm_model="ollama/llama3.1:8b", hosting=Hosting.SELF_HOSTED),
    ModelSpec(name="mistral-eu", litellm_model="mistral/mistral-small-latest", hosting=Hosting.EU),
    ModelSpec(name="gpt-4o-mini", litellm_model="openai/gpt-4o-mini", hosting=Hosting.NON_EU),
)


@dataclass(frozen=True, slots=True)
class Simulated:
    event: UsageEvent
    principal: Principal


def month_of_traffic(
    month: str, org: str = "asso-demo", seed: int = 7, teams: dict[str, int] | None = None
) -> Iterator[Simulated]:
    """Every event of ``month`` (``YYYY-MM``), deterministic for a given seed."""
    rng = random.Random(seed)
    # a generator of its own for the graded answers' reminders: the draws of the main one
    # (and so every figure simulated before reminders existed) stay the same
    reminders = random.Random(seed * 7919 + 1)
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    workers = [
        # One key per worker; `subject` is what distinct counting keys on (see Principal.worker).
        (Principal(org=org, team=team, role=Role.STAFF, key_id=f"{team[:4]}{i:08x}",
                   subject=f"{team}-{i}"),
         rng.uniform(0.2, 1.0))  # how often this worker uses the tool
        for team, size in (teams or TEAMS).items()
        for i in range(size)
    ]
    day = start
    while day.month == start.month:
        if day.weekday() < 5:
            for principal, appetite in workers:
                for _ in range(_requests_today(rng, appetite)):
                    yield _one(rng, principal, day + timedelta(hours=rng.randint(8, 17)),
                               reminders)
        day += timedelta(days=1)


def _requests_today(rng: random.Random, appetite: float) -> int:
    if rng.random() > appetite:
        return 0
    return rng.randint(1, 4)


def _one(rng: random.Random, principal: Principal, moment: datetime,
         reminders: random.Random) -> Simulated:
    use = rng.choice(USES)
    blocked = rng.random() < 0.04
    sensitivity = frozenset(s for s in SENSITIVE if rng.random() < 0.15)
    reminded = not blocked and reminders.random() < 0.05
    action = Action.BLOCK if blocked else Action.REMIND if reminded else Action.ALLOW
    decision = Decision(
        id="sim", action=action, use=use,
        forbidden=rng.choice(FORBIDDEN) if blocked else (
            reminders.choice(FORBIDDEN) if reminded else None),
        evidence=(), policy_revision="sim", sensitivity=sensitivity,
    )
    model = rng.choices(MODELS, weights=(5, 4, 1))[0]
    counts = {label: rng.randint(1, 3) for label in LABELS if rng.random() < 0.25}
    completion = 0 if blocked else rng.randint(80, 700)
    event = build_event(
        principal=principal, decision=decision, model=None if blocked else model,
        redaction_counts=counts, prompt_tokens=rng.randint(150, 2500),
        completion_tokens=completion, latency_s=0.0 if blocked else rng.uniform(0.8, 9.0),
        ttft_s=None if blocked else rng.uniform(0.2, 1.5),
        action=action.value, moment=moment,
    )
    return Simulated(event, principal)


# --- Many organisations, straight into research exports (the study collector's test data) ---

# Closed vocabularies of the study (gateway.study.members): organisations are published only
# through these three attributes, never by name.
SECTORS = ("protection_enfance", "hebergement_insertion", "handicap", "personnes_agees",
           "accueil_social")
SIZE_BANDS = ("moins_de_50", "50_a_249", "250_et_plus")
REGIONS = ("ile_de_france", "auvergne_rhone_alpes", "hauts_de_france", "occitanie",
           "wallonie", "suisse_romande")
# Uses each sector leans towards (weights over USES), so the report has something to show.
_SECTOR_USES: dict[str, tuple[int, ...]] = {
    "protection_enfance": (3, 5, 1, 1, 2, 4),
    "hebergement_insertion": (5, 2, 3, 2, 2, 2),
    "handicap": (2, 2, 6, 1, 2, 3),
    "personnes_agees": (4, 2, 3, 1, 3, 2),
    "accueil_social": (4, 1, 2, 5, 4, 1),
}


@dataclass(frozen=True, slots=True)
class SimulatedOrg:
    """A simulated organisation of the study: its id, profile and number of tool users."""

    org: str
    sector: str
    size_band: str
    region: str
    workers: int
    self_hosts: bool


def organisations(n: int = 50, seed: int = 11) -> list[SimulatedOrg]:
    """``n`` organisations of different sizes, sectors and regions (deterministic)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        band = rng.choices(SIZE_BANDS, weights=(5, 4, 2))[0]
        lo, hi = {"moins_de_50": (6, 25), "50_a_249": (20, 70), "250_et_plus": (60, 160)}[band]
        out.append(SimulatedOrg(
            org=f"org-{i + 1:02d}", sector=rng.choice(SECTORS), size_band=band,
            region=rng.choice(REGIONS), workers=rng.randint(lo, hi),
            self_hosts=rng.random() < 0.3,
        ))
    return out


def org_month_aggregates(
    sim: SimulatedOrg, month: str, seed: int = 0
) -> tuple[list[CounterRow], list[UserRow]]:
    """One organisation-month as store rows, built directly from simulated workers.

    The same rows a usage store would hold for the traffic (hourly counters folded to the
    month's first hour, one base mark per worker and active day, facet marks per worker),
    without building millions of events: cheap enough for fifty organisations in a test.
    """
    rng = random.Random(f"{sim.org}|{month}|{seed}")
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    hour, first_day = start.strftime("%Y-%m-%dT%H"), start.strftime("%Y-%m-%d")
    days = [d.strftime("%Y-%m-%d") for d in (start + timedelta(days=n) for n in range(31))
            if d.month == start.month and d.weekday() < 5]
    weights = (1, 0, 0) if sim.self_hosts else (5, 4, 1)
    per_token = {m.name: _impact_per_token(m) for m in MODELS}
    counters: dict[tuple[tuple[str, ...], str], float] = defaultdict(float)
    marks: set[tuple[str, tuple[str, ...], str, str]] = set()
    for w in range(sim.workers):
        worker = f"{sim.org}-{w}"  # stands for the month's pseudonym: never leaves this function
        appetite = rng.uniform(0.1, 0.9)
        for day in days:
            if rng.random() > appetite:
                continue
            for _ in range(rng.randint(1, 3)):
                use = rng.choices(USES, weights=_SECTOR_USES[sim.sector])[0]
                blocked = rng.random() < 0.04
                model = None if blocked else rng.choices(MODELS, weights=weights)[0]
                dims = ("", "staff", use, rng.choice(FORBIDDEN) if blocked else "",
                        "block" if blocked else "allow", model.name if model else "",
                        model.hosting.value if model else "")
                counters[(dims, "requests")] += 1
                counters[(dims, "prompt_tokens")] += rng.randint(150, 2500)
                if model is not None:
                    tokens = rng.randint(80, 700)
                    counters[(dims, "completion_tokens")] += tokens
                    impact = per_token[model.name]
                    if impact is not None:
                        for metric, value in zip(
                            ("energy_kwh_min", "energy_kwh_max", "gwp_kgco2eq_min",
                             "gwp_kgco2eq_max"), impact, strict=True):
                            counters[(dims, metric)] += value * tokens
                marks.add((day, dims, "", worker))
                for label in LABELS:
                    if rng.random() < 0.2:
                        counters[(dims, f"redaction:{label}")] += rng.randint(1, 3)
                        marks.add((first_day, dims, f"redaction:{label}", worker))
                for cls in SENSITIVE:
                    if rng.random() < 0.12:
                        counters[(dims, f"sensitivity:{cls}")] += 1
                        marks.add((first_day, dims, f"sensitivity:{cls}", worker))
    return (
        [CounterRow(hour, sim.org, dims, metric, value)
         for (dims, metric), value in counters.items()],
        [UserRow(day, sim.org, dims, facet, mark) for day, dims, facet, mark in marks],
    )


@functools.lru_cache(maxsize=16)
def _impact_per_token(spec: ModelSpec) -> tuple[float, float, float, float] | None:
    """EcoLogits ranges for one output token of ``spec`` (one estimate, then scaled)."""
    from gateway.usage.impact import estimate

    impact = estimate(spec, 1000, 5.0)
    if impact is None:
        return None
    return (impact.energy_kwh[0] / 1000, impact.energy_kwh[1] / 1000,
            impact.gwp_kgco2eq[0] / 1000, impact.gwp_kgco2eq[1] / 1000)


def survey_answers(sim: SimulatedOrg, month: str, seed: int = 0
                   ) -> tuple[int, dict[tuple[str, str], int]]:
    """Simulated questionnaire counters of one organisation-month (what
    :mod:`gateway.survey.store` would hold): a third to two thirds of workers answer."""
    from gateway.survey.questions import QUESTIONS

    rng = random.Random(f"enquete|{sim.org}|{month}|{seed}")
    respondents = int(sim.workers * rng.uniform(0.3, 0.7))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _ in range(respondents):
        for question in QUESTIONS:
            options = [o for o, _ in question.options]
            weights = [len(options) - i for i in range(len(options))]  # first options likelier
            if question.multiple:
                chosen = {o for o, w in zip(options, weights, strict=True)
                          if rng.random() < w / (2 * len(options))}
            else:
                chosen = {rng.choices(options, weights=weights)[0]}
            for option in chosen:
                counts[(question.id, option)] += 1
    return respondents, dict(counts)
