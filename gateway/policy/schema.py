"""The policy file, as pydantic models (``version: 1``), and its exported JSON Schema.

A policy file is written by an organisation's IT admin (in French for everything staff see):
allowed uses, forbidden decisions, per-role model allow-lists, data routing, redaction,
transparency, usage thresholds, retention, limits and self-tests. Unknown keys are rejected
so that a typo never silently disables a rule. Secrets never live in the file: any key that
names a secret must hold an environment reference (``$NAME``).

Regenerate ``policies/schema.json`` with ``python -m gateway.policy.schema`` (a test fails
when it is stale).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.types import Role

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "policies" / "schema.json"

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Sensitivity = Literal["sante", "mineurs", "penal", "protection_enfance"]
# The floor rules of gateway.policy.floor, repeated here so the schema can name them.
FloorId = Literal[
    "art5_notation_sociale",
    "art5_profilage_risque",
    "art5_prediction_infraction",
    "art5_exploitation_vulnerabilite",
]
_SECRET_KEY = re.compile(r"(api_key|apikey|secret|password|passwd|token)$", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organisation(_Strict):
    """Who the file is for; ``id`` is the ``org`` of the keys it applies to."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1)
    sector: str | None = Field(default=None, description="Ex. protection_enfance, chrs, ccas.")


class Hints(_Strict):
    """What the offline classifier needs. Phrases match accent- and case-insensitively on
    word boundaries; patterns are Python regular expressions over the same normalised text
    (lower case, no accents, apostrophes straightened)."""

    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    examples: tuple[str, ...] = Field(default=(), description="Documentation and lint only.")

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from exc
        return value


class Use(_Strict):
    """An allowed use (Art. 6(3) low-risk pattern); every request gets exactly one."""

    id: Identifier
    label: str = Field(min_length=1)
    description: str = ""
    action: Literal["allow", "warn"] = "allow"
    notice: str | None = Field(default=None, description="Shown with the answer on warn.")
    hints: Hints = Hints()

    @model_validator(mode="after")
    def _warn_has_notice(self) -> Use:
        if self.action == "warn" and not self.notice:
            raise ValueError(f"use {self.id!r}: action 'warn' needs a 'notice'")
        return self


class Refusal(_Strict):
    """The French message shown on block: why, and what the person may ask instead."""

    why: str = Field(min_length=1)
    instead: tuple[str, ...] = Field(min_length=1)


