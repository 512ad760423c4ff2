"""``cxm journey map|paths|moments|drivers``: journey analytics and key drivers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import typer
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.domain.drivers import DriverQuery
from cxm.domain.errors import ValidationFailed
from cxm.domain.journeys import JourneyQuery, MomentQuery, PathQuery
from cxm.services import drivers, journeys
from cxm.services.runtime import open_runtime

app = typer.Typer(help="Journey analytics (maps, paths, moments of truth) and key drivers.")

FormatOpt = typer.Option("table", "--format", help="table or json.", metavar="FORMAT")
JourneyOpt = typer.Option(None, "--journey", help="Journey key (default: all).", metavar="KEY")
SinceOpt = typer.Option(None, "--since", help="First day (YYYY-MM-DD).", metavar="DATE")
UntilOpt = typer.Option(None, "--until", help="Last day, inclusive.", metavar="DATE")
WhereOpt = typer.Option([], "--where", help="Filter dim:value (repeat).", metavar="DIM:VALUE")


def _date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"not a date (YYYY-MM-DD): '{value}'", field=field) from exc


def _where(items: list[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        dim, sep, value = item.partition(":")
        if not sep or not dim or not value:
            raise ValidationFailed(f"--where needs dim:value, got '{item}'", field="where")
        out[dim] = (*out.get(dim, ()), value)
    return out


def _journey(
    journey: str | None, since: str | None, until: str | None, where: list[str]
) -> JourneyQuery:
    return JourneyQuery(journey, _date(since, "since"), _date(until, "until"), _where(where))


def _run(
    fmt: str,
    compute: Callable[[Any], Any],
    to_dict: Callable[[Any], dict[str, Any]],
    table: Callable[[Any], Table],
) -> None:
    with cxm_errors():
        if fmt not in ("table", "json"):
            raise ValidationFailed("--format is table or json", field="format")
        with open_runtime() as rt:
            result = compute(rt)
        if fmt == "json":
            typer.echo(json.dumps(to_dict(result), ensure_ascii=False, default=str, indent=2))
        else:
            console.print(table(result))


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


@app.command("drivers")
def drivers_command(
    driver: list[str] = typer.Option(
        [], "--driver", help="Driver (repeat); default: every numeric answer.", metavar="NAME"
    ),
    outcome: str = typer.Option("nps", "--outcome", help="nps or csat."),
    source: str = typer.Option("answers", "--source", help="answers or touchpoints."),
    bootstrap: int = typer.Option(500, "--bootstrap", help="Bootstrap replicates (0: none)."),
    seed: int = typer.Option(7, "--seed", help="Seed of the bootstrap."),
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    where: list[str] = WhereOpt,
    fmt: str = FormatOpt,
) -> None:
    """Key drivers of NPS or CSAT: LMG relative importance with bootstrap intervals."""

    def compute(rt: Any) -> Any:
        query = DriverQuery(
            outcome=outcome,  # type: ignore[arg-type]
            source=source,  # type: ignore[arg-type]
            drivers=tuple(driver),
            since=_date(since, "since"),
            until=_date(until, "until"),
            where=_where(where),
            bootstrap=bootstrap,
            seed=seed,
        )
        return drivers.key_drivers(rt, query)

    def table(r: Any) -> Table:
        t = Table(
            title=f"{r.query.outcome}: R² {r.r2:.3f} "
            f"[{_num(r.r2_low, 3)}, {_num(r.r2_high, 3)}], n={r.n}"
        )
        for col in ("#", "driver", "importance", "interval", "share %", "mean", "top-2 %"):
            t.add_column(col)
        for d in r.drivers:
            t.add_row(
                str(d.rank),
                d.driver,
                f"{d.importance:.4f}",
                f"[{_num(d.low, 4)}, {_num(d.high, 4)}]",
                f"{100 * d.share:.1f}",
                f"{d.mean:.2f}",
                f"{100 * d.top_box:.1f}",
            )
        return t

    _run(fmt, compute, drivers.driver_report_dict, table)


@app.command("map")
def map_command(
    journey: str | None = JourneyOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    where: list[str] = WhereOpt,
    fmt: str = FormatOpt,
) -> None:
    """Journey map: stages with volume, NPS/CSAT/CES, emotion and conversion."""

    def compute(rt: Any) -> Any:
        return journeys.journey_map(rt, _journey(journey, since, until, where))

    def table(m: Any) -> Table:
        t = Table(title=f"emotion: {m.emotion_source}")
        for col in (
            "journey",
            "stage",
            "interactions",
            "customers",
            "NPS",
            "CSAT",
            "CES",
            "emotion",
        ):
            t.add_column(col)
        for c in m.stages:
            t.add_row(
                c.journey,
                c.stage,
                str(c.interactions),
                str(c.customers),
                _num(c.nps.value),
                _num(c.csat.value, 2),
                _num(c.ces.value, 2),
                _num(c.emotion.valence, 2),
            )
        return t

    _run(fmt, compute, journeys.journey_map_dict, table)


@app.command("paths")
def paths_command(
    level: str = typer.Option("touchpoint", "--level", help="touchpoint or stage."),
    steps: int = typer.Option(4, "--steps", help="Steps per path (2–8)."),
    top: int = typer.Option(10, "--top", help="How many paths."),
    journey: str | None = JourneyOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    where: list[str] = WhereOpt,
    fmt: str = FormatOpt,
) -> None:
    """The most common customer paths."""

    def compute(rt: Any) -> Any:
        query = PathQuery(_journey(journey, since, until, where), level, steps, top)  # type: ignore[arg-type]
        return journeys.common_paths(rt, query)

    def table(r: Any) -> Table:
        t = Table(title=f"{r.customers} customers with a path")
        t.add_column("customers", justify="right")
        t.add_column("share", justify="right")
        t.add_column("path")
        for p in r.paths:
            t.add_row(str(p.customers), f"{100 * p.share:.1f} %", " → ".join(p.steps))
        return t

    _run(fmt, compute, journeys.path_report_dict, table)


@app.command("moments")
def moments_command(
    outcome: str = typer.Option("churn", "--outcome", help="churn or nps."),
    min_customers: int = typer.Option(20, "--min-customers", help="Minimum per group."),
    journey: str | None = JourneyOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    where: list[str] = WhereOpt,
    fmt: str = FormatOpt,
) -> None:
    """Moments of truth: where a bad experience most changes churn or NPS."""

    def compute(rt: Any) -> Any:
        query = MomentQuery(_journey(journey, since, until, where), outcome, min_customers)  # type: ignore[arg-type]
        return journeys.moments_of_truth(rt, query)

    def table(r: Any) -> Table:
        t = Table(title=f"moments of truth ({r.query.outcome})")
        for col in (
            "touch-point",
            "bad n",
            "good n",
            "churn Δ pp",
            "interval",
            "NPS Δ",
            "interval",
        ):
            t.add_column(col)
        for m in r.moments:
            t.add_row(
                m.touchpoint,
                str(m.churn.bad_n),
                str(m.churn.good_n),
                _num(m.churn.difference),
                f"[{_num(m.churn.low)}, {_num(m.churn.high)}]",
                _num(m.nps.difference),
                f"[{_num(m.nps.low)}, {_num(m.nps.high)}]",
            )
        return t

    _run(fmt, compute, journeys.moment_report_dict, table)


def register(root: typer.Typer) -> None:
    """Add ``cxm journey``."""
    root.add_typer(app, name="journey")
