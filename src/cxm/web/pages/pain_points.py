"""The Pain points page: sources of negative experience ranked by volume × negativity ×
effect on loyalty, by touch-point, department (back office included) or another
dimension, with every component shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.services.analysis import pain_points as pain_service
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import (
    ANALYSIS_READER,
    BASE_COLOUR,
    choice,
    dimension_options,
    label,
    layout,
)
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import DIMENSION_NAMES, FilterField, Option, filter_bar

router = APIRouter()
TOP = 15


@dataclass(frozen=True)
class PainRowView:
    key: str
    label: str
    n: str
    volume_share: str
    negativity: str
    detractor_share: str
    nps: str
    nps_rest: str
    nps_gain: str
    pain_score: str
    money_at_risk: str
    insufficient: bool


@dataclass(frozen=True)
class PainContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    dimension: str
    dimension_choices: tuple[Option, ...]
    uses_comments: bool
    rows: tuple[PainRowView, ...]
    figure: dict[str, Any]


def _pct(value: float | None, language: str) -> str:
    return "—" if value is None else i18n.format_number(100 * value, language, 1) + " %"


@router.get("/pain-points", response_class=Response, include_in_schema=False)
async def pain_points_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = ANALYSIS_READER
) -> Response:
    dimension = choice(request.query_params, "by", (*DIMENSION_NAMES, "theme"), "touchpoint")
    filters, bar = filter_bar(request.query_params, rt.taxonomy, principal, language)
    result = await call_service(
        rt, pain_service.rank_pain, rt, dimension, base=filters.query(), principal=principal
    )
    taxonomy = rt.taxonomy
    rows = tuple(
        PainRowView(
            key=str(p.key),
            label=label(taxonomy, dimension, p.key, language),
            n=i18n.format_number(p.n, language, 0),
            volume_share=_pct(p.volume_share, language),
            negativity=_pct(p.negativity, language),
            detractor_share=_pct(p.detractor_share, language),
            nps=i18n.format_signed(p.nps, language, 1),
            nps_rest=i18n.format_signed(p.nps_rest, language, 1),
            nps_gain=i18n.format_signed(p.nps_gain, language, 2),
            pain_score=i18n.format_number(
                None if p.pain_score is None else 1000 * p.pain_score, language, 2
            ),
            money_at_risk=i18n.format_number(p.money_at_risk, language, 0),
            insufficient=p.insufficient,
        )
        for p in result.rows
    )
    scored = [p for p in result.rows if p.pain_score is not None][:TOP]
    scored.reverse()  # the biggest pain on top of a horizontal bar chart
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [label(taxonomy, dimension, p.key, language) for p in scored],
                "x": [1000 * (p.pain_score or 0.0) for p in scored],
                "customdata": [[p.n, p.nps, p.nps_gain] for p in scored],
                "marker": {"color": BASE_COLOUR},
                "hovertemplate": "%{y}: %{x:.2f} (n=%{customdata[0]}, NPS %{customdata[1]:.1f}, "
                "+%{customdata[2]:.2f})<extra></extra>",
            }
        ],
        "layout": layout(
            xaxis={"title": {"text": i18n.gettext(language, N_("Pain score (‰)"))}},
            height=max(320, 24 * len(scored) + 80),
        ),
    }
    ctx = PainContext(
        **bar,
        dimension=dimension,
        dimension_choices=dimension_options(dimension, language, extra=("theme",)),
        uses_comments=result.uses_comments,
        rows=rows,
        figure=figure,
    )
    chrome = build_chrome(request, principal, language, N_("Pain points"))
    return render(request, "pain_points.html", chrome, ctx)
