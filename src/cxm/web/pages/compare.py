"""The Compare page: group A against group B (or the rest) — dimension values and/or periods
— on every tested metric, and a scan of every value of a dimension against the rest. Only
differences that stay significant after controlling the false discovery rate are marked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.significance import ALPHA, TESTED_METRICS, Difference, Group, adjust_bh
from cxm.domain.taxonomy import Taxonomy
from cxm.services.analysis import significance
from cxm.services.overview import FILTER_DIMENSIONS
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
    interval_text,
    label,
    layout,
    metric_digits,
    metric_options,
    p_text,
)
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import (
    DIMENSION_NAMES,
    FilterField,
    Option,
    allowed_values,
    dimension_name,
    filter_bar,
    parse_date,
    value_label,
)

router = APIRouter()


@dataclass(frozen=True)
class DifferenceView:
    label: str  # the metric (compare) or the value (scan)
    n_a: str
    n_b: str
    value_a: str
    value_b: str
    difference: str
    interval: str
    p_value: str
    q_value: str
    significant: bool


@dataclass(frozen=True)
class CompareContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    group_choices_a: tuple[Option, ...]
    group_choices_b: tuple[Option, ...]
    a_since: str
    a_until: str
    b_since: str
    b_until: str
    compared: bool  # False until a group A (a value or a period) is chosen
    label_a: str
    label_b: str
    rows: tuple[DifferenceView, ...]
    figure: dict[str, Any]
    dimension: str
    metric: str
    dimension_choices: tuple[Option, ...]
    metric_choices: tuple[Option, ...]
    scan: tuple[DifferenceView, ...]
    scan_figure: dict[str, Any]


def _view(name: str, d: Difference, q: float | None, language: str) -> DifferenceView:
    digits = metric_digits(d.metric)

    def number(value: float | None) -> str:
        return i18n.format_number(value, language, digits)

    interval = interval_text(d.low, d.high, language, digits)
    return DifferenceView(
        label=name,
        n_a=i18n.format_number(d.n_a, language, 0),
        n_b=i18n.format_number(d.n_b, language, 0),
        value_a=number(d.value_a),
        value_b=number(d.value_b),
        difference=i18n.format_signed(d.difference, language, digits),
        interval=interval,
        p_value=p_text(d.p_value),
        q_value=p_text(q),
        significant=q is not None and q < ALPHA,
    )


def _group(params: QueryParams, side: str, taxonomy: Taxonomy) -> Group | None:
    """A side of the comparison from ``a``/``b`` (dim:value) and ``a_since``… (None when
    neither a value nor a date is given)."""
    raw = params.get(side, "").strip()
    where: dict[str, tuple[str, ...]] = {}
    if raw:
        dimension, _, value = raw.partition(":")
        if dimension not in FILTER_DIMENSIONS or value not in allowed_values(taxonomy, dimension):
            raise ValidationFailed(f"{side}: unknown dimension value '{raw}'", field=side)
        where[dimension] = (value,)
    since, until = parse_date(params, f"{side}_since"), parse_date(params, f"{side}_until")
    if not where and since is None and until is None:
        return None
    return Group(side.upper(), since, until, where)


def _group_label(group: Group | None, taxonomy: Taxonomy, language: str) -> str:
    if group is None:
        return i18n.gettext(language, N_("the rest"))
    parts = [
        f"{dimension_name(d, language)}: {value_label(taxonomy, d, v[0], language)}"
        for d, v in group.where.items()
    ]
    if group.since or group.until:
        since = group.since.isoformat() if group.since else "…"
        until = group.until.isoformat() if group.until else "…"
        parts.append(f"{since} – {until}")
    return ", ".join(parts)


def _group_options(
    taxonomy: Taxonomy, selected: str, language: str, *, rest: bool
) -> tuple[Option, ...]:
    first = Option("", i18n.gettext(language, N_("the rest")) if rest else "—", None, False)
    options = [first]
    for dimension in FILTER_DIMENSIONS:
        group = dimension_name(dimension, language)
        for key in allowed_values(taxonomy, dimension):
            value = f"{dimension}:{key}"
            text = value_label(taxonomy, dimension, key, language)
            options.append(Option(value, text, group, value == selected))
    return tuple(options)


def _interval_trace(
    names: list[str], differences: list[Difference], marked: list[bool]
) -> dict[str, Any]:
    """Each difference as a point with its 95 % interval, red when significant."""
    shown = [
        (n, d, m)
        for n, d, m in zip(names, differences, marked, strict=True)
        if d.difference is not None and d.low is not None and d.high is not None
    ]
    return {
        "type": "scatter",
        "mode": "markers",
        "y": [n for n, _, _ in shown],
        "x": [d.difference for _, d, _ in shown],
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": [d.high - d.difference for _, d, _ in shown],  # type: ignore[operator]
            "arrayminus": [d.difference - d.low for _, d, _ in shown],  # type: ignore[operator]
            "color": BASE_COLOUR,
        },
        "marker": {
            "size": 10,
            "color": [SIGNIFICANT_COLOUR if m else NOISE_COLOUR for _, _, m in shown],
        },
        "showlegend": False,
    }


def _metrics_figure(
    names: list[str], differences: list[Difference], marked: list[bool]
) -> dict[str, Any]:
    """One row per metric, each on its own axis (NPS points and means on 1–5 do not share
    a scale)."""
    traces, axes = [], {}
    for i, (name, difference, mark) in enumerate(zip(names, differences, marked, strict=True)):
        trace = _interval_trace([name], [difference], [mark])
        suffix = "" if i == 0 else str(i + 1)
        traces.append({**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
        axes[f"xaxis{suffix}"] = {"zeroline": True, "zerolinewidth": 2, "rangemode": "tozero"}
    grid = {"rows": len(traces), "columns": 1, "pattern": "independent"}
    return {"data": traces, "layout": layout(height=90 * len(traces) + 60, grid=grid, **axes)}


def _values_figure(
    names: list[str], differences: list[Difference], marked: list[bool]
) -> dict[str, Any]:
    trace = _interval_trace(names, differences, marked)
    return {
        "data": [trace],
        "layout": layout(
            height=max(240, 30 * len(trace["y"]) + 90),
            xaxis={"zeroline": True, "zerolinewidth": 2},
        ),
    }


@router.get("/compare", response_class=Response, include_in_schema=False)
async def compare_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = ANALYSIS_READER
) -> Response:
    params = request.query_params
    taxonomy = rt.taxonomy
    filters, bar = filter_bar(params, taxonomy, principal, language)
    base = filters.query()
    group_a, group_b = _group(params, "a", taxonomy), _group(params, "b", taxonomy)
    rows: tuple[DifferenceView, ...] = ()
    figure: dict[str, Any] = {"data": [], "layout": layout()}
    if group_a is not None:
        compared = await call_service(
            rt,
            significance.compare_groups,
            rt,
            group_a,
            group_b,
            base=base,
            principal=principal,
        )
        # four metrics tested at once: their p-values are adjusted together
        q_values = adjust_bh([d.p_value for d in compared.differences])
        names = [i18n.gettext(language, METRIC_NAMES[d.metric]) for d in compared.differences]
        rows = tuple(
            _view(n, d, q, language)
            for n, d, q in zip(names, compared.differences, q_values, strict=True)
        )
        figure = _metrics_figure(names, list(compared.differences), [r.significant for r in rows])
    dimension = choice(params, "dimension", tuple(DIMENSION_NAMES), "touchpoint")
    metric = choice(params, "metric", TESTED_METRICS, "nps")
    scan = await call_service(
        rt,
        significance.scan_dimension,
        rt,
        dimension,
        metric,
        base=base,
        principal=principal,
    )
    tested = [r for r in scan.rows if r.difference.p_value is not None]
    scan_rows = tuple(
        _view(label(taxonomy, dimension, r.key, language), r.difference, r.q_value, language)
        for r in tested
    )
    scan_figure = _values_figure(
        [v.label for v in scan_rows],
        [r.difference for r in tested],
        [r.significant for r in tested],
    )
    ctx = CompareContext(
        **bar,
        group_choices_a=_group_options(taxonomy, params.get("a", ""), language, rest=False),
        group_choices_b=_group_options(taxonomy, params.get("b", ""), language, rest=True),
        a_since=params.get("a_since", ""),
        a_until=params.get("a_until", ""),
        b_since=params.get("b_since", ""),
        b_until=params.get("b_until", ""),
        compared=group_a is not None,
        label_a=_group_label(group_a, taxonomy, language) if group_a else "",
        label_b=_group_label(group_b, taxonomy, language),
        rows=rows,
        figure=figure,
        dimension=dimension,
        metric=metric,
        dimension_choices=dimension_options(dimension, language),
        metric_choices=metric_options(metric, language, TESTED_METRICS),
        scan=scan_rows,
        scan_figure=scan_figure,
    )
    chrome = build_chrome(request, principal, language, N_("Compare"))
    return render(request, "compare.html", chrome, ctx)
