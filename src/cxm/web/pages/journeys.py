"""Dashboard pages of journey analytics: key drivers (importance × performance quadrant with
intervals) and the journey (map, emotion curve, stage funnel, time between stages, common
paths, moments of truth). Filters live in the URL, as on the other pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.domain.dimensions import INTERACTION_DIMENSIONS
from cxm.domain.drivers import DriverQuery, DriverReport
from cxm.domain.errors import ValidationFailed
from cxm.domain.journeys import (
    JourneyMap,
    JourneyQuery,
    MapCell,
    MomentQuery,
    PathQuery,
    PathReport,
)
from cxm.services import drivers, journeys
from cxm.services.overview import FILTER_DIMENSIONS
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import PAGE_ROLES, build_chrome, render
from cxm.web.pages.filters import (
    FilterField,
    Option,
    dimension_name,
    filter_bar,
    whole_number,
)

router = APIRouter()
DriversReader = Depends(require_roles(*PAGE_ROLES["/drivers"]))
JourneyReader = Depends(require_roles(*PAGE_ROLES["/journeys"]))
OUTCOME_NAMES = {"churn": N_("Churn afterwards"), "nps": N_("Relationship NPS")}
DRIVER_SOURCES = {
    "answers": N_("Attribute ratings of the same response"),
    "touchpoints": N_("Touch-points (a customer's mean CSAT there)"),
}
#: The filter bar's dimensions that interactions carry (the journey is one of them).
INTERACTION_FILTERS = tuple(d for d in FILTER_DIMENSIONS if d in INTERACTION_DIMENSIONS)
_LAYOUT: dict[str, Any] = {
    "margin": {"l": 56, "r": 16, "t": 16, "b": 80},
    "height": 360,
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
}


@dataclass(frozen=True)
class DriverRow:
    label: str
    rank: int
    share: str
    interval: str
    importance: str
    importance_interval: str
    correlation: str
    mean: str
    top_box: str


@dataclass(frozen=True)
class DriversContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    outcome: str
    source: str
    sources: tuple[tuple[str, str], ...]
    touchpoints: tuple[Option, ...]  # the drivers to choose when they are touch-points
    n: int
    r2: str
    outcome_mean: str
    rows: tuple[DriverRow, ...]
    figure: dict[str, Any]
    message: str  # why there is nothing to show (too few rated responses), else ""


@dataclass(frozen=True)
class StageRow:
    """A row of the map's table: a stage, or one of its touch-points (``touchpoint``)."""

    label: str
    touchpoint: bool
    interactions: int
    customers: int
    responses: int
    nps: str
    nps_margin: str
    csat: str
    ces: str
    valence: str
    emotion_n: int


@dataclass(frozen=True)
class PathRow:
    steps: str
    customers: int
    share: str


@dataclass(frozen=True)
class MomentRow:
    label: str
    churn: str
    churn_interval: str
    nps: str
    nps_interval: str


@dataclass(frozen=True)
class JourneyContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    level: str
    levels: tuple[tuple[str, str], ...]
    steps: int
    top: int
    outcome: str
    outcomes: tuple[tuple[str, str], ...]
    min_customers: int
    emotion_source: str
    stages: tuple[StageRow, ...]
    path_customers: int
    paths: tuple[PathRow, ...]
    moments: tuple[MomentRow, ...]
    map_figure: dict[str, Any]
    emotion_figure: dict[str, Any]
    funnel_figure: dict[str, Any]
    time_figure: dict[str, Any]
    paths_figure: dict[str, Any]


