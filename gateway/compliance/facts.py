"""The facts the compliance documents are written from, gathered once into typed values.

Sources: the organisation's policy file (uses, forbidden decisions, routing, redaction,
thresholds, retention, compliance section), the models file (hosting, certifications,
retention per model) and the deployment settings (usage store, pseudonym secrets, telemetry).
Every document is a pure function of :class:`ComplianceFacts`, so the tests can change one
fact (a model's hosting) and watch the documents follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gateway.catalog import Catalog, Hosting, ModelSpec, Retention
from gateway.compliance.jurisdiction import Jurisdiction, jurisdiction
from gateway.policy.evaluate import allowed_models
from gateway.policy.schema import Policy
from gateway.policy.store import LoadedPolicy
from gateway.settings import Settings
from gateway.types import Role

# The marker a DPO searches for; the only unfilled text a generated document may contain.
TODO = "[À COMPLÉTER PAR LE DPO]"

# French names of redaction labels, for documents read by non-technical people.
LABEL_NAMES: dict[str, str] = {
    "PERSON": "noms et prénoms",
    "PHONE": "numéros de téléphone",
    "EMAIL": "adresses e-mail",
    "ADDRESS": "adresses postales",
    "NIR": "numéros de sécurité sociale (NIR, clé vérifiée)",
    "IBAN": "IBAN (clé vérifiée)",
    "CAF_NUMBER": "numéros d'allocataire CAF/MSA",
    "FT_ID": "identifiants France Travail",
    "ID_DOCUMENT": "numéros de pièces d'identité (CNI, passeport, AGDREF)",
    "DATE_OF_BIRTH": "dates de naissance",
    "CASE_ID": "numéros de dossier (ASE, CRIP, AEMO, SIAO, MDPH, juge…)",
    "BIRTHPLACE": "lieux de naissance",
}
# Every label the redactor knows (a test keeps it equal to gateway.redaction's ALL_LABELS;
# importing that package here would load spaCy for a documentation command).
ALL_LABELS: frozenset[str] = frozenset(LABEL_NAMES)

SENSITIVITY_NAMES: dict[str, str] = {
    "sante": "santé",
    "mineurs": "mineurs",
    "penal": "infractions et mesures judiciaires",
    "protection_enfance": "protection de l'enfance",
}


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """One model staff may use, with what its hosting means for the data."""

    name: str
    provider: str          # the first segment of the litellm route (mistral, openai…)
    hosting: str           # self_hosted | eu | non_eu
    certifications: tuple[str, ...]
    retention: str         # zero | provider_default
    roles: tuple[str, ...]

    @property
    def hosting_text(self) -> str:
        return {
            Hosting.SELF_HOSTED: "auto-hébergé sur l'infrastructure de l'organisation",
            Hosting.EU: "hébergé par un prestataire dans l'Union européenne / l'EEE",
            Hosting.NON_EU: "hébergé par un prestataire HORS de l'Union européenne",
        }[Hosting(self.hosting)]

    @property
    def external(self) -> bool:
        """Whether the (redacted) text leaves the organisation's infrastructure."""
        return self.hosting != Hosting.SELF_HOSTED

    @property
    def transfer_text(self) -> str:
        if self.hosting == Hosting.SELF_HOSTED:
            return "aucun transfert : le texte reste sur les serveurs de l'organisation"
        if self.hosting == Hosting.EU:
            return ("pas de transfert hors UE déclaré ; contrat de sous-traitance "
                    f"avec le fournisseur : référence {TODO}")
        return ("TRANSFERT HORS UE : mécanisme de transfert (adéquation, DPF, clauses "
                f"contractuelles types) et contrat de sous-traitance : {TODO}")

    @property
    def retention_text(self) -> str:
        if self.retention == Retention.ZERO:
            return ("zéro rétention déclarée : le fournisseur ne conserve ni les demandes ni "
                    "les réponses")
        return ("conservation par défaut du fournisseur (le fournisseur peut conserver les "
                f"demandes pseudonymisées) : durée et usage à relever dans le contrat {TODO}")


@dataclass(frozen=True, slots=True)
class UseFacts:
    id: str
    label: str
    description: str


@dataclass(frozen=True, slots=True)
class ForbiddenFacts:
    id: str
    label: str
    description: str
    why: str
    instead: tuple[str, ...]
    floor: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoutingFacts:
    id: str
    sensitivities: tuple[str, ...]
    requirement: str
    message: str | None


@dataclass(frozen=True, slots=True)
class DeploymentFacts:
    usage_store: str              # "Redis" or "SQLite (fichier local)"
    pseudonym_secrets: str        # how monthly worker-pseudonym secrets are kept
    telemetry: bool               # OTLP export configured
    electricity_zone: str


