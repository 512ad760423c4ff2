"""Fixtures of the web tests: the real app (lifespan run) on a fresh SQLite data directory,
users of every role, a logged-in client per user, and responses with known numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from web_helpers import PASSWORD, USERS, csrf_of, log_in, web_settings_for

from cxm.config import Settings
from cxm.services import auth
from cxm.services.runtime import Runtime
from cxm.web.app import create_app


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 with small cost parameters: the web tests create many users."""
    light = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(auth, "_hasher", light)


@pytest.fixture
def web_settings(data_dir: Path) -> Settings:
    return web_settings_for(data_dir)


@pytest.fixture
def app(web_settings: Settings) -> FastAPI:
    return create_app(web_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client; entering it runs the app's lifespan (opens the runtime)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def rt(app: FastAPI, client: TestClient) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


@pytest.fixture
def users(rt: Runtime) -> dict[str, int]:
    return {
        name: auth.ensure_user(rt, name, PASSWORD, role, department)
        for name, (role, department) in USERS.items()
    }


@pytest.fixture
def login(app: FastAPI, client: TestClient, users: dict[str, int]) -> Callable[[str], TestClient]:
    """A new client logged in as ``username``; its ``csrf`` attribute holds the CSRF token."""
    made: list[TestClient] = []

    def make(username: str) -> TestClient:
        session = TestClient(app)
        response = log_in(session, username)
        assert response.status_code == 303, response.text
        page = session.get("/taxonomy")
        session.csrf = csrf_of(page.text)  # type: ignore[attr-defined]
        made.append(session)
        return session

    return make
