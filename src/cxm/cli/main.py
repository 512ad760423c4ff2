"""The ``cxm`` entry point: one Typer app; each area registers its commands."""

from __future__ import annotations

import typer

from cxm.cli import analyse, demo, imports, journeys, mirror, report, serve, text
from cxm.cli import loop as loop_cli
from cxm.cli import people as people_cli
from cxm.cli import surveys as surveys_cli

app = typer.Typer(
    name="cxm",
    help="cxm — Customer Experience Management on your own data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

for area in (analyse, demo, serve, imports, journeys, mirror, report, text):
    area.register(app)
loop_cli.register(app)
people_cli.register(app)
surveys_cli.register(app)


if __name__ == "__main__":
    app()
