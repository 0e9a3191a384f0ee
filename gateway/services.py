"""The long-lived services of one gateway process, built once in the app's lifespan and
handed to every request. No module-level mutable state: everything lives here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.auth import KeyStore
from gateway.catalog import Catalog
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.directory import Directory
    from gateway.frontend import SigningKeys
    from gateway.limits import Limiter
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
    # Redaction analysis and classification in worker processes (started in the lifespan);
    # None: in this process, in threads.
    analysis: Analysis | None = None
