"""``cxm mirror refresh|status``: the analytical copy (Parquet) of the experience tables."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.services import mirror as mirror_service
from cxm.services.mirror import MirrorStatus
from cxm.services.runtime import open_runtime

mirror_app = typer.Typer(
    help="The analytical mirror: Parquet copies of the experience tables, by month.",
    no_args_is_help=True,
)


@mirror_app.command("refresh")
def refresh_command() -> None:
    """Copy every change past the watermarks to the mirror (incremental)."""
    with (
        cxm_errors(),
        open_runtime() as rt,
        Progress(
            TextColumn("[bold]mirror"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task("mirror", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        status = mirror_service.refresh_mirror(rt, on_progress=on_progress)
    _print_status(status)


@mirror_app.command("status")
def status_command() -> None:
    """Rows, watermark, age and lag (changes not yet mirrored) of every mirrored table and
    of the daily rollups kept from them."""
    with cxm_errors(), open_runtime() as rt:
        status = mirror_service.mirror_status(rt)
    _print_status(status)


def _print_status(status: MirrorStatus) -> None:
    table = Table(title=f"mirror: {status.path}" + ("" if status.built else " (not built)"))
    for column in ("table", "rows", "files", "watermark", "lag", "refreshed at", "age"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for t in status.tables:
        table.add_row(
            t.table,
            f"{t.rows:,}",
            str(t.files),
            str(t.watermark),
            f"[yellow]{t.lag:,}[/]" if t.lag else "0",
            t.refreshed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if t.refreshed_at else "—",
            f"{t.age_seconds:,.0f} s" if t.age_seconds is not None else "—",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``cxm mirror refresh|status``."""
    app.add_typer(mirror_app, name="mirror")
