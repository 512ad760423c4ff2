"""Settings, read from ``CXM_`` environment variables (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    """Every setting of cxm; each field is the env variable ``CXM_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CXM_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./cxm-data")
    database_url: str | None = Field(
        default=None, description="System of record; default is SQLite in the data directory."
    )
    taxonomy_file: Path | None = Field(
        default=None, description="Company CX model (YAML); default: data_dir/taxonomy.yaml."
    )
    analytics_engine: Literal["duckdb", "postgres", "spark"] | None = Field(
        default=None,
        description="Where analytics run; default duckdb over the mirror, "
        "postgres when the system of record is PostgreSQL; spark: PySpark (local mode) "
        "over the mirror (optional extra `cxm[spark]`).",
    )
    mirror_max_age_seconds: float = Field(
        default=60.0, description="Analytics refresh the mirror first when it is older."
    )
    background_jobs_in_web: bool = Field(
        default=True,
        description="Run background jobs inside the web process; `cxm serve` turns this "
        "off for its workers and runs them in one companion process.",
    )
    mirror_refresh_interval_seconds: float = Field(
        default=30.0, description="How often `cxm serve` refreshes the mirror."
    )
    min_responses: int = Field(
        default=30, description="Fewer responses than this: a value is 'insufficient'."
    )
    # every commit empties the page cache of SQLite's readers (the import's look-ups): larger
    # batches re-read the parents' index pages less often (measured on 10 M responses)
    import_batch_size: int = Field(default=50_000, description="Rows per import batch.")
    secret_key: str = Field(default=DEV_SECRET, description="Signs session cookies and CSRF.")
    default_language: Literal["pl", "en"] = "pl"
    text_languages: tuple[str, ...] = Field(
        default=("pl", "en"),
        description="Languages comments may be in; detection never guesses outside them.",
    )
    keep_original_comments: bool = Field(
        default=True,
        description="Keep the unredacted comment in the store; pages and exports always "
        "show the redacted text.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="How customers and employees reach this server (links in e-mails, QR codes).",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for outgoing e-mail.")
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = Field(default="cxm <cxm@localhost>", description="Sender of every e-mail.")
    pulse_min_group: int = Field(
        default=5,
        ge=2,
        description="Employee pulse: no result is shown for a group smaller than this.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("CXM_SECRET_KEY must be set to a private value in production")
        return self

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "cxm.sqlite3"

    @property
    def mirror_dir(self) -> Path:
        return self.data_dir / "mirror"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith("postgresql")

    @property
    def engine(self) -> Literal["duckdb", "postgres", "spark"]:
        if self.analytics_engine:
            return self.analytics_engine
        return "postgres" if self.is_postgres else "duckdb"

    @property
    def resolved_taxonomy_file(self) -> Path:
        return self.taxonomy_file or self.data_dir / "taxonomy.yaml"


@lru_cache
def get_settings() -> Settings:
    return Settings()