class Check(_Strict):
    """How sure the classifier must be, and what happens (graded answers).

    The classifier gives each request a score in [0, 1] for this decision: how clearly it
    hands the decision to the model (rules about who decides, then the learned model). At
    ``block_at`` or above, ``action`` applies; from ``remind_at`` up to ``block_at`` the
    request is answered with ``reminder`` inside the answer (the decision stays human);
    below, it is allowed. ``action: remind`` never refuses; ``action: log`` only records
    the concern for the operator (no refusal, no reminder)."""

    action: Literal["block", "remind", "log"] = "block"
    block_at: float = Field(default=0.5, ge=0.0, le=1.0)
    remind_at: float = Field(default=0.3, ge=0.0, le=1.0)
    reminder: str = Field(
        default="Rappel : cette décision reste celle des professionnels (et, le cas échéant, "
        "de l'équipe, de la commission ou du juge) ; l'IA peut aider à l'écrire, pas à la "
        "prendre.",
        min_length=1,
        description="French reminder added inside the answer, for the worker.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Check:
        if self.remind_at > self.block_at:
            raise ValueError("check: remind_at must not exceed block_at")
        return self


class ForbiddenDecision(_Strict):
    """A decision that must stay human. ``objects`` hints name the decision itself
    (placement, exclusion…); ``requests`` hints are phrasings that alone ask the model to
    take it (« a-t-elle droit à »). ``floor`` ties this entry to non-removable rules, whose
    refusal then uses this entry's French texts."""

    id: Identifier
    label: str = Field(min_length=1)
    description: str = ""
    objects: Hints = Hints()
    requests: Hints = Hints()
    floor: tuple[FloorId, ...] = ()
    check: Check = Check()
    refusal: Refusal


class RoleModels(_Strict):
    """Models a role may call; ``"*"`` means every model of the catalog."""

    models: tuple[str, ...] = ()


class RoutingRequirement(_Strict):
    """Hosting facts a model must have (all listed facts must hold)."""

    self_hosted: bool | None = None
    certifications: tuple[str, ...] = ()
    hosting: tuple[Literal["self_hosted", "eu", "non_eu"], ...] = ()
    zero_retention: bool | None = None


class RoutingRule(_Strict):
    """When one of ``when_sensitivity`` is detected, the model must satisfy one of
    ``require_any``."""

    id: Identifier
    when_sensitivity: tuple[Sensitivity, ...] = Field(min_length=1)
    require_any: tuple[RoutingRequirement, ...] = Field(min_length=1)
    message: str | None = None


class RedactionPolicy(_Strict):
    """Which labels to redact (``None`` or an empty list = all the redactor knows: a policy
    narrows redaction, never turns it off), words never redacted, and whether answers are
    re-identified."""

    labels: tuple[str, ...] | None = None
    allow_list: tuple[str, ...] = ()
    reidentify: bool = True

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        # A typo here would silently stop redacting a label: refuse it instead.
        from gateway.redaction.settings import ALL_LABELS

        unknown = sorted(set(value or ()) - ALL_LABELS)
        if unknown:
            raise ValueError(
                f"unknown redaction labels {unknown}; known: {', '.join(sorted(ALL_LABELS))}"
            )
        return value


class Transparency(_Strict):
    notice: str | None = "Texte produit avec l'aide d'une IA — brouillon à relire et valider."


class Usage(_Strict):
    """k-anonymity thresholds for usage data: minimum 5, may only be raised."""

    k_anonymity: int = Field(default=5, ge=5)
    research_threshold: int = Field(default=11, ge=11)


class Retention(_Strict):
    logs_days: int = Field(default=183, ge=1, le=3650)
    usage_days: int = Field(default=365, ge=1, le=3650)


class Activation(_Strict):
    """Optional gate (DOMAIN C-21): with ``require_confirmation``, staff requests are refused
    until the admin has recorded, in this file, the dates on which staff received the
    individual notice and the works council was consulted (``gardefou compliance build``
    writes both documents). Off by default so that existing deployments keep working."""

    require_confirmation: bool = False
    staff_notice_confirmed: date | None = Field(
        default=None, description="Date the individual staff notice was handed out.")
    consultation_confirmed: date | None = Field(
        default=None, description="Date of the works council's (CSE/CE/commission) opinion.")

    def pending(self) -> tuple[str, ...]:
        """What still blocks activation (empty when nothing does)."""
        if not self.require_confirmation:
            return ()
        missing = []
        if self.staff_notice_confirmed is None:
            missing.append("information individuelle du personnel")
        if self.consultation_confirmed is None:
            missing.append("consultation des représentants du personnel")
        return tuple(missing)


class Compliance(_Strict):
    """Facts the compliance kit (``gardefou compliance build``) and the AI-literacy texts
    need beyond the rest of the file. Unset contacts are left for the DPO to complete."""

    country: Literal["fr", "be", "ch"] = "fr"
    training_url: str = Field(
        default="/guide", pattern=r"^(/|https?://)[^\s<>\"']*$",
        description="The organisation's AI training page, linked from refusals and notices.")
    privacy_contact: str | None = Field(
        default=None, description="Where staff and beneficiaries exercise their rights "
        "(DPO's address or e-mail).")
    research_study: str = Field(
        default="l'étude-action DGCS–LaborIA sur les usages de l'IA dans le travail social",
        description="The research study the export feeds, named in the staff notice.")
    activation: Activation = Activation()


class Limit(_Strict):
    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_day: int | None = Field(default=None, ge=1)
    monthly_budget_eur: float | None = Field(default=None, ge=0)


class Limits(_Strict):
    """Quotas enforced by ``gateway.limits`` (not by the policy engine)."""

    org: Limit = Limit()
    per_team: dict[str, Limit] = {}
    per_key: Limit = Limit()


class Classifier(_Strict):
    """``offline`` runs in-process; ``llm`` asks ``model`` (a catalog name), through the
    same redaction, and refuses the request if that fails."""

    mode: Literal["offline", "llm"] = "offline"
    model: str | None = None
    warn_on_ambiguous: bool = True
    fallback_use: str | None = Field(
        default=None, description="Use given when no hint matches; default: the first use."
    )

    @model_validator(mode="after")
    def _llm_needs_model(self) -> Classifier:
        if self.mode == "llm" and not self.model:
            raise ValueError("classifier mode 'llm' needs 'model'")
        return self


class Expect(_Strict):
    action: Literal["allow", "warn", "remind", "log", "block"]
    use: str | None = None
    forbidden: str | None = None


class PolicyTest(_Strict):
    """A self-test run by ``gardefou policy test``; fictitious prompts only."""

    prompt: str = Field(min_length=1)
    expect: Expect


class Policy(_Strict):
    """One organisation's policy file."""

    version: Literal[1]
    organisation: Organisation
    classifier: Classifier = Classifier()
    uses: tuple[Use, ...] = Field(min_length=1)
    forbidden: tuple[ForbiddenDecision, ...] = ()
    roles: dict[Role, RoleModels]
    routing: tuple[RoutingRule, ...] = ()
    redaction: RedactionPolicy = RedactionPolicy()
    transparency: Transparency = Transparency()
    usage: Usage = Usage()
    retention: Retention = Retention()
    limits: Limits = Limits()
    compliance: Compliance = Compliance()
    tests: tuple[PolicyTest, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: Any) -> Any:
        for path, value in _secret_values(data, ()):
            if not (isinstance(value, str) and value.startswith("$")):
                raise ValueError(
                    f"{'.'.join(path)}: secrets never go in a policy file, "
                    "use an environment reference like $NAME"
                )
        return data

    @model_validator(mode="after")
    def _ids_consistent(self) -> Policy:
        for kind, ids in (("uses", [u.id for u in self.uses]),
                          ("forbidden", [f.id for f in self.forbidden])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{kind}: repeated ids {', '.join(dupes)}")
        use_ids = {u.id for u in self.uses}
        if self.classifier.fallback_use and self.classifier.fallback_use not in use_ids:
            raise ValueError(
                f"classifier.fallback_use: unknown use {self.classifier.fallback_use!r}"
            )
        forbidden_ids = {f.id for f in self.forbidden}
        for i, test in enumerate(self.tests):
            if test.expect.use is not None and test.expect.use not in use_ids:
                raise ValueError(f"tests.{i}.expect.use: unknown use {test.expect.use!r}")
            if test.expect.forbidden is not None and test.expect.forbidden not in forbidden_ids \
                    and not test.expect.forbidden.startswith("art5_"):
                raise ValueError(
                    f"tests.{i}.expect.forbidden: unknown forbidden decision "
                    f"{test.expect.forbidden!r}"
                )
        return self

    def use(self, use_id: str | None) -> Use | None:
        return next((u for u in self.uses if u.id == use_id), None)

    def forbidden_decision(self, forbidden_id: str | None) -> ForbiddenDecision | None:
        return next((f for f in self.forbidden if f.id == forbidden_id), None)


def _secret_values(data: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """Every (path, value) whose key names a secret, anywhere in the raw document."""
    found: list[tuple[tuple[str, ...], Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            sub = (*path, str(key))
            if isinstance(key, str) and _SECRET_KEY.search(key) and not isinstance(value, dict):
                found.append((sub, value))
            found.extend(_secret_values(value, sub))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_secret_values(value, (*path, str(i))))
    return found


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a policy file, as written to ``policies/schema.json``."""
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Garde-fou policy file (version 1)"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the JSON Schema (``python -m gateway.policy.schema [PATH]``)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SCHEMA_PATH
    target.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
