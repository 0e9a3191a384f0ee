"""A generated document, and the parts every document shares (header naming the policy
revision, the DPO marker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.compliance.facts import TODO, ComplianceFacts


@dataclass(frozen=True, slots=True)
class Document:
    """One compliance document: ``slug`` names its files (``slug.md``, ``slug.html``)."""

    slug: str
    title: str
    markdown: str


def provenance(facts: ComplianceFacts) -> str:
    """Which policy revision and files the document was built from."""
    return (f"Document généré le {facts.built_on.isoformat()} par `gardefou compliance build` "
            f"(variante {facts.law.name}) à partir du fichier de politique "
            f"`{facts.policy_file}`, révision `{facts.policy_revision}` (empreinte sha256, "
            "identique à l'en-tête `x-gardefou-policy-revision` des réponses de la "
            "passerelle), du fichier des modèles et des réglages de déploiement. Si la "
            "politique change, régénérez ce document.")


def header(facts: ComplianceFacts, title: str, audience: str, *, with_provenance: bool = True
           ) -> str:
    """Title, audience and (unless put at the end) the provenance."""
    lines = [f"# {title}", "", f"**{facts.org_name}** — {audience}", ""]
    if with_provenance:
        lines += [provenance(facts), ""]
    return "\n".join(lines)


def dpo_section(what: str) -> str:
    """A block the DPO must complete, marked so that it can be found and checked."""
    return f"> **{TODO}** {what}\n"


def bullet_list(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items) + "\n"


def table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def labels_text(facts: ComplianceFacts) -> str:
    from gateway.compliance.facts import LABEL_NAMES

    return ", ".join(LABEL_NAMES.get(label, label) for label in facts.redacted_labels)


def models_table(facts: ComplianceFacts) -> str:
    rows = [
        (m.name, m.provider, m.hosting_text,
         ", ".join(c.upper() for c in m.certifications) or "aucune déclarée",
         m.retention_text, m.transfer_text, ", ".join(m.roles) or "classifieur")
        for m in facts.models
    ]
    if not rows:
        return "Aucun modèle n'est ouvert à cette organisation dans le fichier des modèles.\n"
    return table(("modèle", "fournisseur", "hébergement", "certifications",
                  "conservation chez le fournisseur", "transferts", "rôles"), rows)