def _f(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def drivers_figure(
    report: DriverReport, language: str, name: Callable[[str], str] = str
) -> dict[str, Any]:
    """Importance × performance: share of R² (with its interval) against the mean rating;
    the dashed lines at the averages split the four quadrants."""
    ds = report.drivers
    x = [d.mean for d in ds]
    y = [100 * d.share for d in ds]
    trace = {
        "type": "scatter",
        "mode": "markers+text",
        "x": x,
        "y": y,
        "text": [name(d.driver) for d in ds],
        "textposition": "top center",
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [100 * ((d.share_high or d.share) - d.share) for d in ds],
            "arrayminus": [100 * (d.share - (d.share_low or d.share)) for d in ds],
        },
        "marker": {"size": 12, "color": "#1f5ea8"},
    }
    mx, my = sum(x) / len(x), sum(y) / len(y)
    shapes = [
        {
            "type": "line",
            "x0": mx,
            "x1": mx,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dash", "color": "#888"},
        },
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": my,
            "y1": my,
            "line": {"dash": "dash", "color": "#888"},
        },
    ]
    layout = {
        **_LAYOUT,
        "shapes": shapes,
        "xaxis": {"title": {"text": i18n.gettext(language, N_("Performance (mean rating)"))}},
        "yaxis": {"title": {"text": i18n.gettext(language, N_("Importance (share of R²)"))}},
    }
    return {"data": [trace], "layout": layout}


@router.get("/drivers", response_class=Response, include_in_schema=False)
async def drivers_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = DriversReader
) -> Response:
    params = request.query_params
    filters, bar = filter_bar(params, rt.taxonomy, principal, language)
    chosen = [k for k in params.getlist("driver") if k]
    known = rt.taxonomy.keys("touchpoint")
    for key in chosen:
        if key not in known:
            raise ValidationFailed(f"driver: unknown touch-point '{key}'", field="driver")
    query = DriverQuery(
        outcome=params.get("outcome") or "nps",  # type: ignore[arg-type]  # validated
        # "source" is the filter bar's (where a response came from)
        source=params.get("driven_by") or "answers",  # type: ignore[arg-type]  # validated
        drivers=tuple(chosen) if params.get("driven_by") == "touchpoints" else (),
        since=filters.since,
        until=filters.until,
        where=filters.where,
        bootstrap=200,
    )
    sources = tuple((k, i18n.gettext(language, n)) for k, n in DRIVER_SOURCES.items())
    touchpoints = tuple(
        Option(k, rt.taxonomy.label("touchpoint", k, language), None, k in chosen) for k in known
    )
    chrome = build_chrome(request, principal, language, N_("Key drivers"))
    try:
        report = await call_service(rt, drivers.key_drivers, rt, query, principal)
    except ValidationFailed as exc:
        if exc.field not in (None, "drivers"):
            raise  # a bad parameter, not too few ratings
        ctx = DriversContext(
            **bar,
            outcome=query.outcome,
            source=query.source,
            sources=sources,
            touchpoints=touchpoints,
            n=0,
            r2="—",
            outcome_mean="—",
            rows=(),
            figure={"data": [], "layout": _LAYOUT},
            message=exc.message,
        )
        return render(request, "drivers.html", chrome, ctx)

    def name(driver: str) -> str:
        if query.source == "touchpoints":
            return str(rt.taxonomy.label("touchpoint", driver, language))
        return driver

    ctx = DriversContext(
        **bar,
        outcome=query.outcome,
        source=query.source,
        sources=sources,
        touchpoints=touchpoints,
        n=report.n,
        r2=f"{report.r2:.3f} [{_f(report.r2_low, 3)}, {_f(report.r2_high, 3)}]",
        outcome_mean=_f(report.outcome_mean, 2),
        rows=tuple(
            DriverRow(
                label=name(d.driver),
                rank=d.rank,
                share=_f(100 * d.share),
                interval=_interval(d.share_low, d.share_high, 100, 1),
                importance=_f(d.importance, 3),
                importance_interval=_interval(d.low, d.high, 1, 3),
                correlation=_f(d.correlation, 2),
                mean=_f(d.mean, 2),
                top_box=_f(100 * d.top_box),
            )
            for d in report.drivers
        ),
        figure=drivers_figure(report, language, name),
        message="",
    )
    return render(request, "drivers.html", chrome, ctx)


def _interval(low: float | None, high: float | None, scale: float, digits: int) -> str:
    def bound(value: float | None) -> str:
        return "—" if value is None else _f(scale * value, digits)

    return f"[{bound(low)}, {bound(high)}]"


def _stage_label(rt: Any, stage: str, language: str) -> str:
    return str(rt.taxonomy.label("stage", stage, language))


