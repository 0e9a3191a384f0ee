"""The compliance kit: documents generated from the policy file, the models file and the
deployment settings (``gardefou compliance build``).

    facts.py          the facts, gathered into typed values
    jurisdiction.py   what differs in France, Belgium, Switzerland
    measured.py       redaction figures as published in docs/redaction.md
    dpia.py · records.py · staff_notice.py · consultation.py · beneficiary.py · charter.py
                      one document each
    render.py         Markdown and printable HTML
    readability.py    the FALC readability check
"""

from __future__ import annotations

from pathlib import Path

from gateway.compliance import beneficiary, charter, consultation, dpia, records, staff_notice
from gateway.compliance.document import Document
from gateway.compliance.facts import TODO, ComplianceFacts, DeploymentFacts, gather

BUILDERS = (dpia.build, records.build, staff_notice.build, consultation.build,
            beneficiary.build_plain, beneficiary.build_falc, charter.build)


def documents(facts: ComplianceFacts, deployment: DeploymentFacts) -> list[Document]:
    """Every document of the kit for these facts."""
    return [build(facts, deployment) for build in BUILDERS]


def build_kit(facts: ComplianceFacts, deployment: DeploymentFacts, out: Path) -> list[Path]:
    """Write the kit into ``out`` (Markdown + HTML, plus an index) and return the paths."""
    from gateway.compliance.render import write

    docs = documents(facts, deployment)
    index = Document("index", "Kit de conformité", "\n".join([
        f"# Kit de conformité — {facts.org_name}",
        "",
        f"Politique `{facts.policy_file}`, révision `{facts.policy_revision}` ; variante "
        f"{facts.law.name} ; généré le {facts.built_on.isoformat()}.",
        "",
        *[f"- [{d.title}]({d.slug}.html) ([Markdown]({d.slug}.md))" for d in docs],
        "",
        f"Les passages « {TODO} » restent à compléter.",
    ]))
    return write([*docs, index], out)


__all__ = ["TODO", "ComplianceFacts", "DeploymentFacts", "Document", "build_kit",
           "documents", "gather"]
