"""``cxm analyse compare|scan|changes|pain-points|word-of-mouth|alerts``: significance of
differences and changes, pain points, word of mouth and control-chart alerts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.table import Table

from cxm.cli.output import console, cxm_errors, parse_date
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import MetricQuery
from cxm.services.analysis import alerts as alert_service
from cxm.services.analysis import changes, pain_points, significance, word_of_mouth
from cxm.services.analysis.shape import jsonable, scan_table
from cxm.services.runtime import open_runtime

analyse_app = typer.Typer(
    help="Experience analyses: significance, changes, pain points, word of mouth, alerts.",
    no_args_is_help=True,
)
FORMAT_HELP = "table or json."
WHERE_HELP = "Keep only DIM=VALUE (repeat; same DIM twice = either)."
SINCE_OPTION = typer.Option(None, "--since", help="First day (YYYY-MM-DD).")
UNTIL_OPTION = typer.Option(None, "--until", help="Last day, inclusive.")
WHERE_OPTION = typer.Option([], "--where", help=WHERE_HELP, metavar="DIM=VALUE")
FORMAT_OPTION = typer.Option("table", "--format", help=FORMAT_HELP)


def _where(items: list[str], field: str = "where") -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip() or not value.strip():
            raise ValidationFailed(f"--{field} needs DIM=VALUE, got '{item}'", field=field)
        out[dim.strip()] = (*out.get(dim.strip(), ()), value.strip())
    return out


def _base(since: str | None, until: str | None, where: list[str]) -> MetricQuery:
    return MetricQuery(
        since=parse_date(since, "since"), until=parse_date(until, "until"), where=_where(where)
    )


def _check_format(output: str) -> None:
    if output not in ("table", "json"):
        raise ValidationFailed(f"unknown format '{output}' (table, json)", field="format")


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value else f"{value:.{digits}f}"
    return str(value)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_num(row.get(c), 4 if c in ("p_value", "q_value") else 2) for c in columns))
    console.print(table)


def _print_rows(
    output: str, payload: Any, title: str, rows: list[dict[str, Any]], columns: list[str]
) -> None:
    """``json``: the payload on one line; ``table``: the rows under a title."""
    if output == "json":
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    _table(title, rows, columns)


@analyse_app.command("compare")
def compare_command(
    a: list[str] = typer.Option(
        [], "--a", help="Group A: DIM=VALUE (repeat).", metavar="DIM=VALUE"
    ),
    b: list[str] = typer.Option(
        [], "--b", help="Group B: DIM=VALUE; none: the rest.", metavar="DIM=VALUE"
    ),
    a_since: str | None = typer.Option(None, "--a-since", help="Group A first day."),
    a_until: str | None = typer.Option(None, "--a-until", help="Group A last day."),
    b_since: str | None = typer.Option(None, "--b-since", help="Group B first day."),
    b_until: str | None = typer.Option(None, "--b-until", help="Group B last day."),
    since: str | None = typer.Option(None, "--since", help="First day of both (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Last day of both, inclusive."),
    where: list[str] = WHERE_OPTION,
    output: str = FORMAT_OPTION,
) -> None:
    """A vs B on NPS (z), CSAT top-2-box (two proportions), CSAT and CES means (Welch)."""
    with cxm_errors():
        _check_format(output)
        group_a = significance.Group(
            "A", parse_date(a_since, "a-since"), parse_date(a_until, "a-until"), _where(a, "a")
        )
        has_b = bool(b or b_since or b_until)
        group_b = (
            significance.Group(
                "B", parse_date(b_since, "b-since"), parse_date(b_until, "b-until"), _where(b, "b")
            )
            if has_b
            else None
        )
        with open_runtime() as rt:
            result = significance.compare_groups(
                rt, group_a, group_b, base=_base(since, until, where)
            )
        rows = jsonable(list(result.differences))
        if output == "json":
            typer.echo(json.dumps({"a": jsonable(result.a), "b": jsonable(result.b), "rows": rows}))
            return
        columns = [
            "metric",
            "n_a",
            "n_b",
            "value_a",
            "value_b",
            "difference",
            "low",
            "high",
            "p_value",
        ]
        _table("A − B" if has_b else "A − rest", rows, columns)


@analyse_app.command("scan")
def scan_command(
    dimension: str = typer.Argument("touchpoint", help="Dimension whose values are scanned."),
    metric: str = typer.Option("nps", "--metric", help="nps, csat_top2, csat or ces."),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    where: list[str] = WHERE_OPTION,
    output: str = FORMAT_OPTION,
) -> None:
    """Every value of a dimension against the rest, Benjamini–Hochberg controlled."""
    with cxm_errors():
        _check_format(output)
        with open_runtime() as rt:
            scan = significance.scan_dimension(
                rt, dimension, metric, base=_base(since, until, where)
            )
        _print_scan(scan_table(scan), dimension, output, "value − rest")


def _print_scan(
    rows: list[dict[str, Any]], dimension: str, output: str, title: str, payload: Any = None
) -> None:
    """A scan's rows as a table, or as JSON (``payload`` instead of the rows when given)."""
    columns = [
        dimension,
        "metric",
        "n_a",
        "n_b",
        "value_a",
        "value_b",
        "difference",
        "q_value",
        "significant",
    ]
    _print_rows(output, rows if payload is None else payload, title, rows, columns)


