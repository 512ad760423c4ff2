"""Comments and emotions: sentiment and emotions by touch-point, stage, segment (or another
chosen dimension) and over time, themes with redacted example comments, discovered themes,
and the drill-down list of comments. Filters live in the URL; every cell links to the
filtered comment list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import GRAINS, Grain
from cxm.domain.taxonomy import Taxonomy
from cxm.domain.text_metrics import EMOTIONS, SENTIMENTS, TextQuery, TextReport, TextRow
from cxm.services import text_insights
from cxm.services.overview import Filters
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import PAGE_ROLES, build_chrome, render
from cxm.web.pages.filters import (
    FilterField,
    dimension_name,
    filter_bar,
    filters_query,
    value_label,
)

router = APIRouter()
CommentsReader = Depends(require_roles(*PAGE_ROLES["/comments"]))

BREAKDOWNS = ("touchpoint", "stage", "segment", "journey", "channel", "product", "department")
SENTIMENT_NAMES = {"negative": N_("Negative"), "neutral": N_("Neutral"), "positive": N_("Positive")}
SENTIMENT_COLOURS = {"negative": "#b3261e", "neutral": "#9aa0a6", "positive": "#1b7f4b"}
EMOTION_NAMES = {
    "joy": N_("Joy"),
    "trust": N_("Trust"),
    "fear": N_("Fear"),
    "surprise": N_("Surprise"),
    "sadness": N_("Sadness"),
    "disgust": N_("Disgust"),
    "anger": N_("Anger"),
    "anticipation": N_("Anticipation"),
    "frustration": N_("Frustration"),
    "disappointment": N_("Disappointment"),
    "delight": N_("Delight"),
}


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    selected: bool


@dataclass(frozen=True)
class BreakdownRow:
    key: str | None
    label: str
    n: int
    insufficient: bool
    negative: str
    neutral: str
    positive: str
    mean_score: str
    nps: str
    top_emotion: str
    link: str


@dataclass(frozen=True)
class ThemeView:
    key: str
    label: str
    n: int
    share: str
    mean_score: str
    negative: str
    nps: str
    insufficient: bool
    examples: tuple[str, ...]
    link: str


@dataclass(frozen=True)
class DiscoveredView:
    phrase: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class CommentsContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    by: str
    by_label: str
    breakdowns: tuple[Choice, ...]
    grain: str
    grains: tuple[Choice, ...]
    n: int
    min_n: int
    shares: dict[str, str]
    mean_score: str
    breakdown: tuple[BreakdownRow, ...]
    sentiment_figure: dict[str, Any]
    emotion_figure: dict[str, Any]
    trend_figure: dict[str, Any]
    themes: tuple[ThemeView, ...]
    discovered: tuple[DiscoveredView, ...]
    list_link: str


@dataclass(frozen=True)
class CommentView:
    response_id: int
    when: str
    comment: str
    sentiment: str
    sentiment_key: str
    score: str
    themes: tuple[str, ...]
    touchpoint: str
    nps: str
    emotions: str


@dataclass(frozen=True)
class CommentListContext:
    filters: tuple[FilterField, ...]
    since: str
    until: str
    theme: str
    themes: tuple[Choice, ...]
    sentiment: str
    sentiments: tuple[Choice, ...]
    emotion: str
    emotions: tuple[Choice, ...]
    total: int
    page: int
    pages: int
    comments: tuple[CommentView, ...]
    previous_link: str | None
    next_link: str | None
    back_link: str


def _choice(params: QueryParams, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, "").strip() or default
    if value and value not in allowed:
        raise ValidationFailed(f"{name}: unknown value '{value}'", field=name)
    return value


def _query(filters: Filters, **extra: Any) -> TextQuery:
    return TextQuery(since=filters.since, until=filters.until, where=filters.where, **extra)


def _pct(value: float | None, language: str) -> str:
    return "—" if value is None else i18n.format_number(value, language, 0) + " %"


def _score(value: float | None, language: str) -> str:
    return "—" if value is None else i18n.format_signed(value, language, 2)


def _nps(row: TextRow, language: str) -> str:
    value = row.nps
    return (
        "—"
        if value.insufficient or value.value is None
        else i18n.format_signed(value.value, language, 0)
    )


def _top_emotion(row: TextRow, language: str) -> str:
    values = {e: v for e, v in row.emotions.items() if v}
    if not values:
        return "—"
    best = max(values, key=lambda e: values[e])
    name = i18n.gettext(language, EMOTION_NAMES[best])
    return f"{name} {i18n.format_number(values[best], language, 2)}"


def _labels(taxonomy: Taxonomy, dim: str, rows: tuple[TextRow, ...], language: str) -> list[str]:
    return [value_label(taxonomy, dim, _str(r.keys.get(dim)), language) for r in rows]


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def sentiment_figure(labels: list[str], rows: tuple[TextRow, ...], language: str) -> dict[str, Any]:
    """Stacked horizontal bars: the share of negative, neutral and positive comments."""
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": i18n.gettext(language, SENTIMENT_NAMES[s]),
            "y": labels,
            "x": [None if r.insufficient else round(r.shares[s] or 0.0, 2) for r in rows],
            "marker": {"color": SENTIMENT_COLOURS[s]},
            "hovertemplate": "%{y}: %{x:.0f} %<extra>"
            + i18n.gettext(language, SENTIMENT_NAMES[s])
            + "</extra>",
        }
        for s in SENTIMENTS
    ]
    layout = {
        "barmode": "stack",
        "height": max(260, 28 * len(rows) + 80),
        "margin": {"l": 200, "r": 16, "t": 16, "b": 40},
        "xaxis": {"range": [0, 100], "ticksuffix": " %"},
        "yaxis": {"autorange": "reversed"},
        "legend": {"orientation": "h", "y": -0.15},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": traces, "layout": layout}


def emotion_figure(labels: list[str], rows: tuple[TextRow, ...], language: str) -> dict[str, Any]:
    """A heatmap: mean intensity of each emotion (columns) per breakdown value (rows)."""
    z = [
        [None if r.insufficient else round(r.emotions[e] or 0.0, 3) for e in EMOTIONS] for r in rows
    ]
    trace = {
        "type": "heatmap",
        "x": [i18n.gettext(language, EMOTION_NAMES[e]) for e in EMOTIONS],
        "y": labels,
        "z": z,
        "colorscale": "YlOrRd",
        "zmin": 0,
        "hovertemplate": "%{y} · %{x}: %{z:.2f}<extra></extra>",
    }
    layout = {
        "height": max(260, 26 * len(rows) + 110),
        "margin": {"l": 200, "r": 16, "t": 16, "b": 90},
        "yaxis": {"autorange": "reversed"},
        "paper_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": [trace], "layout": layout}


def trend_figure(report: TextReport, grain: str, language: str) -> dict[str, Any]:
    """Lines over time: negative and positive shares (left axis), frustration, disappointment
    and delight (right axis); insufficient periods are gaps."""
    x = [str(r.keys.get(grain)) for r in report.rows]
    traces: list[dict[str, Any]] = []
    for s in ("negative", "positive"):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": i18n.gettext(language, SENTIMENT_NAMES[s]) + " %",
                "x": x,
                "y": [
                    None if r.insufficient else round(r.shares[s] or 0.0, 2) for r in report.rows
                ],
                "line": {"color": SENTIMENT_COLOURS[s], "width": 3},
            }
        )
    for e, dash in (("frustration", "dot"), ("disappointment", "dash"), ("delight", "dashdot")):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": i18n.gettext(language, EMOTION_NAMES[e]),
                "x": x,
                "y": [
                    None if r.insufficient else round(r.emotions[e] or 0.0, 4) for r in report.rows
                ],
                "yaxis": "y2",
                "line": {"dash": dash},
            }
        )
    layout = {
        "height": 340,
        "margin": {"l": 48, "r": 48, "t": 16, "b": 40},
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"type": "date"},
        "yaxis": {"range": [0, 100], "ticksuffix": " %"},
        "yaxis2": {"overlaying": "y", "side": "right", "range": [0, 1], "showgrid": False},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": traces, "layout": layout}


def _build(
    rt: Runtime, filters: Filters, by: str, grain: Grain, principal: Principal, language: str
) -> tuple[TextReport, TextReport, list[text_insights.ThemeInsight], list[dict[str, Any]]]:
    breakdown = text_insights.sentiment_report(rt, _query(filters, by=(by,)), principal)
    trend = text_insights.sentiment_report(rt, _query(filters, grain=grain), principal)
    themes = text_insights.theme_report(rt, _query(filters), principal, language=language)
    discovered = text_insights.discovered_themes(rt, _query(filters), principal, sample=2_000)
    return breakdown, trend, themes, discovered


@router.get("/comments", response_class=Response, include_in_schema=False)
async def comments_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = CommentsReader
) -> Response:
    params = request.query_params
    taxonomy = rt.taxonomy
    filters, bar = filter_bar(params, taxonomy, principal, language)
    by = _choice(params, "by", BREAKDOWNS, "touchpoint")
    grain: Grain = _choice(params, "grain", GRAINS, "month")  # type: ignore[assignment]
    breakdown, trend, themes, discovered = await call_service(
        rt, _build, rt, filters, by, grain, principal, language
    )
    labels = _labels(taxonomy, by, breakdown.rows, language)
    total = breakdown.total
    rows = tuple(
        BreakdownRow(
            key=_str(r.keys.get(by)),
            label=label,
            n=r.n,
            insufficient=r.insufficient,
            negative=_pct(r.shares["negative"], language),
            neutral=_pct(r.shares["neutral"], language),
            positive=_pct(r.shares["positive"], language),
            mean_score=_score(r.mean_score, language),
            nps=_nps(r, language),
            top_emotion=_top_emotion(r, language),
            link="/comments/list?" + filters_query(_with(filters, by, _str(r.keys.get(by)))),
        )
        for r, label in zip(breakdown.rows, labels, strict=True)
    )
    ctx = CommentsContext(
        **bar,
        by=by,
        by_label=dimension_name(by, language),
        breakdowns=tuple(Choice(d, dimension_name(d, language), d == by) for d in BREAKDOWNS),
        grain=grain,
        grains=tuple(
            Choice(g, i18n.gettext(language, _GRAIN_NAMES[g]), g == grain) for g in GRAINS
        ),
        n=total.n,
        min_n=rt.settings.min_responses,
        shares={s: _pct(total.shares[s], language) for s in SENTIMENTS},
        mean_score=_score(total.mean_score, language),
        breakdown=rows,
        sentiment_figure=sentiment_figure(labels, breakdown.rows, language),
        emotion_figure=emotion_figure(labels, breakdown.rows, language),
        trend_figure=trend_figure(trend, grain, language),
        themes=tuple(
            ThemeView(
                key=t.key,
                label=t.label,
                n=t.row.n,
                share=_pct(t.share, language),
                mean_score=_score(t.row.mean_score, language),
                negative=_pct(t.row.shares["negative"], language),
                nps=_nps(t.row, language),
                insufficient=t.row.insufficient,
                examples=tuple(str(e.get("redacted_comment") or "") for e in t.examples),
                link="/comments/list?" + filters_query(filters, theme=t.key),
            )
            for t in themes
        ),
        discovered=tuple(
            DiscoveredView(str(d["phrase"]), int(d["count"]), tuple(d["examples"]))
            for d in discovered
        ),
        list_link="/comments/list?" + filters_query(filters),
    )
    chrome = build_chrome(request, principal, language, N_("Comments and emotions"))
    return render(request, "comments.html", chrome, ctx)


_GRAIN_NAMES = {
    "day": N_("Day"),
    "week": N_("Week"),
    "month": N_("Month"),
    "quarter": N_("Quarter"),
}


def _with(filters: Filters, dim: str, key: str | None) -> Filters:
    if key is None:
        return filters
    return Filters(since=filters.since, until=filters.until, where={**filters.where, dim: (key,)})


@router.get("/comments/list", response_class=Response, include_in_schema=False)
async def comment_list_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = CommentsReader
) -> Response:
    params = request.query_params
    taxonomy = rt.taxonomy
    filters, bar = filter_bar(params, taxonomy, principal, language)
    theme_labels = text_insights.theme_labels(rt, language)
    theme = _choice(params, "theme", tuple(theme_labels), "")
    sentiment = _choice(params, "sentiment", SENTIMENTS, "")
    emotion = _choice(params, "emotion", EMOTIONS, "")
    try:
        page = max(1, int(params.get("page", "1") or "1"))
    except ValueError as exc:
        raise ValidationFailed("page: not a number", field="page") from exc
    query = _query(
        filters, theme=theme or None, sentiment=sentiment or None, emotion=emotion or None
    )
    result = await call_service(
        rt, text_insights.comment_page, rt, query, principal, page=page, per_page=50
    )
    extra = {
        k: v for k, v in (("theme", theme), ("sentiment", sentiment), ("emotion", emotion)) if v
    }

    def link(to: int) -> str:
        return "/comments/list?" + filters_query(filters, **extra, page=str(to))

    comments = tuple(
        CommentView(
            response_id=int(c["response_id"]),
            when=str(c["responded_at"])[:10],
            comment=str(c["comment"] or ""),
            sentiment=i18n.gettext(language, SENTIMENT_NAMES.get(c["sentiment"], c["sentiment"])),
            sentiment_key=str(c["sentiment"]),
            score=_score(c["sentiment_score"], language),
            themes=tuple(theme_labels.get(t, t) for t in c["themes"]),
            touchpoint=value_label(taxonomy, "touchpoint", c["touchpoint"], language),
            nps="—" if c["nps"] is None else str(c["nps"]),
            emotions=", ".join(
                f"{i18n.gettext(language, EMOTION_NAMES[e])} {i18n.format_number(v, language, 2)}"
                for e, v in sorted(c["emotions"].items(), key=lambda kv: -kv[1])
                if v >= 0.3
            ),
        )
        for c in result.comments
    )
    ctx = CommentListContext(
        **bar,
        theme=theme,
        themes=tuple(Choice(k, v, k == theme) for k, v in theme_labels.items()),
        sentiment=sentiment,
        sentiments=tuple(
            Choice(s, i18n.gettext(language, SENTIMENT_NAMES[s]), s == sentiment)
            for s in SENTIMENTS
        ),
        emotion=emotion,
        emotions=tuple(
            Choice(e, i18n.gettext(language, EMOTION_NAMES[e]), e == emotion) for e in EMOTIONS
        ),
        total=result.total,
        page=result.page,
        pages=result.pages,
        comments=comments,
        previous_link=link(page - 1) if page > 1 else None,
        next_link=link(page + 1) if page < result.pages else None,
        back_link="/comments?" + filters_query(filters),
    )
    chrome = build_chrome(request, principal, language, N_("Comments"))
    return render(request, "comment_list.html", chrome, ctx)
