"""The long-lived services of one gateway process, built once in the app's lifespan and
handed to every request; the chat pipeline's own parts are gathered in ``pipeline``
(:class:`gateway.pipeline.Pipeline`). Module-level state is limited to what
docs/architecture.md lists (telemetry registries, caches of pure functions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.auth import KeyStore
from gateway.catalog import Catalog
from gateway.settings import Settings

if TYPE_CHECKING:
    from pluggy import PluginManager

    from gateway.directory import Directory
    from gateway.frontend import SigningKeys
    from gateway.limits import Limiter
    from gateway.pipeline import Pipeline
    from gateway.sso import OidcClient
    from gateway.policy import PolicyStore
    from gateway.redaction import Redactor
    from gateway.staffstore import StaffStore
    from gateway.upstream import Upstream
    from gateway.usage import UsageRecorder
    from gateway.workers.offload import Analysis


@dataclass(slots=True)
class Services:
    settings: Settings
    catalog: Catalog
    keys: KeyStore
    policies: PolicyStore
    redactor: Redactor
    upstream: Upstream
    usage: UsageRecorder | None = None
    limits: Limiter | None = None
    staff: StaffStore | None = None
    # Front-end keys: where asserted users are placed, and the OIDC providers' keys.
    directory: Directory | None = None
    signing_keys: SigningKeys | None = None
    sso: OidcClient | None = None  # sign-in for the dashboard and admin pages, when configured
    # the chat stages' parts (tests that serve no chat leave it out)
    pipeline: Pipeline | None = None
    # the plugin manager, kept for the process's life (hooks may be called after start-up)
    plugins: PluginManager | None = None
    # Redaction analysis and classification in worker processes (started in the lifespan,
    # then handed to the pipeline); None: in this process, in threads.
    analysis: Analysis | None = None
