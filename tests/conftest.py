"""Shared fixtures: a fresh data directory per test, and the system of record on SQLite and
on a real PostgreSQL server (an isolated schema per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

from cxm.config import Settings
from cxm.services.runtime import Runtime, open_runtime
from mail_helpers import SmtpInbox, free_port
from pg_helpers import fresh_schema, plain_url
from settings_helpers import make_settings

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """The PostgreSQL the test command started or found; skip visibly when there is none."""
    url = os.environ.get("CXM_TEST_DATABASE_URL") or LOCAL_PG
    try:
        psycopg.connect(plain_url(url), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {url} (run the tests with `make test`): {exc}")
    return url


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    with fresh_schema(pg_base_url) as url:
        yield url


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
