"""Optional classification by a model named in the policy (``classifier: {mode: llm}``).

The messages given here are already redacted, so the classifying model receives exactly
what the answering model would. The model is reached through an injected async callable
``complete(model_name, messages) -> str`` (the pipeline passes its upstream call), so this
module needs no litellm. Any failure — transport error, non-JSON answer, unknown ids —
raises ``PolicyUnavailable``: the request is refused rather than classified by guesswork.
The floor rules are still checked offline and cannot be overruled by the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.errors import PolicyUnavailable
from gateway.policy.classify import Classification, floor_in
from gateway.policy.request import message_text, read_request
from gateway.policy.schema import Policy
from gateway.policy.text import analyse
from gateway.types import Evidence

Complete = Callable[[str, list[dict[str, Any]]], Awaitable[str]]
_MAX_CONTEXT_CHARS = 6000


def build_prompt(policy: Policy, messages: list[dict[str, Any]],
                 params: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The classification request: the taxonomy of the policy, then what the model is asked
    now (``request.py``): instructions, context turns and the request."""
    uses = "\n".join(f"- {u.id} : {u.label}. {u.description}" for u in policy.uses)
    forbidden = "\n".join(f"- {f.id} : {f.label}. {f.description}" for f in policy.forbidden)
    view = read_request(messages, params)
    context = "\n---\n".join(view.context)[-_MAX_CONTEXT_CHARS:]
    instructions = "\n---\n".join(view.instructions)[-_MAX_CONTEXT_CHARS:]
    system = (
        "Tu classes des demandes de professionnels du travail social adressées à une IA.\n"
        "Usages autorisés :\n" + uses + "\n\nDécisions interdites à l'IA :\n" + forbidden +
        "\n\nRègle : une décision interdite n'est retenue que si la demande demande à l'IA "
        "de prendre, recommander, trancher, noter ou valider cette décision pour une personne "
        "réelle. Aider un professionnel à écrire, structurer, reformuler ou annoncer une "
        "décision prise par un humain (professionnel, équipe, commission, juge, médecin) est "
        "autorisé, comme les questions générales et les cas fictifs.\n"
        'Réponds uniquement par un objet JSON : {"use": "<id ou null>", "forbidden": '
        '"<id ou null>"}.'
    )
    user = (
        (f"Consignes données à l'IA (à classer aussi) :\n{instructions}\n\n"
         if instructions else "")
        + (f"Contexte (tours précédents) :\n{context}\n\n" if context else "")
        + f"Dernière demande à classer :\n{view.request}"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_answer(policy: Policy, answer: str) -> tuple[str | None, str | None]:
    """``(use, forbidden)`` from the model's answer; ``ValueError`` if unusable."""
    match = re.search(r"\{.*\}", answer, re.DOTALL)
    if match is None:
        raise ValueError("no JSON object in the classifier answer")
    data = json.loads(match.group(0))
    if not isinstance(data, dict):
        raise ValueError("classifier answer is not an object")
    use = _none(data.get("use"))
    forbidden = _none(data.get("forbidden"))
    if use is not None and policy.use(use) is None:
        raise ValueError("classifier answered an unknown use")
    if forbidden is not None and policy.forbidden_decision(forbidden) is None:
        raise ValueError("classifier answered an unknown forbidden decision")
    return use, forbidden


async def classify_with_model(
    policy: Policy, messages: list[dict[str, Any]], complete: Complete,
    params: dict[str, Any] | None = None,
) -> Classification:
    """Classify with ``policy.classifier.model``; floor rules still apply offline, on the
    request and on every instruction."""
    model = policy.classifier.model or ""
    view = read_request(messages, params)
    floor_hit = None
    for text in (view.request, *view.instructions):
        floor_hit = floor_hit or (floor_in(analyse(text)) if text else None)
    try:
        answer = await complete(model, build_prompt(policy, messages, params))
        use, forbidden = parse_answer(policy, answer)
    except Exception as exc:  # any failure of the optional classifier refuses the request
        raise PolicyUnavailable(
            "le classifieur de la politique n'a pas pu classer la demande ; elle n'a pas été "
            "envoyée",
            code="policy_classifier_failed",
        ) from exc
    evidence = [Evidence(f"classifier:llm:{model}")]
    if floor_hit is not None:
        rule, words = floor_hit
        entry = next((f for f in policy.forbidden if rule.id in f.floor), None)
        forbidden = entry.id if entry else rule.id
        evidence.insert(0, Evidence(f"floor:{rule.id}", (words,)))
    elif forbidden is not None:
        evidence.insert(0, Evidence(f"forbidden:{forbidden}"))
    if use is None and forbidden is None:
        use = policy.classifier.fallback_use or policy.uses[0].id
    return Classification(use, forbidden, tuple(evidence),
                          floor=floor_hit[0].id if floor_hit else None, source="llm",
                          band="block" if forbidden else "allow", concern=forbidden,
                          score=1.0 if forbidden else 0.0)


def _none(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none")):
        return None
    return str(value)


__all__ = ["build_prompt", "classify_with_model", "message_text", "parse_answer"]