@analyse_app.command("changes")
def changes_command(
    at: str | None = typer.Option(None, "--at", help="Compare after this day with before it."),
    days: int | None = typer.Option(None, "--days", help="Window length (default: to the end)."),
    dimension: str = typer.Option("touchpoint", "--dimension", help="Dimension scanned."),
    metric: str = typer.Option("nps", "--metric", help="Change-point metric (without --at)."),
    where: list[str] = WHERE_OPTION,
    output: str = FORMAT_OPTION,
) -> None:
    """With --at: after vs the same-length period before, for every value and metric (BH).
    Without: the best change date of every value's daily series (change-points)."""
    with cxm_errors():
        _check_format(output)
        base = _base(None, None, where)
        with open_runtime() as rt:
            if at is not None:
                scan = significance.change_scan(
                    rt, parse_date(at, "at") or date.min, days=days, dimension=dimension, base=base
                )
                _print_scan(scan_table(scan), dimension, output, f"{scan.label_a} − {scan.label_b}")
                return
            found = changes.find_change_points(rt, dimension=dimension, metric=metric, base=base)
        rows = [
            {
                dimension: r.key,
                **(jsonable(r.change) or {}),
                "q_value": r.q_value,
                "significant": r.significant,
            }
            for r in found.rows
        ]
        columns = [
            dimension,
            "at",
            "value_before",
            "value_after",
            "difference",
            "q_value",
            "significant",
        ]
        _print_rows(output, rows, f"change-points ({metric})", rows, columns)


@analyse_app.command("pain-points")
def pain_points_command(
    dimension: str = typer.Option("touchpoint", "--by", help="touchpoint, department, … or theme."),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    where: list[str] = WHERE_OPTION,
    output: str = FORMAT_OPTION,
) -> None:
    """Sources of negative experience ranked by volume × negativity × effect on loyalty."""
    with cxm_errors():
        _check_format(output)
        with open_runtime() as rt:
            result = pain_points.rank_pain(rt, dimension, base=_base(since, until, where))
        rows = jsonable(list(result.rows))
        columns = [
            "key",
            "n",
            "volume_share",
            "negativity",
            "nps",
            "nps_rest",
            "nps_gain",
            "pain_score",
            "money_at_risk",
        ]
        _print_rows(output, rows, f"pain points by {dimension}", rows, columns)


@analyse_app.command("word-of-mouth")
def word_of_mouth_command(
    dimension: str = typer.Option("touchpoint", "--by", help="touchpoint, product, …"),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    where: list[str] = WHERE_OPTION,
    output: str = FORMAT_OPTION,
) -> None:
    """What customers heard (reviews, social, word of mouth) vs what they experienced."""
    with cxm_errors():
        _check_format(output)
        with open_runtime() as rt:
            result = word_of_mouth.word_of_mouth(rt, dimension, base=_base(since, until, where))
        rows = scan_table(result.gaps)
        payload = {"gaps": rows, "volume": jsonable(result.volume)}
        _print_scan(rows, dimension, output, "heard − experienced", payload)


@analyse_app.command("alerts")
def alerts_command(
    evaluate: bool = typer.Option(
        True, "--evaluate/--list", help="Check the control limits first."
    ),
    status: str | None = typer.Option(None, "--status", help="open, acknowledged or closed."),
    output: str = FORMAT_OPTION,
) -> None:
    """Raise alerts for series below their control limits (each breach once), then list them."""
    with cxm_errors():
        _check_format(output)
        with open_runtime() as rt:
            run = alert_service.evaluate_alerts(rt) if evaluate else None
            rows = alert_service.list_alerts(rt, status=status)
        if output != "json" and run is not None:
            console.print(
                f"{run.series} series checked, {run.breaches} breaches, {run.raised} new alerts"
            )
        columns = [
            "id",
            "metric",
            "scope_key",
            "period",
            "n",
            "value",
            "limit_value",
            "severity",
            "status",
        ]
        payload = {"run": jsonable(run), "alerts": rows}
        _print_rows(output, payload, "alerts", rows, columns)


def register(app: typer.Typer) -> None:
    app.add_typer(analyse_app, name="analyse")
