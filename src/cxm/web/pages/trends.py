"""The Trends page: control charts — a metric per period for one value of a dimension, with
the centre line and the control limits from each period's sampling error; a point below the
lower limit (an alert) is marked. A table lists every period with its responses, the limits,
the standard error and how many of them the value lies from the centre."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.domain.significance import TESTED_METRICS
from cxm.services.analysis import changes as change_service
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import (
    ANALYSIS_READER,
    BASE_COLOUR,
    METRIC_NAMES,
    NOISE_COLOUR,
    SIGNIFICANT_COLOUR,
    choice,
    dimension_options,
    label,
    layout,
    metric_digits,
    metric_options,
)
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import DIMENSION_NAMES, FilterField, Option, filter_bar

router = APIRouter()
GRAIN_NAMES = {"week": N_("Week"), "month": N_("Month")}


@dataclass(frozen=True)
class PeriodView:
    period: str
    n: str
    value: str
    centre: str
    lower: str
    upper: str
    sigma: str
    z: str
    below: bool


@dataclass(frozen=True)
class TrendsContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    dimension: str
    metric: str
    grain: str
    key: str
    dimension_choices: tuple[Option, ...]
    metric_choices: tuple[Option, ...]
    grain_choices: tuple[Option, ...]
    value_choices: tuple[Option, ...]
    breaches: tuple[str, ...]
    periods: tuple[PeriodView, ...]
    figure: dict[str, Any]


@router.get("/trends", response_class=Response, include_in_schema=False)
async def trends_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = ANALYSIS_READER
) -> Response:
    params = request.query_params
    dimension = choice(params, "dimension", tuple(DIMENSION_NAMES), "touchpoint")
    metric = choice(params, "metric", TESTED_METRICS, "nps")
    grain = choice(params, "grain", change_service.CHART_GRAINS, "month")
    filters, bar = filter_bar(params, rt.taxonomy, principal, language)
    charts = await call_service(
        rt,
        change_service.control_charts,
        rt,
        dimension=dimension,
        metric=metric,
        grain=grain,
        base=filters.query(),
        principal=principal,
    )
    charts = [c for c in charts if c.key is not None]
    taxonomy = rt.taxonomy
    keys = [str(c.key) for c in charts]
    # default: the series with the most breaches (the one that needs a look)
    default = max(charts, key=lambda c: len(c.breaches)).key if charts else ""
    key = params.get("value") or str(default or "")
    chosen = next((c for c in charts if c.key == key), None)
    ctx = TrendsContext(
        **bar,
        dimension=dimension,
        metric=metric,
        grain=grain,
        key=key,
        dimension_choices=dimension_options(dimension, language),
        metric_choices=metric_options(metric, language, TESTED_METRICS),
        grain_choices=tuple(
            Option(g, i18n.gettext(language, GRAIN_NAMES[g]), None, g == grain)
            for g in change_service.CHART_GRAINS
        ),
        value_choices=tuple(
            Option(k, label(taxonomy, dimension, k, language), None, k == key) for k in keys
        ),
        breaches=tuple(p.period.isoformat() for p in chosen.breaches) if chosen else (),
        periods=_periods(chosen, metric, language),
        figure=_figure(chosen, metric, language),
    )
    chrome = build_chrome(request, principal, language, N_("Trends"))
    return render(request, "trends.html", chrome, ctx)


def _periods(
    chart: change_service.ControlSeries | None, metric: str, language: str
) -> tuple[PeriodView, ...]:
    if chart is None:
        return ()
    digits = metric_digits(metric)

    def number(value: float | None, places: int = digits) -> str:
        return i18n.format_number(value, language, places)

    return tuple(
        PeriodView(
            period=p.period.isoformat(),
            n=number(p.n, 0),
            value=number(p.value),
            centre=number(p.centre),
            lower=number(p.lower),
            upper=number(p.upper),
            sigma=number(p.sigma),
            z=i18n.format_signed(p.z, language, 2),
            below=p.below,
        )
        for p in chart.points
    )


def _figure(
    chart: change_service.ControlSeries | None, metric: str, language: str
) -> dict[str, Any]:
    if chart is None:
        return {"data": [], "layout": layout()}
    pts = [p for p in chart.points if p.value is not None]
    x = [p.period.isoformat() for p in pts]
    below = [p for p in pts if p.below]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": i18n.gettext(language, METRIC_NAMES[metric]),
                "x": x,
                "y": [p.value for p in pts],
                "customdata": [p.n for p in pts],
                "hovertemplate": "%{x}: %{y:.2f} (n = %{customdata})",
                "line": {"color": BASE_COLOUR},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": i18n.gettext(language, N_("Centre line")),
                "x": x,
                "y": [p.centre for p in pts],
                "line": {"color": NOISE_COLOUR},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": i18n.gettext(language, N_("Lower control limit")),
                "x": x,
                "y": [p.lower for p in pts],
                "line": {"color": NOISE_COLOUR, "dash": "dash"},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": i18n.gettext(language, N_("Upper control limit")),
                "x": x,
                "y": [p.upper for p in pts],
                "line": {"color": NOISE_COLOUR, "dash": "dash"},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": i18n.gettext(language, N_("Below the limit")),
                "x": [p.period.isoformat() for p in below],
                "y": [p.value for p in below],
                "marker": {"color": SIGNIFICANT_COLOUR, "size": 12, "symbol": "x"},
            },
        ],
        "layout": layout(margin={"l": 48, "r": 16, "t": 16, "b": 40}, xaxis={"type": "date"}),
    }
