"""Settings for tests: a data directory and, optionally, a database URL."""

from __future__ import annotations

from pathlib import Path

from cxm.config import Settings


def make_settings(data_dir: Path, database_url: str | None = None, **extra: object) -> Settings:
    return Settings(
        env="test", data_dir=data_dir, database_url=database_url, _env_file=None, **extra
    )  # type: ignore[call-arg]
