"""API: comment text analytics — sentiment and emotions by dimension and time, themes with
example comments, discovered themes, the comment drill-down list, and analysing one text.
Every comment returned is redacted (personal data replaced by placeholders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from starlette.concurrency import run_in_threadpool

from cxm.domain.text_metrics import TextQuery
from cxm.services import text_insights
from cxm.web.api.filters import parse_where
from cxm.web.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["text"])

ROW_SHAPE = """Rows: `{<dim>: key, <grain>: "YYYY-MM-DD", "n": comments, "sentiment":
{"negative", "neutral", "positive"} (percent), "mean_score" ([-1, 1]), "emotions": {joy, trust,
fear, surprise, sadness, disgust, anger, anticipation, frustration, disappointment, delight}
(mean intensity in [0, 1]), "nps_n", "nps"}`, or `{…, "n", "insufficient": true}` below the
minimum. A manager's or agent's answer covers only their department."""


def _query(
    by: list[str],
    grain: str | None,
    since: date | None,
    until: date | None,
    where: list[str],
    theme: str | None,
    sentiment: str | None,
    emotion: str | None,
    min_n: int | None,
) -> TextQuery:
    query = TextQuery(
        by=tuple(by),
        grain=grain,  # type: ignore[arg-type]  # validated below
        since=since,
        until=until,
        where=parse_where(where),
        theme=theme,
        sentiment=sentiment,
        emotion=emotion,
        min_n=min_n,
    )
    text_insights.validate_text_query(query)
    return query


_BY = Query(default=[], description="Dimension to break down by (up to 3)")
_GRAIN = Query(default=None, description="day, week, month or quarter")
_SINCE = Query(default=None, description="First day, inclusive")
_UNTIL = Query(default=None, description="Last day, inclusive")
_WHERE = Query(default=[], description="Filter `dim:value`; repeatable")
_THEME = Query(default=None, description="Only comments mentioning this theme key")
_SENTIMENT = Query(default=None, description="negative, neutral or positive")
_EMOTION = Query(default=None, description="Only comments showing this emotion (≥ 0.3)")
_MIN_N = Query(default=None, description="Minimum comments per value")


def _report_query(
    by: list[str] = _BY,
    grain: str | None = _GRAIN,
    since: date | None = _SINCE,
    until: date | None = _UNTIL,
    where: list[str] = _WHERE,
    theme: str | None = _THEME,
    sentiment: str | None = _SENTIMENT,
    emotion: str | None = _EMOTION,
    min_n: int | None = _MIN_N,
) -> TextQuery:
    """The query parameters of the sentiment and emotions reports, validated."""
    return _query(by, grain, since, until, where, theme, sentiment, emotion, min_n)


async def _report(rt: Any, principal: Any, query: TextQuery) -> dict[str, Any]:
    report = await run_in_threadpool(text_insights.sentiment_report, rt, query, principal)
    return {
        "by": list(query.by),
        "grain": query.grain,
        "since": query.since,
        "until": query.until,
        "where": {k: list(v) for k, v in report.query.where.items()},
        "min_n": query.min_n if query.min_n is not None else rt.settings.min_responses,
        "rows": [text_insights.text_row_dict(r) for r in report.rows],
        "total": text_insights.text_row_dict(report.total),
    }


@router.get(
    "/text/sentiment", summary="Comment sentiment by dimension and time", description=ROW_SHAPE
)
async def get_sentiment(
    rt: RuntimeDep,
    principal: PrincipalDep,
    query: TextQuery = Depends(_report_query),
) -> dict[str, Any]:
    return await _report(rt, principal, query)


@router.get(
    "/text/emotions", summary="Comment emotions by dimension and time", description=ROW_SHAPE
)
async def get_emotions(
    rt: RuntimeDep,
    principal: PrincipalDep,
    query: TextQuery = Depends(_report_query),
) -> dict[str, Any]:
    return await _report(rt, principal, query)


@router.get("/text/themes", summary="Themes: count, share, sentiment, NPS, example comments")
async def get_themes(
    rt: RuntimeDep,
    principal: PrincipalDep,
    since: date | None = _SINCE,
    until: date | None = _UNTIL,
    where: list[str] = _WHERE,
    sentiment: str | None = _SENTIMENT,
    emotion: str | None = _EMOTION,
    min_n: int | None = _MIN_N,
    examples: int = Query(default=3, ge=0, le=20, description="Example comments per theme"),
    lang: str = Query(default="pl", description="Language of the theme labels (pl, en)"),
) -> dict[str, Any]:
    query = _query([], None, since, until, where, None, sentiment, emotion, min_n)
    themes = await run_in_threadpool(
        text_insights.theme_report, rt, query, principal, language=lang, examples=examples
    )
    return {"themes": [{"theme": t.key, **text_insights.theme_dict(t)} for t in themes]}


@router.get("/text/themes/discover", summary="New, unconfigured themes in recent comments")
async def get_discovered(
    rt: RuntimeDep,
    principal: PrincipalDep,
    since: date | None = _SINCE,
    until: date | None = _UNTIL,
    where: list[str] = _WHERE,
    sentiment: str | None = _SENTIMENT,
    sample: int = Query(default=5000, ge=10, le=50_000, description="Newest comments to read"),
    limit: int = Query(default=10, ge=1, le=50, description="Themes to return"),
) -> dict[str, Any]:
    query = _query([], None, since, until, where, None, sentiment, None, None)
    found = await run_in_threadpool(
        text_insights.discovered_themes, rt, query, principal, sample=sample, limit=limit
    )
    return {"themes": found}


@router.get("/text/comments", summary="Comments (redacted), newest first, filtered and paged")
async def get_comments(
    rt: RuntimeDep,
    principal: PrincipalDep,
    since: date | None = _SINCE,
    until: date | None = _UNTIL,
    where: list[str] = _WHERE,
    theme: str | None = _THEME,
    sentiment: str | None = _SENTIMENT,
    emotion: str | None = _EMOTION,
    page: int = Query(default=1, ge=1),
    per_page: int = Query(default=50, ge=1, le=text_insights.MAX_PAGE_SIZE),
) -> dict[str, Any]:
    query = _query([], None, since, until, where, theme, sentiment, emotion, None)
    result = await run_in_threadpool(
        text_insights.comment_page, rt, query, principal, page=page, per_page=per_page
    )
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "comments": list(result.comments),
    }


@router.post("/text/analyse", summary="Analyse one text (not stored)")
async def post_analyse(
    rt: RuntimeDep,
    principal: PrincipalDep,
    text: str = Body(..., embed=True, examples=["Kurier spóźnił się dwa dni, fatalnie."]),
) -> dict[str, Any]:
    return await run_in_threadpool(text_insights.analyse_text, rt, text)
