"""Helpers of the web tests: users of every role, logging in, reading the CSRF token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cxm.config import Settings

PASSWORD = "correct-horse-1"
#: username → (role, department)
USERS = {
    "ada": ("admin", None),
    "ola": ("analyst", None),
    "marek": ("manager", "customer_service"),
    "agata": ("agent", "billing"),
    "ewa": ("employee", "sales"),
}


def web_settings_for(data_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {"mirror_refresh_interval_seconds": 0, "min_responses": 30, **extra}
    return Settings(env="test", data_dir=data_dir, _env_file=None, **values)  # type: ignore[call-arg]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
