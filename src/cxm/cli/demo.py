"""``cxm demo``: generate the demo company (a Polish telecom & home-services provider),
import it, print the dashboard URL and the demo logins, then serve the dashboard."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.config import get_settings

if TYPE_CHECKING:
    from cxm.services.demo import DemoSummary, DemoUser
    from cxm.services.runtime import Runtime

PHASE_LABELS = {
    "generate": "generating interactions",
    "import:employees": "importing employees",
    "import:customers": "importing customers",
    "import:interactions": "importing interactions",
    "import:responses": "importing responses",
    "mirror": "refreshing the mirror",
    "users": "creating demo users",
}


class DemoSizeOption(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


def demo(
    size: Annotated[
        DemoSizeOption,
        typer.Option(help="small ≈5 k customers, medium ≈50 k (default), large 10 M responses."),
    ] = DemoSizeOption.medium,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 7,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the dashboard afterwards.")
    ] = True,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Regenerate even if this demo is already loaded.")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on (CXM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CXM_PORT).")] = None,
) -> None:
    """Generate realistic demo data, import it and open the dashboard."""
    from cxm.services import demo as demo_service
    from cxm.services.runtime import open_runtime

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    with cxm_errors(), open_runtime(settings) as rt:
        existing = demo_service.existing_demo(rt)
        if existing and existing.size == size.value and existing.seed == seed and not fresh:
            console.print(
                f"The data directory [bold]{settings.data_dir}[/] already holds the "
                f"[bold]{size.value}[/] demo (seed {seed}, imported {existing.imported_at} "
                "UTC); not regenerating (use --fresh to regenerate)."
            )
            _print_counts(existing.counts)
        else:
            if existing:
                console.print(
                    f"[yellow]note[/] replacing the {existing.size} demo (seed "
                    f"{existing.seed}); rows of a larger earlier demo stay in the database "
                    "— use an empty CXM_DATA_DIR for a clean start."
                )
            summary = _generate(rt, size.value, seed)
            _print_counts(summary.counts)
            console.print(
                f"{summary.date_from} – {summary.date_to}; generated in "
                f"{summary.generate_seconds:.1f} s, imported in {summary.import_seconds:.1f} "
                f"s, mirror and users {summary.mirror_seconds:.1f} s, "
                f"total {summary.seconds:.1f} s"
                + (f"; [yellow]{summary.rejected} rows rejected[/]" if summary.rejected else "")
            )
    _print_access(host, port, demo_service.DEMO_USERS)
    if serve:
        import uvicorn

        uvicorn.run("cxm.web.app:create_app", factory=True, host=host, port=port)


def _generate(rt: Runtime, size: str, seed: int) -> DemoSummary:
    from cxm.services import demo as demo_service

    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,.0f}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(PHASE_LABELS.get(phase, phase), total=total)
            progress.update(tasks[phase], completed=done, total=total)

        return demo_service.generate_demo(rt, size, seed, on_progress)


def _print_counts(counts: dict[str, int]) -> None:
    table = Table("kind", "rows", title="demo data")
    for kind, rows in counts.items():
        table.add_row(kind, f"{rows:,}")
    console.print(table)


def _print_access(host: str, port: int, users: tuple[DemoUser, ...]) -> None:
    url = f"http://{host}:{port}/"
    console.print(f"Dashboard: [bold]{url}[/]  (API docs: {url}docs)")
    table = Table("login", "password", "role", "department", title="demo logins (demo only!)")
    for user in users:
        table.add_row(user.username, user.password, user.role, user.department or "—")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``cxm demo``."""
    app.command("demo")(demo)
