"""Per-organisation policy: allowed uses, forbidden decisions that must stay human, model
allow-lists and data routing.

Public surface (the pipeline codes against it)::

    store = PolicyStore(directory)            # loads, validates, audit trail
    loaded = store.get(principal.org)         # LoadedPolicy (org, policy, revision, path)
    allowed_models(loaded, role, catalog)     # model names the role may call
    eligible_models(loaded, catalog, principal, sensitivity)  # ModelSpecs that may serve
    redaction_settings(loaded, scope)         # RedactionSettings (labels null or [] = all)
    await evaluate(loaded, principal, model, redacted_messages, catalog, complete=None)

The default policy is the packaged ``gateway/policy/default.yaml``, a byte-identical copy of
the repository's ``policies/default.yaml`` (a test keeps them equal).
"""

from gateway.policy.classify import Classification, classify
from gateway.policy.evaluate import (
    allowed_models,
    block_message,
    eligible_models,
    evaluate,
    redaction_settings,
)
from gateway.policy.schema import Policy
from gateway.policy.sensitivity import detect_sensitivity
from gateway.policy.store import DEFAULT_POLICY_PATH, LoadedPolicy, PolicyStore, load_policy_file

__all__ = [
    "DEFAULT_POLICY_PATH",
    "Classification",
    "LoadedPolicy",
    "Policy",
    "PolicyStore",
    "allowed_models",
    "block_message",
    "classify",
    "detect_sensitivity",
    "eligible_models",
    "evaluate",
    "load_policy_file",
    "redaction_settings",
]