@dataclass(frozen=True, slots=True)
class ComplianceFacts:
    """Everything the documents say about one organisation's deployment."""

    org_id: str
    org_name: str
    sector: str | None
    policy_file: str
    policy_revision: str
    law: Jurisdiction
    built_on: date
    models: tuple[ModelFacts, ...]
    uses: tuple[UseFacts, ...]
    forbidden: tuple[ForbiddenFacts, ...]
    routing: tuple[RoutingFacts, ...]
    redacted_labels: tuple[str, ...]
    not_redacted_labels: tuple[str, ...]
    allow_list_size: int
    reidentify: bool
    transparency_notice: str | None
    k_anonymity: int
    research_threshold: int
    logs_days: int
    usage_days: int
    training_url: str
    privacy_contact: str | None
    research_study: str
    activation_gated: bool
    classifier: str

    @property
    def contact(self) -> str:
        """Where rights are exercised; the DPO marker when the policy does not say."""
        return self.privacy_contact or TODO

    @property
    def external_models(self) -> tuple[ModelFacts, ...]:
        return tuple(m for m in self.models if m.external)

    @property
    def only_self_hosted(self) -> bool:
        return bool(self.models) and not self.external_models


def _requirement_text(rule_requirements: tuple) -> str:  # type: ignore[type-arg]
    options = []
    for req in rule_requirements:
        parts = []
        if req.self_hosted:
            parts.append("auto-hébergé")
        if req.certifications:
            parts.append("certifié " + ", ".join(c.upper() for c in req.certifications))
        if req.hosting:
            parts.append("hébergement " + "/".join(req.hosting))
        if req.zero_retention:
            parts.append("zéro rétention")
        options.append(" et ".join(parts) or "tout modèle")
    return " ou ".join(options)


def _model_facts(loaded: LoadedPolicy, catalog: Catalog, org: str) -> tuple[ModelFacts, ...]:
    roles_by_model: dict[str, list[str]] = {}
    for role in Role:
        for name in allowed_models(loaded, role, catalog):
            roles_by_model.setdefault(name, []).append(role.value)
    models: list[ModelFacts] = []
    classifier = loaded.policy.classifier.model
    for spec in catalog.models:
        if not spec.visible_to(org):
            continue
        if spec.name not in roles_by_model and spec.name != classifier:
            continue
        models.append(_one_model(spec, tuple(roles_by_model.get(spec.name, ()))))
    return tuple(models)


def _one_model(spec: ModelSpec, roles: tuple[str, ...]) -> ModelFacts:
    provider = spec.litellm_model.split("/", 1)[0] if "/" in spec.litellm_model else "—"
    if spec.api_base and spec.hosting == Hosting.SELF_HOSTED:
        provider = "serveur compatible OpenAI de l'organisation"
    return ModelFacts(spec.name, provider, spec.hosting.value, spec.certifications,
                      spec.retention.value, roles)


def _deployment(settings: Settings) -> DeploymentFacts:
    if settings.redis_url:
        store = "Redis (partagé entre les instances de la passerelle)"
        secrets = ("un secret aléatoire par mois dans Redis, qui expire à la clôture du mois "
                   "(3 jours après sa fin)")
    else:
        store = "SQLite (fichier local du serveur de la passerelle)"
        secrets = ("un secret aléatoire par mois dans un fichier du serveur, supprimé à la "
                   "clôture du mois (3 jours après sa fin)")
    if settings.worker_salt:
        secrets = ("dérivés d'un sel fixe (GARDEFOU_WORKER_SALT) : les mois clos restent "
                   "réversibles pour qui détient ce sel, la liste des clés et les données")
    return DeploymentFacts(store, secrets, bool(settings.otlp_endpoint),
                           settings.electricity_zone)


def gather(
    loaded: LoadedPolicy,
    catalog: Catalog,
    settings: Settings,
    *,
    org: str | None = None,
    country: str | None = None,
    today: date | None = None,
) -> tuple[ComplianceFacts, DeploymentFacts]:
    """The facts for ``org`` (default: the policy's organisation) under ``country``
    (default: the policy's ``compliance.country``)."""
    policy: Policy = loaded.policy
    org = org or policy.organisation.id
    wanted = set(policy.redaction.labels or ALL_LABELS)
    labels = tuple(label for label in LABEL_NAMES if label in wanted)
    facts = ComplianceFacts(
        org_id=org,
        org_name=policy.organisation.name,
        sector=policy.organisation.sector,
        policy_file=Path(loaded.path).name,
        policy_revision=loaded.revision,
        law=jurisdiction(country or policy.compliance.country),
        built_on=today or date.today(),
        models=_model_facts(loaded, catalog, org),
        uses=tuple(UseFacts(u.id, u.label, u.description) for u in policy.uses),
        forbidden=tuple(
            ForbiddenFacts(f.id, f.label, f.description, f.refusal.why, f.refusal.instead,
                           f.floor)
            for f in policy.forbidden
        ),
        routing=tuple(
            RoutingFacts(r.id, r.when_sensitivity, _requirement_text(r.require_any), r.message)
            for r in policy.routing
        ),
        redacted_labels=labels,
        not_redacted_labels=tuple(label for label in LABEL_NAMES if label not in wanted),
        allow_list_size=len(policy.redaction.allow_list),
        reidentify=policy.redaction.reidentify,
        transparency_notice=policy.transparency.notice,
        k_anonymity=policy.usage.k_anonymity,
        research_threshold=policy.usage.research_threshold,
        logs_days=policy.retention.logs_days,
        usage_days=policy.retention.usage_days,
        training_url=policy.compliance.training_url,
        privacy_contact=policy.compliance.privacy_contact,
        research_study=policy.compliance.research_study,
        activation_gated=policy.compliance.activation.require_confirmation,
        classifier=policy.classifier.mode,
    )
    return facts, _deployment(settings)
