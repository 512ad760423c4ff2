"""``cxm import KIND FILE...``: load customers, employees, interactions or responses from
CSV, JSONL or Parquet files. Exit code 0: every row accepted; 2: some rows rejected (see the
rejects file); 1: nothing written."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cxm.cli.output import console, cxm_errors, err_console
from cxm.domain.errors import ValidationFailed
from cxm.services import ingest
from cxm.services.runtime import open_runtime

KIND_HELP = "What the file holds: " + ", ".join(ingest.KINDS) + "."


def import_command(
    kind: str = typer.Argument(..., help=KIND_HELP, metavar="KIND"),
    files: list[Path] = typer.Argument(
        ...,
        help="One or more .csv, .jsonl/.ndjson (optionally .gz) or .parquet files, loaded as "
        "one import (a large load defers the table's indexes once for all of them).",
        metavar="FILE...",
    ),
    rejects: Path | None = typer.Option(
        None,
        "--rejects",
        help="Where to write rejected rows (one file only; default: FILE.rejects.txt).",
    ),
    mirror: bool = typer.Option(
        True, "--mirror/--no-mirror", help="Refresh the analytical mirror afterwards."
    ),
) -> None:
    """Import files; rows are matched by external_id (re-importing updates them)."""
    with cxm_errors(exit_code=1):
        ingest.check_kind(kind)
        if rejects is not None and len(files) > 1:
            raise ValidationFailed("--rejects names the rejects file of a single FILE")
        with open_runtime() as rt, _progress() as progress:
            label = files[0].name if len(files) == 1 else f"{len(files)} files"
            task = progress.add_task(f"{kind} ← {label}", total=None)

            mirrored: list[TaskID] = []

            def on_progress(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            def on_mirror_progress(done: int, total: int) -> None:
                if not mirrored:
                    mirrored.append(progress.add_task("mirror", total=total))
                progress.update(mirrored[0], completed=done, total=total)

            summaries = ingest.import_files(
                rt,
                kind,
                files,
                rejects_paths=[rejects] if rejects is not None else None,
                on_progress=on_progress,
                refresh_mirror=mirror,
                on_mirror_progress=on_mirror_progress,
            )
    for summary in summaries:
        _print_summary(summary)
    raise typer.Exit(_exit_code(summaries))


def _exit_code(summaries: list[ingest.ImportSummary]) -> int:
    """0 every row of every file accepted, 1 nothing written at all, else 2."""
    if any(s.rows_read for s in summaries) and not any(s.accepted for s in summaries):
        return 1
    return 2 if any(s.exit_code for s in summaries) else 0


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
