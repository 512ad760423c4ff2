"""``cxm report METRIC``: NPS, CSAT and CES with intervals, cut by dimensions and time."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import typer
from rich.table import Table

from cxm.cli.output import console, cxm_errors, parse_date
from cxm.config import get_settings
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import GRAINS, METRICS, Metric, MetricQuery
from cxm.services import reports
from cxm.services.runtime import Runtime, open_runtime

FORMATS = ("table", "csv", "json")
REPORT_HELP = """NPS, CSAT and CES with 95 % intervals, by up to three dimensions and a time grain.

METRIC is nps, csat, ces or all. Cells with fewer responses than the minimum
(CXM_MIN_RESPONSES, or --min-n) are marked insufficient and carry no number.

\b
--format json prints a JSON array of rows. Without --by and --grain the one row is the
total. Dimension keys hold taxonomy keys; the grain key (day|week|month|quarter) holds the
first day of the period (weeks start on Monday), e.g. for `cxm report nps --by segment
--grain month`:
  {"segment": "young", "month": "2025-03-01", "n": 812, "nps": 23.4, "margin": 5.1,
   "low": 18.3, "high": 28.5}
  {"segment": "senior", "month": "2025-03-01", "n": 12, "insufficient": true}
n is the number of responses with that metric. csat rows add "top2", "top2_low",
"top2_high" (top-2-box share in %, Wilson interval); csat and ces "margin" is the half
width of the t interval of the mean.
\b
For METRIC=all, "n" counts every response in the cell and each metric m in nps, csat, ces
has "m_n" and either "m", "m_margin", "m_low", "m_high" or "m_insufficient": true; csat
also "csat_top2", "csat_top2_low", "csat_top2_high".
--format csv has the same keys as columns (empty when insufficient)."""


def report_command(
    metric: str = typer.Argument(..., help="nps, csat, ces or all.", metavar="METRIC"),
    by: list[str] = typer.Option(
        [], "--by", help="Break down by a dimension (repeat, up to 3).", metavar="DIM"
    ),
    grain: str | None = typer.Option(
        None, "--grain", help="Time grain: day, week, month or quarter.", metavar="GRAIN"
    ),
    since: str | None = typer.Option(
        None, "--since", help="First day (YYYY-MM-DD).", metavar="DATE"
    ),
    until: str | None = typer.Option(
        None, "--until", help="Last day, inclusive (YYYY-MM-DD).", metavar="DATE"
    ),
    where: list[str] = typer.Option(
        [],
        "--where",
        help="Keep only DIM=VALUE (repeat; same DIM twice = either).",
        metavar="DIM=VALUE",
    ),
    min_n: int | None = typer.Option(
        None, "--min-n", help="Minimum responses per value (default CXM_MIN_RESPONSES)."
    ),
    output: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    with cxm_errors():
        query = build_query(metric, by, grain, since, until, where, min_n)
        if output not in FORMATS:
            raise ValidationFailed(f"unknown format '{output}' (table, csv, json)", field="format")
        with open_runtime() as rt:
            report = reports.metric_report(rt, query)
            rows = reports.report_rows(report)
            if output == "json":
                typer.echo(json.dumps(rows, ensure_ascii=False, indent=None))
            elif output == "csv":
                typer.echo(_csv(rows), nl=False)
            else:
                _print_table(rt, query, rows, report.total.n)


def build_query(
    metric: str,
    by: list[str],
    grain: str | None,
    since: str | None,
    until: str | None,
    where: list[str],
    min_n: int | None,
) -> MetricQuery:
    """A MetricQuery from command-line text; ValidationFailed names the bad option."""
    if metric == "all":
        metrics: tuple[Metric, ...] = METRICS
    elif metric in METRICS:
        metrics = (metric,)
    else:
        raise ValidationFailed(f"unknown metric '{metric}' (nps, csat, ces, all)", field="metric")
    if grain is not None and grain not in GRAINS:
        raise ValidationFailed(f"unknown grain '{grain}' ({', '.join(GRAINS)})", field="grain")
    filters: dict[str, tuple[str, ...]] = {}
    for item in where:
        dim, sep, value = item.partition("=")
        if not sep or not dim or not value:
            raise ValidationFailed(f"--where needs DIM=VALUE, got '{item}'", field="where")
        filters[dim.strip()] = (*filters.get(dim.strip(), ()), value.strip())
    query = MetricQuery(
        metrics=metrics,
        by=tuple(by),
        grain=grain,
        since=parse_date(since, "since"),
        until=parse_date(until, "until"),
        where=filters,
        min_n=min_n,
    )
    reports.validate_query(query)
    return query


def _csv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _print_table(rt: Runtime, query: MetricQuery, rows: list[dict[str, Any]], total_n: int) -> None:
    language = get_settings().default_language
    table = Table(title=f"{', '.join(m.upper() for m in query.metrics)} — n = {total_n:,}")
    for dim in query.by:
        table.add_column(dim)
    if query.grain:
        table.add_column(query.grain)
    single = len(query.metrics) == 1
    for metric in query.metrics:
        table.add_column(f"{metric} n", justify="right")
        table.add_column(metric.upper(), justify="right")
        table.add_column("± 95 %", justify="right")
        if metric == "csat":
            table.add_column("top-2 %", justify="right")
    for row in rows:
        cells = [reports.label_of(rt, d, row.get(d), language) for d in query.by]
        if query.grain:
            cells.append(str(row.get(query.grain)))
        for metric in query.metrics:
            prefix = "" if single else f"{metric}_"
            cells.append(f"{row[f'{prefix}n' if single else f'{metric}_n']:,}")
            if row.get(f"{prefix}insufficient"):
                cells += ["[dim]insufficient[/]", ""] + ([""] if metric == "csat" else [])
                continue
            margin = row[f"{prefix}margin"]
            cells += [f"{row[metric]:.1f}" if metric == "nps" else f"{row[metric]:.2f}"]
            cells += [
                "" if margin is None else f"{margin:.1f}" if metric == "nps" else f"{margin:.2f}"
            ]
            if metric == "csat":
                cells.append(f"{row['top2' if single else 'csat_top2']:.1f}")
        table.add_row(*cells)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``cxm report``."""
    app.command("report", help=REPORT_HELP)(report_command)
