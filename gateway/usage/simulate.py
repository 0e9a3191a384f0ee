"""A simulated month of traffic, for demos, screenshots and tests of the read paths.

Several teams of one organisation (one of them a team of 3, which must never show), workers
with different habits, the policy's use categories, a few blocked attempts, redactions and
three models (self-hosted, EU provider, non-EU provider). Events are built with
:func:`gateway.usage.events.build_event` exactly as the pipeline does; no text is involved.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.catalog import Hosting, ModelSpec
from gateway.types import Action, Decision, Principal, Role
from gateway.usage.events import UsageEvent, build_event

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
