"""Settings of the study collector, read from the environment (prefix ``GARDEFOU_STUDY_``).

Separate from the gateway's :class:`gateway.settings.Settings`: the collector runs elsewhere
(at the research team's), with its own data directory and its own thresholds.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Cross-organisation floors: a published cell covers at least this many organisations and
# workers; settings may raise them, never lower them.
MIN_ORGS = 3
MIN_WORKERS = 11


class StudySettings(BaseSettings):
    """Collector settings; documented in ``docs/study.md``."""

    model_config = SettingsConfigDict(
        env_prefix="GARDEFOU_STUDY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = Field(default="127.0.0.1", description="Address the collector binds to.")
    port: int = Field(default=8090, ge=1, le=65535, description="HTTP port.")
    data_dir: Path = Field(default=Path("var/study"), description="Parquet store, members, "
                           "publications and DP ledger.")
    k_orgs: int = Field(default=MIN_ORGS, ge=MIN_ORGS,
                        description="Organisations a published cell covers at least (≥ 3).")
    k_workers: int = Field(default=MIN_WORKERS, ge=MIN_WORKERS,
                           description="Distinct workers a published cell covers at least (≥ 11).")
    epsilon_budget: float = Field(default=3.0, gt=0, description="Total ε per published month "
                                  "over all DP publications (ledger).")
    retention_months: int = Field(default=36, ge=1, le=240, description="Months the "
                                  "organisations' exports are kept (`gardefou study purge`); "
                                  "publications are kept.")
    max_upload_bytes: int = Field(default=5_000_000, ge=10_000,
                                  description="Largest accepted export file.")

    @property
    def members_file(self) -> Path:
        return self.data_dir / "membres.json"

    @property
    def cells_dir(self) -> Path:
        return self.data_dir / "cellules"

    @property
    def publications_dir(self) -> Path:
        return self.data_dir / "publications"


def load_study_settings(**overrides: object) -> StudySettings:
    """Settings from the environment, with ``overrides`` (tests, CLI options) on top."""
    return StudySettings(**overrides)  # type: ignore[arg-type]
