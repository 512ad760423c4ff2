"""API: significance of differences and changes (Benjamini–Hochberg over many tests),
change-points, control charts, pain points, word of mouth and control-chart alerts.

Filters as in ``/metrics``: ``since``, ``until``, ``where=dim:value`` (repeatable). A
manager's or agent's answer covers only their department."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from cxm.domain.metrics import MetricQuery
from cxm.services.analysis import alerts as alert_service
from cxm.services.analysis import changes, pain_points, significance, word_of_mouth
from cxm.services.analysis.shape import jsonable, scan_table
from cxm.web.api.filters import parse_where
from cxm.web.deps import AnalystDep, PrincipalDep, RuntimeDep

router = APIRouter(tags=["analysis"])
WHERE = Query(default=[], description="Filter `dim:value`; repeatable")


def _base(since: date | None, until: date | None, where: list[str]) -> MetricQuery:
    return MetricQuery(since=since, until=until, where=parse_where(where))


@router.get("/analysis/compare", summary="A vs B (or vs the rest) with p-values and intervals")
async def compare(
    rt: RuntimeDep,
    principal: PrincipalDep,
    a: list[str] = Query(default=[], description="Group A `dim:value`; repeatable"),
    b: list[str] = Query(
        default=[], description="Group B `dim:value`; none and no dates: the rest"
    ),
    a_since: date | None = None,
    a_until: date | None = None,
    b_since: date | None = None,
    b_until: date | None = None,
    since: date | None = None,
    until: date | None = None,
    where: list[str] = WHERE,
) -> dict[str, Any]:
    group_a = significance.Group("A", a_since, a_until, parse_where(a, "a"))
    has_b = bool(b or b_since or b_until)
    group_b = significance.Group("B", b_since, b_until, parse_where(b, "b")) if has_b else None
    result = await run_in_threadpool(
        significance.compare_groups,
        rt,
        group_a,
        group_b,
        base=_base(since, until, where),
        principal=principal,
    )
    return {
        "a": jsonable(result.a),
        "b": jsonable(result.b),
        "rows": jsonable(list(result.differences)),
    }


@router.get("/analysis/scan", summary="Every value of a dimension vs the rest (BH-controlled)")
async def scan(
    rt: RuntimeDep,
    principal: PrincipalDep,
    dimension: str = "touchpoint",
    metric: str = Query(default="nps", description="nps, csat_top2, csat or ces"),
    since: date | None = None,
    until: date | None = None,
    where: list[str] = WHERE,
) -> dict[str, Any]:
    result = await run_in_threadpool(
        significance.scan_dimension,
        rt,
        dimension,
        metric,
        base=_base(since, until, where),
        principal=principal,
    )
    return {"dimension": dimension, "alpha": result.alpha, "rows": scan_table(result)}


@router.get(
    "/analysis/changes",
    summary="After a date vs the same-length period before, for every value (BH-controlled)",
)
async def change_scan(
    rt: RuntimeDep,
    principal: PrincipalDep,
    at: date,
    days: int | None = Query(default=None, description="Window length; default to the end"),
    dimension: str = "touchpoint",
    where: list[str] = WHERE,
) -> dict[str, Any]:
    result = await run_in_threadpool(
        significance.change_scan,
        rt,
        at,
        days=days,
        dimension=dimension,
        base=_base(None, None, where),
        principal=principal,
    )
    return {
        "dimension": dimension,
        "after": result.label_a,
        "before": result.label_b,
        "alpha": result.alpha,
        "rows": scan_table(result),
    }


@router.get("/analysis/change-points", summary="The best change date of every value's series")
async def change_points(
    rt: RuntimeDep,
    principal: PrincipalDep,
    dimension: str = "touchpoint",
    metric: str = "nps",
    where: list[str] = WHERE,
) -> dict[str, Any]:
    result = await run_in_threadpool(
        changes.find_change_points,
        rt,
        dimension=dimension,
        metric=metric,
        base=_base(None, None, where),
        principal=principal,
    )
    return {
        "dimension": dimension,
        "metric": result.metric,
        "alpha": result.alpha,
        "rows": [
            {
                dimension: r.key,
                "change": jsonable(r.change),
                "q_value": r.q_value,
                "significant": r.significant,
            }
            for r in result.rows
        ],
    }


@router.get("/analysis/control-charts", summary="Control limits of every series of a metric")
async def control_charts(
    rt: RuntimeDep,
    principal: PrincipalDep,
    dimension: str = "touchpoint",
    metric: str = "nps",
    grain: str = "month",
    where: list[str] = WHERE,
) -> dict[str, Any]:
    result = await run_in_threadpool(
        changes.control_charts,
        rt,
        dimension=dimension,
        metric=metric,
        grain=grain,
        base=_base(None, None, where),
        principal=principal,
    )
    return {
        "dimension": dimension,
        "metric": metric,
        "grain": grain,
        "series": [
            {"key": s.key, "points": [{**jsonable(p), "below": p.below} for p in s.points]}
            for s in result
        ],
    }


@router.get("/analysis/pain-points", summary="Sources of negative experience, ranked")
async def pain(
    rt: RuntimeDep,
    principal: PrincipalDep,
    by: str = Query(default="touchpoint", description="A dimension or `theme`"),
    since: date | None = None,
    until: date | None = None,
    where: list[str] = WHERE,
) -> dict[str, Any]:
    result = await run_in_threadpool(
        pain_points.rank_pain, rt, by, base=_base(since, until, where), principal=principal
    )
    return jsonable(result)


@router.get("/analysis/word-of-mouth", summary="Heard from others vs experienced, with the gap")
async def wom(
    rt: RuntimeDep,
    principal: PrincipalDep,
    by: str = "touchpoint",
    since: date | None = None,
    until: date | None = None,
    where: list[str] = WHERE,
) -> dict[str, Any]:
    result = await run_in_threadpool(
        word_of_mouth.word_of_mouth, rt, by, base=_base(since, until, where), principal=principal
    )
    return {"dimension": by, "gaps": scan_table(result.gaps), "volume": jsonable(result.volume)}


@router.get("/alerts", summary="Control-chart alerts, newest period first")
async def list_alerts(
    rt: RuntimeDep, principal: AnalystDep, status: str | None = None
) -> dict[str, Any]:
    rows = await run_in_threadpool(alert_service.list_alerts, rt, status=status)
    return {"alerts": rows}


@router.post("/alerts/evaluate", summary="Check every series now; raise new breaches once")
async def evaluate(rt: RuntimeDep, principal: AnalystDep) -> dict[str, Any]:
    run = await run_in_threadpool(alert_service.evaluate_alerts, rt)
    return jsonable(run)


@router.post("/alerts/{alert_id}/status", summary="Acknowledge or close an alert")
async def set_status(
    rt: RuntimeDep, principal: AnalystDep, alert_id: int, status: str = Query(...)
) -> dict[str, Any]:
    await run_in_threadpool(alert_service.change_alert_status, rt, alert_id, status)
    return {"id": alert_id, "status": status}
