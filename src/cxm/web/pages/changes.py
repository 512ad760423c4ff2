"""The Changes page: the best change date of every touch-point's (or any dimension value's)
series and, for a chosen date, after vs before — marked only when significant after
false-discovery control, so noise is never marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.significance import TESTED_METRICS
from cxm.services.analysis import changes as change_service
from cxm.services.analysis import significance
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import (
    ANALYSIS_READER,
    METRIC_NAMES,
    NOISE_COLOUR,
    SIGNIFICANT_COLOUR,
    choice,
    dimension_options,
    interval_text,
    label,
    layout,
    metric_digits,
    metric_options,
    p_text,
)
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import DIMENSION_NAMES, FilterField, Option, filter_bar

router = APIRouter()


@dataclass(frozen=True)
class ChangeRowView:
    key: str
    label: str
    at: str
    n_before: str
    n_after: str
    before: str
    after: str
    difference: str
    p_value: str  # the best split's, × the candidate splits (Bonferroni)
    q_value: str
    significant: bool


@dataclass(frozen=True)
class ScanRowView:
    label: str
    metric: str
    n_before: str
    n_after: str
    before: str
    after: str
    difference: str
    interval: str
    p_value: str
    q_value: str
    significant: bool
    insufficient: bool  # too few responses on a side to test


@dataclass(frozen=True)
class ChangesContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    dimension: str
    metric: str
    at: str
    days: str
    dimension_choices: tuple[Option, ...]
    metric_choices: tuple[Option, ...]
    change_points: tuple[ChangeRowView, ...]
    scan: tuple[ScanRowView, ...]
    scan_window: str
    figure: dict[str, Any]


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"at: not a date (YYYY-MM-DD): '{raw}'", field="at") from exc


def _days(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(f"days: not a number: '{raw}'", field="days")
    return int(raw)


@router.get("/changes", response_class=Response, include_in_schema=False)
async def changes_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = ANALYSIS_READER
) -> Response:
    params = request.query_params
    dimension = choice(params, "dimension", tuple(DIMENSION_NAMES), "touchpoint")
    metric = choice(params, "metric", TESTED_METRICS, "nps")
    at, days = _date(params.get("at")), _days(params.get("days"))
    filters, bar = filter_bar(params, rt.taxonomy, principal, language)
    base = filters.query()
    taxonomy = rt.taxonomy
    found = await call_service(
        rt,
        change_service.find_change_points,
        rt,
        dimension=dimension,
        metric=metric,
        base=base,
        principal=principal,
    )
    digits = metric_digits(metric)
    rows = []
    for r in found.rows:
        c = r.change
        rows.append(
            ChangeRowView(
                key=str(r.key),
                label=label(taxonomy, dimension, r.key, language),
                at=c.at.isoformat() if c else "—",
                n_before=i18n.format_number(c.n_before if c else None, language, 0),
                n_after=i18n.format_number(c.n_after if c else None, language, 0),
                before=i18n.format_number(c.value_before if c else None, language, digits),
                after=i18n.format_number(c.value_after if c else None, language, digits),
                difference=i18n.format_signed(c.difference if c else None, language, digits),
                p_value=p_text(c.p_adjusted if c else None),
                q_value=p_text(r.q_value),
                significant=r.significant,
            )
        )
    scan_rows: list[ScanRowView] = []
    window = ""
    if at is not None:
        scan = await call_service(
            rt,
            significance.change_scan,
            rt,
            at,
            days=days,
            dimension=dimension,
            base=base,
            principal=principal,
        )
        window = f"{scan.label_b} → {scan.label_a}"
        for s in scan.rows:
            d = s.difference
            if not d.n_a and not d.n_b:
                continue  # no response on either side: nothing to show
            dg = metric_digits(d.metric)
            scan_rows.append(
                ScanRowView(
                    label=label(taxonomy, dimension, s.key, language),
                    metric=i18n.gettext(language, METRIC_NAMES[d.metric]),
                    n_before=i18n.format_number(d.n_b, language, 0),
                    n_after=i18n.format_number(d.n_a, language, 0),
                    before=i18n.format_number(d.value_b, language, dg),
                    after=i18n.format_number(d.value_a, language, dg),
                    difference=i18n.format_signed(d.difference, language, dg),
                    interval=interval_text(d.low, d.high, language, dg),
                    p_value=p_text(d.p_value),
                    q_value=p_text(s.q_value),
                    significant=s.significant,
                    insufficient=not d.tested,
                )
            )
        scan_rows.sort(key=lambda v: (not v.significant, v.insufficient))
    ctx = ChangesContext(
        **bar,
        dimension=dimension,
        metric=metric,
        at=at.isoformat() if at else "",
        days=str(days or ""),
        dimension_choices=dimension_options(dimension, language),
        metric_choices=metric_options(metric, language, TESTED_METRICS),
        change_points=tuple(rows),
        scan=tuple(scan_rows),
        scan_window=window,
        figure=_figure(found, taxonomy, dimension, language, metric),
    )
    chrome = build_chrome(request, principal, language, N_("Changes"))
    return render(request, "changes.html", chrome, ctx)


def _figure(
    found: change_service.ChangePoints, taxonomy: Any, dimension: str, language: str, metric: str
) -> dict[str, Any]:
    """The size of each value's best change; only significant ones are coloured and dated."""
    usable = [r for r in found.rows if r.change is not None]
    usable.sort(key=lambda r: r.change.difference if r.change else 0.0)
    significant = i18n.gettext(language, N_("significant change"))
    noise = i18n.gettext(language, N_("not significant"))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [label(taxonomy, dimension, r.key, language) for r in usable],
                "x": [r.change.difference for r in usable if r.change],
                "text": [
                    r.change.at.isoformat() if r.significant and r.change else "" for r in usable
                ],
                "customdata": [significant if r.significant else noise for r in usable],
                "marker": {
                    "color": [SIGNIFICANT_COLOUR if r.significant else NOISE_COLOUR for r in usable]
                },
                "hovertemplate": "%{y}: %{x:.1f} (%{customdata})<extra></extra>",
            }
        ],
        "layout": layout(
            xaxis={"title": {"text": i18n.gettext(language, METRIC_NAMES[metric])}},
            height=max(320, 22 * len(usable) + 80),
        ),
    }
