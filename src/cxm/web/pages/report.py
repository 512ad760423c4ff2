"""The breakdown report: one to three dimensions and a time grain → a table with margins,
a chart and a CSV download, under the same URL filters as the overview."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import (
    GRAINS,
    MAX_BREAKDOWN_DIMENSIONS,
    METRICS,
    Grain,
    MetricReport,
    MetricRow,
)
from cxm.domain.taxonomy import Taxonomy
from cxm.services.overview import breakdown_report
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import PAGE_ROLES, build_chrome, render
from cxm.web.pages.cells import METRIC_NAMES, MetricCell, metric_cell
from cxm.web.pages.filters import (
    DIMENSION_NAMES,
    FilterField,
    Option,
    dimension_name,
    filter_bar,
    filters_query,
    parse_filters,
    value_label,
    whole_number,
)

router = APIRouter()
ReportReader = Depends(require_roles(*PAGE_ROLES["/report"]))
BREAKDOWN_DIMENSIONS = tuple(DIMENSION_NAMES)
GRAIN_NAMES = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month"), "quarter": N_("Quarter")}
MAX_SERIES = 10


@dataclass(frozen=True)
class ReportRowView:
    keys: tuple[str, ...]
    n: int
    cells: tuple[MetricCell, ...]


@dataclass(frozen=True)
class ReportContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    by_choices: tuple[tuple[Option, ...], ...]
    grain_choices: tuple[Option, ...]
    by: tuple[str, ...]
    grain: str | None
    columns: tuple[str, ...]
    rows: tuple[ReportRowView, ...]
    total: ReportRowView
    figure: dict[str, Any]
    csv_link: str
    min_n: int


def parse_min_n(rt: Runtime, request: Request) -> int:
    """The minimum responses per value from the URL (the configured one by default)."""
    min_n = whole_number(request.query_params, "min_n", rt.settings.min_responses)
    if min_n < 1:
        raise ValidationFailed(f"min_n: at least 1, not {min_n}", field="min_n")
    return min_n


def parse_breakdown(request: Request) -> tuple[tuple[str, ...], Grain | None]:
    by = tuple(dict.fromkeys(v for v in request.query_params.getlist("by") if v))
    if len(by) > MAX_BREAKDOWN_DIMENSIONS:
        raise ValidationFailed(f"at most {MAX_BREAKDOWN_DIMENSIONS} dimensions at once", field="by")
    for dimension in by:
        if dimension not in BREAKDOWN_DIMENSIONS:
            raise ValidationFailed(f"by: unknown dimension '{dimension}'", field="by")
    raw = request.query_params.get("grain") or None
    if raw is None:
        return by, None
    grain = next((g for g in GRAINS if g == raw), None)
    if grain is None:
        raise ValidationFailed(f"grain: unknown grain '{raw}'", field="grain")
    return by, grain


def period_text(value: date, grain: str) -> str:
    """A time bucket as people write it: 2025-03, 2025 Q1, 2025-W09, 2025-03-14."""
    if grain == "month":
        return value.strftime("%Y-%m")
    if grain == "quarter":
        return f"{value.year} Q{(value.month - 1) // 3 + 1}"
    if grain == "week":
        year, week, _ = value.isocalendar()
        return f"{year}-W{week:02d}"
    return value.isoformat()


def _key_text(taxonomy: Taxonomy, name: str, value: Any, language: str) -> str:
    if isinstance(value, date):
        return period_text(value, name)
    return value_label(taxonomy, name, None if value is None else str(value), language)


def _row_view(taxonomy: Taxonomy, row: MetricRow, language: str) -> ReportRowView:
    return ReportRowView(
        keys=tuple(_key_text(taxonomy, k, v, language) for k, v in row.keys.items()),
        n=row.n,
        cells=tuple(metric_cell(row.values.get(m), m, language) for m in METRICS),
    )


def report_figure(
    taxonomy: Taxonomy, report: MetricReport, grain: str | None, language: str
) -> dict[str, Any]:
    """NPS per row with its margin as error bars; with a grain, one line per series."""
    layout = {
        "margin": {"l": 48, "r": 16, "t": 16, "b": 90},
        "height": 380,
        "yaxis": {"title": {"text": "NPS"}, "range": [-100, 100]},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    usable = [r for r in report.rows if "nps" in r.values and not r.values["nps"].insufficient]
    if grain is None:
        labels = [" · ".join(_row_view(taxonomy, r, language).keys) or "—" for r in usable]
        nps = [r.values["nps"] for r in usable]
        trace = {
            "type": "bar",
            "name": "NPS",
            "x": labels,
            "y": [v.value for v in nps],
            "error_y": {"type": "data", "array": [v.margin for v in nps], "visible": True},
            "customdata": [r.n for r in usable],
            "marker": {"color": "#1f5ea8"},
            "hovertemplate": "%{x}: NPS %{y:.0f} (n=%{customdata})<extra></extra>",
        }
        return {"data": [trace], "layout": layout}
    series: dict[str, dict[str, list[Any]]] = {}
    for row in usable:
        period = next((v for v in row.keys.values() if isinstance(v, date)), None)
        if period is None:
            continue
        name = (
            " · ".join(
                _key_text(taxonomy, k, v, language)
                for k, v in row.keys.items()
                if not isinstance(v, date)
            )
            or "NPS"
        )
        points = series.setdefault(name, {"x": [], "y": []})
        points["x"].append(period.isoformat())
        points["y"].append(row.values["nps"].value)
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": name, **points}
        for name, points in list(series.items())[:MAX_SERIES]
    ]
    layout["xaxis"] = {"type": "date"}
    return {"data": traces, "layout": layout}


def _choices(
    by: tuple[str, ...], grain: str | None, language: str
) -> tuple[tuple[tuple[Option, ...], ...], tuple[Option, ...]]:
    by_choices = tuple(
        tuple(
            Option(d, dimension_name(d, language), None, i < len(by) and by[i] == d)
            for d in BREAKDOWN_DIMENSIONS
        )
        for i in range(MAX_BREAKDOWN_DIMENSIONS)
    )
    grains = tuple(
        Option(g, i18n.gettext(language, GRAIN_NAMES[g]), None, g == grain) for g in GRAINS
    )
    return by_choices, grains


@router.get("/report", response_class=Response, include_in_schema=False)
async def report_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = ReportReader
) -> Response:
    taxonomy = rt.taxonomy
    filters, bar = filter_bar(request.query_params, taxonomy, principal, language)
    by, grain = parse_breakdown(request)
    min_n = parse_min_n(rt, request)
    if not by and grain is None:
        by = ("touchpoint",)
    report = await call_service(rt, breakdown_report, rt, filters, by, grain, principal, min_n)
    columns = tuple(report.rows[0].keys) if report.rows else (*by, *(("period",) if grain else ()))
    query = (
        filters_query(filters)
        + "".join(f"&by={d}" for d in by)
        + (f"&grain={grain}" if grain else "")
        + (f"&min_n={min_n}" if min_n != rt.settings.min_responses else "")
    )
    by_choices, grain_choices = _choices(by, grain, language)
    ctx = ReportContext(
        **bar,
        by_choices=by_choices,
        grain_choices=grain_choices,
        by=by,
        grain=grain,
        columns=tuple(
            dimension_name(c, language)
            if c in DIMENSION_NAMES
            else i18n.gettext(language, GRAIN_NAMES.get(c, N_("Period")))
            for c in columns
        ),
        rows=tuple(_row_view(taxonomy, r, language) for r in report.rows),
        total=_row_view(taxonomy, report.total, language),
        figure=report_figure(taxonomy, report, grain, language),
        csv_link="/report.csv?" + query.lstrip("&"),
        min_n=min_n,
    )
    chrome = build_chrome(request, principal, language, N_("Report"))
    return render(request, "report.html", chrome, ctx)


def report_csv(report: MetricReport) -> str:
    """The report as CSV: key columns, n, then each metric's value, interval and margin;
    insufficient cells are empty with ``insufficient`` = true."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = list(report.rows[0].keys) if report.rows else list(report.query.by)
    header = [*keys, "n"]
    for m in METRICS:
        header += [m, f"{m}_low", f"{m}_high", f"{m}_margin", f"{m}_insufficient"]
        if m == "csat":
            header += ["csat_top2", "csat_top2_low", "csat_top2_high"]
    writer.writerow(header)
    for row in report.rows:
        line: list[Any] = [
            v.isoformat() if isinstance(v, date) else ("" if v is None else v)
            for v in row.keys.values()
        ]
        line.append(row.n)
        for m in METRICS:
            v = row.values.get(m)
            if v is None or v.insufficient:
                line += ["", "", "", "", "true"]
                if m == "csat":
                    line += ["", "", ""]
                continue
            line += [_num(v.value), _num(v.low), _num(v.high), _num(v.margin), "false"]
            if m == "csat":
                line += [_num(v.top2), _num(v.top2_low), _num(v.top2_high)]
        writer.writerow(line)
    return out.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@router.get("/report.csv", response_class=Response, include_in_schema=False)
async def report_download(
    request: Request, rt: RuntimeDep, principal: Principal = ReportReader
) -> Response:
    filters = parse_filters(request.query_params, rt.taxonomy)
    by, grain = parse_breakdown(request)
    min_n = parse_min_n(rt, request)
    if not by and grain is None:
        by = ("touchpoint",)
    report = await call_service(rt, breakdown_report, rt, filters, by, grain, principal, min_n)
    name = "cxm-report-" + ("-".join(by) or "total") + (f"-{grain}" if grain else "") + ".csv"
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


__all__ = ["METRIC_NAMES", "ReportContext", "router"]
