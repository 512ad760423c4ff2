"""``cxm import KIND FILE``: load customers, employees, interactions or responses from a
CSV, JSONL or Parquet file. Exit code 0: every row accepted; 2: some rows rejected (see the
rejects file); 1: nothing written."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cxm.cli.output import console, cxm_errors, err_console
from cxm.services import ingest
from cxm.services.runtime import open_runtime

KIND_HELP = "What the file holds: " + ", ".join(ingest.KINDS) + "."


def import_command(
    kind: str = typer.Argument(..., help=KIND_HELP, metavar="KIND"),
    file: Path = typer.Argument(
        ..., help="A .csv, .jsonl/.ndjson (optionally .gz) or .parquet file.", metavar="FILE"
    ),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Where to write rejected rows (default: FILE.rejects.txt)."
    ),
    mirror: bool = typer.Option(
        True, "--mirror/--no-mirror", help="Refresh the analytical mirror afterwards."
    ),
) -> None:
    """Import a file; rows are matched by external_id (re-importing updates them)."""
    with cxm_errors(exit_code=1):
        ingest.check_kind(kind)
        with open_runtime() as rt, _progress() as progress:
            task = progress.add_task(f"{kind} ← {file.name}", total=None)

            def on_progress(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            summary = ingest.import_file(
                rt,
                kind,
                file,
                rejects_path=rejects,
                on_progress=on_progress,
                refresh_mirror=mirror,
            )
    _print_summary(summary)
    raise typer.Exit(summary.exit_code)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _print_summary(summary: ingest.ImportSummary) -> None:
    table = Table(title=f"Import of {summary.kind} from {summary.source}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row("rows read", f"{summary.rows_read:,}")
    table.add_row("inserted", f"{summary.inserted:,}")
    table.add_row("updated", f"{summary.updated:,}")
    style = "red" if summary.rejected else "green"
    table.add_row("rejected", f"[{style}]{summary.rejected:,}[/]")
    table.add_row("time", f"{summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s)")
    console.print(table)
    if summary.ignored_columns:
        err_console.print(
            "[yellow]warning[/] ignored unknown column(s): " + ", ".join(summary.ignored_columns)
        )
    if summary.rejected:
        for reject in summary.rejects[:5]:
            err_console.print("  " + reject.format(summary.source), highlight=False, markup=False)
        err_console.print(
            f"[yellow]{summary.rejected:,} row(s) rejected[/]; every problem is listed in "
            f"{summary.rejects_path}"
        )
    if summary.mirror_error:
        err_console.print(
            "[yellow]warning[/] the rows are saved but the analytical mirror was not refreshed "
            f"({summary.mirror_error}); run `cxm mirror refresh`"
        )


def register(app: typer.Typer) -> None:
    """Add ``cxm import``."""
    app.command("import", help=import_command.__doc__)(import_command)
