"""Shared CLI plumbing: the Rich console and turning CxmError into a clean exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from cxm.domain.errors import CxmError

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
