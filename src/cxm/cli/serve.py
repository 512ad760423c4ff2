"""``cxm serve`` (the web app and API under uvicorn) and user and token administration
(``cxm users create``, ``cxm tokens create``)."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from typing import Annotated

import typer

from cxm.cli.output import console, cxm_errors, err_console
from cxm.config import get_settings
from cxm.domain.dimensions import USER_ROLES

users_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for machine clients.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (CXM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CXM_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    jobs: Annotated[
        bool, typer.Option(help="Run background jobs in a companion process (else in the web).")
    ] = True,
) -> None:
    """Run the dashboard and the REST API (OpenAPI at /docs)."""
    import uvicorn

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    companion = None
    if jobs and settings.background_jobs_in_web:
        # CPU-heavy background work (comment analysis, mirror refresh …) gets its own
        # process so it never holds a web worker's GIL while requests wait.
        os.environ["CXM_BACKGROUND_JOBS_IN_WEB"] = "false"
        companion = subprocess.Popen([sys.executable, "-m", "cxm.jobs.runner"])
        get_settings.cache_clear()  # a single worker runs in this process
    console.print(f"cxm: dashboard at [bold]http://{host}:{port}/[/]  API docs at /docs")
    try:
        # An import string, not the app: the CLI never imports the web layer, and
        # uvicorn needs the string to start several workers.
        uvicorn.run(
            "cxm.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            proxy_headers=True,
            log_level="info",
        )
    finally:
        if companion is not None:
            companion.terminate()
            companion.wait(timeout=30)


@users_app.command("create")
def create_user(
    username: str,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(USER_ROLES)}.")],
    department: Annotated[
        str | None, typer.Option(help="Department key (managers and agents see only it).")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when not given.")
    ] = None,
    language: Annotated[str, typer.Option(help="pl or en.")] = "pl",
) -> None:
    """Create a user, or update the password, role and department of an existing one."""
    from cxm.services import auth
    from cxm.services.runtime import open_runtime

    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            err_console.print("[bold red]error[/] the passwords differ")
            raise typer.Exit(1)
    with cxm_errors(), open_runtime() as rt:
        user_id = auth.ensure_user(rt, username, password, role, department, language)
    console.print(f"user [bold]{username}[/] (id {user_id}, role {role}) saved")


@users_app.command("list")
def list_users() -> None:
    """List the users."""
    from rich.table import Table

    from cxm.services import auth
    from cxm.services.runtime import open_runtime

    with cxm_errors(), open_runtime() as rt:
        users = auth.list_users(rt)
    table = Table("username", "role", "department", "language", "active")
    for u in users:
        table.add_row(u.username, u.role, u.department or "", u.language, str(u.active).lower())
    console.print(table)


@tokens_app.command("create")
def create_token(username: str, name: str) -> None:
    """Create an API token for USERNAME; it is printed once and never stored in plain text."""
    from cxm.services import auth
    from cxm.services.runtime import open_runtime

    with cxm_errors(), open_runtime() as rt:
        token = auth.create_api_token(rt, username, name)
    err_console.print("API token (shown once; send it as 'Authorization: Bearer <token>'):")
    typer.echo(token)


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users`` and ``tokens`` to the app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
