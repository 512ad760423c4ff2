"""API: core metrics (NPS, CSAT, CES with intervals), cut by dimensions and time."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import GRAINS, METRICS, Metric, MetricQuery
from cxm.services import reports
from cxm.web.api.filters import parse_where
from cxm.web.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["metrics"])

ROW_SHAPE = """Rows as in `cxm report --format json`. One metric: `{<dim>: key, <grain>:
"YYYY-MM-DD", "n", "<metric>", "margin", "low", "high"}` (CSAT adds `top2`, `top2_low`,
`top2_high`), or `{…, "n", "insufficient": true}`. Several metrics: `"n"` counts every
response in the cell and each metric `m` has `m_n` and `m`, `m_margin`, `m_low`, `m_high`
(CSAT also `csat_top2`, `csat_top2_low`, `csat_top2_high`) or `m_insufficient: true`.
A manager's or agent's answer covers only their department."""


@router.get("/metrics", summary="NPS, CSAT and CES with 95 % intervals", description=ROW_SHAPE)
async def get_metrics(
    rt: RuntimeDep,
    principal: PrincipalDep,
    metric: list[str] = Query(
        default=["all"], description="nps, csat, ces or all; repeatable (default all)"
    ),
    by: list[str] = Query(default=[], description="Dimension to break down by (up to 3)"),
    grain: str | None = Query(default=None, description="day, week, month or quarter"),
    since: date | None = Query(default=None, description="First day, inclusive"),
    until: date | None = Query(default=None, description="Last day, inclusive"),
    where: list[str] = Query(default=[], description="Filter `dim:value`; repeatable"),
    min_n: int | None = Query(default=None, description="Minimum responses per value"),
) -> dict[str, Any]:
    query = _query(metric, by, grain, since, until, where, min_n)
    report = await run_in_threadpool(reports.metric_report, rt, query, principal)
    min_responses = query.min_n if query.min_n is not None else rt.settings.min_responses
    return {
        "metrics": list(query.metrics),
        "by": list(query.by),
        "grain": query.grain,
        "since": query.since,
        "until": query.until,
        "where": {k: list(v) for k, v in report.query.where.items()},
        "min_n": min_responses,
        "rows": reports.report_rows(report),
        "total": reports.report_rows(report, total=True)[0],
    }


def _query(
    metric: list[str],
    by: list[str],
    grain: str | None,
    since: date | None,
    until: date | None,
    where: list[str],
    min_n: int | None,
) -> MetricQuery:
    metrics: list[Metric] = []
    for item in (m.strip() for value in metric for m in value.split(",")):
        if item == "all":
            metrics.extend(METRICS)
        elif item in METRICS:
            metrics.append(item)
        else:
            raise ValidationFailed(f"unknown metric '{item}' (nps, csat, ces, all)", field="metric")
    if grain is not None and grain not in GRAINS:
        raise ValidationFailed(f"unknown grain '{grain}' ({', '.join(GRAINS)})", field="grain")
    filters = parse_where(where)
    query = MetricQuery(
        metrics=tuple(dict.fromkeys(metrics)),
        by=tuple(by),
        grain=grain,
        since=since,
        until=until,
        where=filters,
        min_n=min_n,
    )
    reports.validate_query(query)
    return query
