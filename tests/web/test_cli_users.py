"""`cxm users create`, `cxm tokens create` and the `cxm serve` options."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxm.cli.main import app
from cxm.config import Settings, get_settings
from cxm.services import auth
from cxm.services.runtime import open_runtime


@pytest.fixture
def cli_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CXM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CXM_ENV", "test")
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


def test_users_create_and_tokens_create_give_working_credentials(cli_env: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(
        app,
        ["users", "create", "kasia", "--role", "manager", "--department", "billing",
         "--password", "long-enough-1"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    token_run = runner.invoke(app, ["tokens", "create", "kasia", "etl"])
    assert token_run.exit_code == 0, token_run.output
    token = token_run.stdout.strip().splitlines()[-1]
    rt = open_runtime(Settings(env="test", data_dir=cli_env, _env_file=None))  # type: ignore[call-arg]
    try:
        principal = auth.authenticate_token(rt, token)
        assert principal is not None
        assert (principal.username, principal.role, principal.department) == (
            "kasia",
            "manager",
            "billing",
        )
        assert auth.authenticate_password(rt, "kasia", "long-enough-1") is not None
    finally:
        rt.close()


def test_users_create_refuses_a_manager_without_department(cli_env: Path) -> None:
    result = CliRunner().invoke(
        app, ["users", "create", "kasia", "--role", "manager", "--password", "long-enough-1"]
    )
    assert result.exit_code == 1
    assert "a manager needs a department" in result.output


def test_serve_offers_host_port_and_workers() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers"):
        assert option in result.output
