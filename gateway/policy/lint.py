"""``gardefou policy check``: beyond the schema, what an admin most likely got wrong.

- an empty ``redaction.labels`` (read as every label);
- unknown ids: models named by roles or the LLM classifier that the models file lacks;
- unreachable rules: a forbidden decision or use with no hints, examples its own rule
  does not reach, a phrase that normalises to nothing;
- conflicting rules: a phrase that is both a use hint and a forbidden *request* (that use
  could never be served with it), the same request phrase in two forbidden decisions, roles
  that can reach no model allowed for sensitive data, a classifier model that is not
  self-hosted.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.catalog import Catalog, Hosting
from gateway.policy.classify import classify
from gateway.policy.evaluate import allowed_models, routing_violation
from gateway.policy.store import LoadedPolicy
from gateway.policy.text import normalise


@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def lint(loaded: LoadedPolicy, catalog: Catalog | None = None) -> list[Finding]:
    """All findings for one valid policy file."""
    findings: list[Finding] = []
    findings += _unreachable(loaded)
    findings += _conflicts(loaded)
    if loaded.policy.redaction.labels == ():
        # read as every label (evaluate.redaction_settings): say so, the writer may expect none
        findings.append(Finding("warning", "redaction.labels", "an empty list means every "
                                "label (redaction cannot be turned off); write null"))
    if catalog is not None:
        findings += _models(loaded, catalog)
    return findings


def _unreachable(loaded: LoadedPolicy) -> list[Finding]:
    pol = loaded.policy
    out: list[Finding] = []
    llm = pol.classifier.mode == "llm"
    for i, f in enumerate(pol.forbidden):
        where = f"forbidden.{i} ({f.id})"
        hints = (*f.objects.phrases, *f.objects.patterns, *f.requests.phrases,
                 *f.requests.patterns)
        if not hints and not f.floor and not llm:
            out.append(Finding("error", where, "no objects or requests: this rule can never "
                               "fire with the offline classifier"))
        for ex in (*f.objects.examples, *f.requests.examples):
            got = classify(pol, [{"role": "user", "content": ex}]).forbidden
            if got != f.id:
                out.append(Finding("warning", where, f"example not reached by this rule "
                                   f"(classified as {got}): {ex[:60]!r}"))
    for i, u in enumerate(pol.uses):
        where = f"uses.{i} ({u.id})"
        if not (u.hints.phrases or u.hints.patterns) and pol.classifier.fallback_use != u.id:
            out.append(Finding("warning", where, "no hints: only reachable as fallback_use"))
        for ex in u.hints.examples:
            c = classify(pol, [{"role": "user", "content": ex}])
            if c.use != u.id or c.forbidden is not None:
                out.append(Finding("warning", where, f"example classified as use={c.use} "
                                   f"forbidden={c.forbidden}: {ex[:60]!r}"))
    for where, phrases in _all_phrases(loaded):
        for p in phrases:
            if not normalise(p).strip(" *"):
                out.append(Finding("error", where, f"phrase {p!r} is empty once normalised"))
    return out


def _all_phrases(loaded: LoadedPolicy) -> list[tuple[str, tuple[str, ...]]]:
    pol = loaded.policy
    items = [(f"uses.{i}.hints.phrases", u.hints.phrases) for i, u in enumerate(pol.uses)]
    for i, f in enumerate(pol.forbidden):
        items.append((f"forbidden.{i}.objects.phrases", f.objects.phrases))
        items.append((f"forbidden.{i}.requests.phrases", f.requests.phrases))
    return items


def _conflicts(loaded: LoadedPolicy) -> list[Finding]:
    pol = loaded.policy
    out: list[Finding] = []
    requests: dict[str, str] = {}
    for f in pol.forbidden:
        for p in f.requests.phrases:
            key = normalise(p).strip()
            if key in requests and requests[key] != f.id:
                out.append(Finding("warning", f"forbidden ({f.id})", f"request phrase {p!r} "
                                   f"also in {requests[key]}: which rule fires is ambiguous"))
            requests.setdefault(key, f.id)
    for u in pol.uses:
        for p in u.hints.phrases:
            key = normalise(p).strip()
            if key in requests:
                out.append(Finding("error", f"uses ({u.id})", f"phrase {p!r} is also a request "
                                   f"phrase of {requests[key]}: it always blocks"))
    return out


def _models(loaded: LoadedPolicy, catalog: Catalog) -> list[Finding]:
    pol = loaded.policy
    out: list[Finding] = []
    for role, entry in pol.roles.items():
        for name in entry.models:
            if name != "*" and catalog.get(name) is None:
                out.append(Finding("error", f"roles.{role.value}", f"unknown model {name!r}"))
        names = allowed_models(loaded, role, catalog)
        sensitive = frozenset(s for r in pol.routing for s in r.when_sensitivity)
        if names and sensitive and not any(
            routing_violation(pol, spec, sensitive) is None
            for n in names if (spec := catalog.get(n)) is not None
        ):
            out.append(Finding("warning", f"roles.{role.value}", "no allowed model may receive "
                               "sensitive data: such requests will all be refused"))
    if pol.classifier.model:
        spec = catalog.get(pol.classifier.model)
        if spec is None:
            out.append(Finding("error", "classifier.model",
                               f"unknown model {pol.classifier.model!r}"))
        elif spec.hosting != Hosting.SELF_HOSTED:
            out.append(Finding("warning", "classifier.model", "the classifying model is not "
                               "self-hosted: requests with sensitive data will be refused"))
    return out