def journey_figures(rt: Any, m: JourneyMap, language: str) -> dict[str, dict[str, Any]]:
    labels = [_stage_label(rt, c.stage, language) for c in m.stages]
    volume = {
        "data": [
            {
                "type": "bar",
                "name": i18n.gettext(language, N_("Interactions")),
                "x": labels,
                "y": [c.interactions for c in m.stages],
                "marker": {"color": "#9bb7d9"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "NPS",
                "x": labels,
                "y": [c.nps.value for c in m.stages],
                "yaxis": "y2",
            },
        ],
        "layout": {
            **_LAYOUT,
            "margin": {**_LAYOUT["margin"], "r": 56},
            # NPS on its own round ticks, not aligned to the volume axis's gridlines
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                "range": [-100, 100],
                "tickmode": "linear",
                "dtick": 50,
                "showgrid": False,
                "title": {"text": "NPS"},
            },
        },
    }
    curve = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": i18n.gettext(language, N_("Emotion")),
                "x": labels,
                "y": [c.emotion.valence for c in m.stages],
                "line": {"shape": "spline", "color": "#c0392b"},
            }
        ]
        + [
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": labels,
                "y": [c.emotion.intensities.get(name) for c in m.stages],
                "visible": "legendonly",
            }
            for name in ("frustration", "disappointment", "delight", "joy", "anger")
            if m.emotion_source == "comments"
        ],
        "layout": {**_LAYOUT, "yaxis": {"range": [-1, 1], "zeroline": True}},
    }
    transitions = m.transitions
    steps = [
        f"{_stage_label(rt, t.source, language)} → {_stage_label(rt, t.target, language)}"
        for t in transitions
    ]
    funnel = {
        "data": [
            {
                "type": "bar",
                "name": i18n.gettext(language, N_("Converted")),
                "x": steps,
                "y": [t.converted for t in transitions],
            },
            {
                "type": "bar",
                "name": i18n.gettext(language, N_("Dropped off")),
                "x": steps,
                "y": [t.drop_off for t in transitions],
            },
        ],
        "layout": {**_LAYOUT, "barmode": "stack"},
    }
    targets = [_stage_label(rt, t.target, language) for t in transitions]
    days = {
        "data": [
            {
                "type": "bar",
                "name": i18n.gettext(language, N_("Median (days)")),
                "x": targets,
                "y": [
                    None if t.median_seconds is None else t.median_seconds / 86400
                    for t in transitions
                ],
            },
            {
                "type": "bar",
                "name": i18n.gettext(language, N_("90th percentile (days)")),
                "x": targets,
                "y": [
                    None if t.p90_seconds is None else t.p90_seconds / 86400 for t in transitions
                ],
            },
        ],
        "layout": {**_LAYOUT, "barmode": "group"},
    }
    return {"map": volume, "emotion": curve, "funnel": funnel, "time": days}


def paths_figure(rt: Any, report: PathReport, language: str) -> dict[str, Any]:
    """The top paths as a Sankey diagram: a node per step at each position, links weighted
    by the customers who took that step next (each path's customers on each of its links)."""
    nodes: dict[tuple[int, str], int] = {}
    links: dict[tuple[int, int], int] = {}
    for path in report.paths:
        ids = [nodes.setdefault((i, step), len(nodes)) for i, step in enumerate(path.steps)]
        for pair in pairwise(ids):
            links[pair] = links.get(pair, 0) + path.customers
    level = report.query.level
    labels = [str(rt.taxonomy.label(level, step, language)) for _, step in nodes]
    trace = {
        "type": "sankey",
        "orientation": "h",
        "node": {"label": labels, "pad": 12, "thickness": 14, "color": "#9bb7d9"},
        "link": {
            "source": [a for a, _ in links],
            "target": [b for _, b in links],
            "value": list(links.values()),
            "color": "rgba(31, 94, 168, 0.25)",
        },
    }
    return {"data": [trace], "layout": {**_LAYOUT, "height": 420}}


