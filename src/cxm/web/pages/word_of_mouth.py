"""The Word-of-mouth page: what customers heard from others (reviews, social media, word of
mouth) against what they experienced themselves, per touch-point, product or another
dimension, with the gap's significance and both volumes over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.services.analysis import word_of_mouth as wom_service
from cxm.services.overview import FILTER_DIMENSIONS
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import (
    ANALYSIS_READER,
    BASE_COLOUR,
    METRIC_NAMES,
    SIGNIFICANT_COLOUR,
    choice,
    dimension_options,
    interval_text,
    label,
    layout,
    metric_digits,
    p_text,
)
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import DIMENSION_NAMES, FilterField, Option, filter_bar

router = APIRouter()
#: Word of mouth splits the responses by source itself.
WORD_OF_MOUTH_FILTERS = tuple(d for d in FILTER_DIMENSIONS if d != "source")


@dataclass(frozen=True)
class GapView:
    label: str
    metric: str
    heard_n: str
    heard: str
    experienced_n: str
    experienced: str
    gap: str
    interval: str
    p_value: str
    q_value: str
    significant: bool


@dataclass(frozen=True)
class WordOfMouthContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    dimension: str
    dimension_choices: tuple[Option, ...]
    rows: tuple[GapView, ...]
    figure: dict[str, Any]
    volume_figure: dict[str, Any]


@router.get("/word-of-mouth", response_class=Response, include_in_schema=False)
async def word_of_mouth_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = ANALYSIS_READER
) -> Response:
    choices = tuple(d for d in DIMENSION_NAMES if d != "source")
    dimension = choice(request.query_params, "by", choices, "touchpoint")
    filters, bar = filter_bar(
        request.query_params, rt.taxonomy, principal, language, WORD_OF_MOUTH_FILTERS
    )
    result = await call_service(
        rt, wom_service.word_of_mouth, rt, dimension, base=filters.query(), principal=principal
    )
    taxonomy = rt.taxonomy
    rows = []
    for r in result.gaps.rows:
        d = r.difference
        if d.n_a == 0:
            continue  # nothing heard about this value
        digits = metric_digits(d.metric)
        rows.append(
            GapView(
                label=label(taxonomy, dimension, r.key, language),
                metric=i18n.gettext(language, METRIC_NAMES[d.metric]),
                heard_n=i18n.format_number(d.n_a, language, 0),
                heard=i18n.format_number(d.value_a, language, digits),
                experienced_n=i18n.format_number(d.n_b, language, 0),
                experienced=i18n.format_number(d.value_b, language, digits),
                gap=i18n.format_signed(d.difference, language, digits),
                interval=interval_text(d.low, d.high, language, digits),
                p_value=p_text(d.p_value),
                q_value=p_text(r.q_value),
                significant=r.significant,
            )
        )
    csat = [r for r in result.gaps.rows if r.difference.metric == "csat" and r.difference.tested]
    names = [label(taxonomy, dimension, r.key, language) for r in csat]
    heard_name = i18n.gettext(language, N_("Heard from others"))
    lived_name = i18n.gettext(language, N_("Experienced"))
    figure = {
        "data": [
            {
                "type": "bar",
                "name": lived_name,
                "x": names,
                "y": [r.difference.value_b for r in csat],
                "marker": {"color": BASE_COLOUR},
            },
            {
                "type": "bar",
                "name": heard_name,
                "x": names,
                "y": [r.difference.value_a for r in csat],
                "marker": {
                    "color": [SIGNIFICANT_COLOUR if r.significant else "#e0a458" for r in csat]
                },
            },
        ],
        "layout": layout(
            barmode="group",
            yaxis={"title": {"text": "CSAT"}, "range": [1, 5]},
            margin={"l": 48, "r": 16, "t": 16, "b": 120},
        ),
    }
    months = [v.month.isoformat() for v in result.volume]
    volume_figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": lived_name,
                "x": months,
                "y": [v.direct for v in result.volume],
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": heard_name,
                "x": months,
                "y": [v.indirect for v in result.volume],
                "yaxis": "y2",
            },
        ],
        "layout": layout(
            height=320,
            margin={"l": 48, "r": 48, "t": 16, "b": 40},
            xaxis={"type": "date"},
            yaxis2={"overlaying": "y", "side": "right"},
        ),
    }
    ctx = WordOfMouthContext(
        **bar,
        dimension=dimension,
        dimension_choices=tuple(
            o for o in dimension_options(dimension, language) if o.key != "source"
        ),
        rows=tuple(rows),
        figure=figure,
        volume_figure=volume_figure,
    )
    chrome = build_chrome(request, principal, language, N_("Word of mouth"))
    return render(request, "word_of_mouth.html", chrome, ctx)
