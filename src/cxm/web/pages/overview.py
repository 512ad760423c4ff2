"""The overview: NPS, CSAT and CES with intervals, the monthly trend, the five best and
worst touch-points, under filters kept in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cxm.domain.metrics import METRICS, Metric
from cxm.services.overview import Overview, RankedTouchpoint, build_overview
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.cells import METRIC_NAMES, MetricCell, metric_cell
from cxm.web.pages.filters import FilterField, filter_bar, filters_query

router = APIRouter()


@dataclass(frozen=True)
class RankedView:
    key: str
    label: str
    place: str
    nps: str
    margin: str
    n: int


@dataclass(frozen=True)
class OverviewContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    active_filters: int
    scope: str | None
    n: int
    min_n: int
    tiles: tuple[MetricCell, ...]
    trend_figure: dict[str, Any]
    best: tuple[RankedView, ...]
    worst: tuple[RankedView, ...]
    touchpoints_ranked: int
    report_link: str


def _ranked(
    rt_taxonomy: Any, rows: tuple[RankedTouchpoint, ...], language: str
) -> tuple[RankedView, ...]:
    placement = rt_taxonomy.touchpoint_placement()
    views = []
    for row in rows:
        journey, stage = placement.get(row.key, (None, None))
        place = (
            f"{rt_taxonomy.label('journey', journey, language)} › "
            f"{rt_taxonomy.label('stage', stage, language)}"
            if journey and stage
            else ""
        )
        cell = metric_cell(row.nps, "nps", language)
        views.append(
            RankedView(
                key=row.key,
                label=rt_taxonomy.label("touchpoint", row.key, language),
                place=place,
                nps=cell.value,
                margin=cell.margin,
                n=row.n,
            )
        )
    return tuple(views)


def trend_figure(overview: Overview, language: str) -> dict[str, Any]:
    """A Plotly figure: monthly NPS with its 95 % band (left axis), CSAT and CES means (right).

    Months with insufficient data are gaps (null), never drawn as numbers."""
    x = [p.period.isoformat() for p in overview.trend]

    def series(metric: Metric, attr: str) -> list[float | None]:
        out: list[float | None] = []
        for point in overview.trend:
            value = point.values.get(metric)
            ok = value is not None and not value.insufficient
            out.append(
                round(getattr(value, attr), 4) if ok and getattr(value, attr) is not None else None
            )
        return out

    band = i18n.gettext(language, "95% interval")
    traces = [
        {
            "x": x,
            "y": series("nps", "high"),
            "name": f"NPS {band}",
            "type": "scatter",
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "x": x,
            "y": series("nps", "low"),
            "name": f"NPS {band}",
            "type": "scatter",
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": "rgba(31,94,168,0.18)",
            "hoverinfo": "skip",
        },
        {
            "x": x,
            "y": series("nps", "value"),
            "name": "NPS",
            "type": "scatter",
            "mode": "lines+markers",
            "line": {"color": "#1f5ea8", "width": 3},
            "customdata": [p.n for p in overview.trend],
            "hovertemplate": "%{x|%Y-%m}: NPS %{y:.0f} (n=%{customdata})<extra></extra>",
        },
        {
            "x": x,
            "y": series("csat", "value"),
            "name": "CSAT",
            "type": "scatter",
            "mode": "lines+markers",
            "yaxis": "y2",
            "line": {"color": "#1b7f4b", "dash": "dot"},
        },
        {
            "x": x,
            "y": series("ces", "value"),
            "name": "CES",
            "type": "scatter",
            "mode": "lines+markers",
            "yaxis": "y2",
            "line": {"color": "#a4541a", "dash": "dash"},
        },
    ]
    layout = {
        "margin": {"l": 48, "r": 48, "t": 16, "b": 40},
        "height": 340,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.18},
        "xaxis": {"type": "date", "tickformat": "%Y-%m"},
        "yaxis": {"title": {"text": "NPS"}, "range": [-100, 100], "zeroline": True},
        "yaxis2": {
            "title": {"text": i18n.gettext(language, "CSAT / CES mean")},
            "overlaying": "y",
            "side": "right",
            "range": [1, 7],
            "showgrid": False,
        },
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": traces, "layout": layout}


@router.get("/", response_class=Response, include_in_schema=False)
async def overview_page(
    request: Request, rt: RuntimeDep, principal: PrincipalDep, language: LanguageDep
) -> Response:
    filters, bar = filter_bar(request.query_params, rt.taxonomy, principal, language)
    overview = await call_service(rt, build_overview, rt, filters, principal)
    taxonomy = rt.taxonomy
    scope = principal.department_scope
    ctx = OverviewContext(
        **bar,
        active_filters=sum(len(v) for v in filters.where.values())
        + int(filters.since is not None)
        + int(filters.until is not None),
        scope=", ".join(taxonomy.label("department", d, language) for d in scope)
        if scope is not None
        else None,
        n=overview.n,
        min_n=overview.min_n,
        tiles=tuple(metric_cell(overview.tiles.get(m), m, language) for m in METRICS),
        trend_figure=trend_figure(overview, language),
        best=_ranked(taxonomy, overview.best, language),
        worst=_ranked(taxonomy, overview.worst, language),
        touchpoints_ranked=overview.touchpoints_ranked,
        report_link="/report?" + filters_query(filters),
    )
    chrome = build_chrome(request, principal, language, N_("Overview"))
    return render(request, "overview.html", chrome, ctx)


__all__ = ["METRIC_NAMES", "OverviewContext", "router"]