def _map_row(label: str, c: MapCell) -> StageRow:
    return StageRow(
        label,
        c.touchpoint is not None,
        c.interactions,
        c.customers,
        c.responses,
        _f(c.nps.value),
        "" if c.nps.margin is None else f"± {c.nps.margin:.1f}",
        _f(c.csat.value, 2),
        _f(c.ces.value, 2),
        _f(c.emotion.valence, 2),
        c.emotion.n,
    )


def _map_rows(rt: Any, m: JourneyMap, language: str) -> list[StageRow]:
    """Each stage followed by its touch-points, in journey order."""
    rows = []
    for stage in m.stages:
        rows.append(_map_row(_stage_label(rt, stage.stage, language), stage))
        rows.extend(
            _map_row(rt.taxonomy.label("touchpoint", c.touchpoint, language), c)
            for c in m.touchpoints
            if (c.journey, c.stage) == (stage.journey, stage.stage)
        )
    return rows


def _queries(
    rt: Any, params: Any, principal: Principal, language: str
) -> tuple[dict[str, Any], JourneyQuery, PathQuery, MomentQuery]:
    """The filter bar (the journey is one of its filters) and the settings of the paths and
    of the moments of truth, from the URL."""
    filters, bar = filter_bar(
        params, rt.taxonomy, principal, language, INTERACTION_FILTERS, single=("journey",)
    )
    where = dict(filters.where)
    chosen = where.pop("journey", ())
    if len(chosen) > 1:
        raise ValidationFailed("one journey at a time", field="journey")
    query = JourneyQuery(
        journey=chosen[0] if chosen else None,
        since=filters.since,
        until=filters.until,
        where=where,
    )
    paths = PathQuery(
        journey=query,
        level=params.get("level") or "touchpoint",  # PathQuery.validate checks it
        steps=whole_number(params, "steps", PathQuery.steps),
        top=whole_number(params, "top", PathQuery.top),
    )
    moments = MomentQuery(
        journey=query,
        outcome=params.get("outcome") or MomentQuery.outcome,  # MomentQuery.validate checks it
        min_customers=whole_number(params, "min_customers", MomentQuery.min_customers),
    )
    return bar, query, paths, moments


@router.get("/journeys", response_class=Response, include_in_schema=False)
async def journeys_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = JourneyReader
) -> Response:
    bar, query, path_query, moment_query = _queries(rt, request.query_params, principal, language)
    m = await call_service(rt, journeys.journey_map, rt, query, principal)
    paths = await call_service(rt, journeys.common_paths, rt, path_query, principal)
    moments = await call_service(rt, journeys.moments_of_truth, rt, moment_query, principal)
    figures = journey_figures(rt, m, language)
    tp = rt.taxonomy
    level = path_query.level
    ctx = JourneyContext(
        **bar,
        level=level,
        levels=tuple((k, dimension_name(k, language)) for k in ("touchpoint", "stage")),
        steps=path_query.steps,
        top=path_query.top,
        outcome=moment_query.outcome,
        outcomes=tuple((k, i18n.gettext(language, n)) for k, n in OUTCOME_NAMES.items()),
        min_customers=moment_query.min_customers,
        emotion_source=m.emotion_source,
        stages=tuple(_map_rows(rt, m, language)),
        path_customers=paths.customers,
        paths=tuple(
            PathRow(
                " → ".join(tp.label(level, s, language) for s in p.steps),
                p.customers,
                _f(100 * p.share),
            )
            for p in paths.paths
        ),
        moments=tuple(
            MomentRow(
                tp.label("touchpoint", x.touchpoint, language),
                _f(x.churn.difference),
                f"[{_f(x.churn.low)}, {_f(x.churn.high)}]",
                _f(x.nps.difference),
                f"[{_f(x.nps.low)}, {_f(x.nps.high)}]",
            )
            for x in moments.moments[:10]
        ),
        map_figure=figures["map"],
        emotion_figure=figures["emotion"],
        funnel_figure=figures["funnel"],
        time_figure=figures["time"],
        paths_figure=paths_figure(rt, paths, language),
    )
    chrome = build_chrome(request, principal, language, N_("Journeys"))
    return render(request, "journeys.html", chrome, ctx)
