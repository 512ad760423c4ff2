"""Shared CLI plumbing: the Rich console, turning CxmError into a clean exit, and reading
a date option."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console
from rich.markup import escape

from cxm.domain.errors import CxmError, ValidationFailed

console = Console()
err_console = Console(stderr=True)


@contextmanager
def cxm_errors(exit_code: int = 1) -> Iterator[None]:
    """Print a CxmError as one clear line on stderr and exit with ``exit_code``."""
    try:
        yield
    except CxmError as exc:
        err_console.print(f"[bold red]error[/] \\[{exc.code}] {escape(exc.message)}")
        raise typer.Exit(exit_code) from exc


def parse_date(value: str | None, field: str) -> date | None:
    """The day of a ``--<field> YYYY-MM-DD`` option (None when not given)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(
            f"--{field}: not a date (YYYY-MM-DD): '{value}'", field=field
        ) from exc
