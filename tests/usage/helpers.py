"""Builders shared by the usage tests."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.catalog import Hosting, ModelSpec
from gateway.types import Action, Decision, Principal, Role
from gateway.usage.events import UsageEvent, build_event

MODEL = ModelSpec(name="mistral-eu", litellm_model="mistral/mistral-small-latest",
                  hosting=Hosting.EU)
MARCH = datetime(2025, 3, 12, 10, 30, tzinfo=UTC)


def worker(team: str, i: int, org: str = "asso") -> Principal:
    return Principal(org=org, team=team, role=Role.STAFF, key_id=f"{i:012x}")


def event(
    principal: Principal, *, use: str = "synthese", moment: datetime = MARCH,
    action: str = "allow", forbidden: str | None = None, labels: dict[str, int] | None = None,
) -> UsageEvent:
    decision = Decision(
        id="d", action=Action(action) if action != "error" else Action.ALLOW, use=use,
        forbidden=forbidden, evidence=(), policy_revision="r",
    )
    return build_event(
        principal=principal, decision=decision, model=None if action == "block" else MODEL,
        redaction_counts=labels or {}, prompt_tokens=100, completion_tokens=50,
        latency_s=1.5, ttft_s=0.3, action=action, moment=moment,
    )
