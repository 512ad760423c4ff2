"""Shared fixtures: a fresh data directory per test, and the system of record on SQLite and
on a real PostgreSQL server (an isolated schema per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

from cxm.config import Settings
from cxm.services.runtime import Runtime, open_runtime
from mail_helpers import SmtpInbox, free_port
from settings_helpers import make_settings

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """The PostgreSQL the test command started or found; skip visibly when there is none."""
    url = os.environ.get("CXM_TEST_DATABASE_URL") or LOCAL_PG
    try:
        psycopg.connect(_plain(url), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {url} (run the tests with `make test`): {exc}")
    return url


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(pg_base_url), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_base_url else "?"
    yield f"{pg_base_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(_plain(pg_base_url), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "cxm-data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test once per system of record."""
    return str(request.param)


@pytest.fixture
def store_settings(backend: str, data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        return make_settings(data_dir)
    url = request.getfixturevalue("pg_url")
    return make_settings(data_dir, url)


@pytest.fixture
def runtime(store_settings: Settings) -> Iterator[Runtime]:
    """A migrated runtime on the backend of this parametrisation."""
    rt = open_runtime(store_settings)
    yield rt
    rt.close()


@pytest.fixture
def sqlite_runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    """A real SMTP server on 127.0.0.1; point ``Settings.smtp_port`` at ``inbox.port``."""
    inbox = SmtpInbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()
