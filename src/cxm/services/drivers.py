"""Key-driver analysis: validate, scope to the principal, run on the analytics engine and
shape the report for the CLI and API (``driver_report_dict``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cxm import analytics
from cxm.analytics.drivers import compute_driver_report, discover_answer_keys
from cxm.domain.access import Principal
from cxm.domain.dimensions import DIMENSIONS
from cxm.domain.drivers import MAX_DRIVERS, DriverQuery, DriverReport
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import MetricQuery
from cxm.services.mirror import ensure_fresh
from cxm.services.reports import scoped_query
from cxm.services.runtime import Runtime


def analytics_engine(rt: Runtime) -> analytics.Engine:
    """The configured engine, the mirror made fresh first when the engine reads it."""
    if rt.settings.engine in ("duckdb", "spark"):
        ensure_fresh(rt)
    return analytics.connect(rt.settings)


def key_drivers(
    rt: Runtime, query: DriverQuery, principal: Principal | None = None
) -> DriverReport:
    """LMG relative importance of the drivers of NPS or CSAT with bootstrap intervals.

    With no drivers given and ``source="answers"``, the numeric answer keys found in the
    responses are used (at most twelve)."""
    engine = analytics_engine(rt)
    if not query.drivers:
        if query.source != "answers":
            raise ValidationFailed("name the touch-points to compare", field="drivers")
        keys = discover_answer_keys(engine)[:MAX_DRIVERS]
        if len(keys) < 2:
            raise ValidationFailed(
                "the responses carry fewer than two numeric answers", field="drivers"
            )
        query = replace(query, drivers=tuple(sorted(keys)))
    query.validate()
    check_where(query.where)
    query = replace(query, where=scoped_where(query.where, principal))
    return compute_driver_report(engine, query)


def check_where(where: Mapping[str, tuple[str, ...]]) -> None:
    for dimension in where:
        if dimension not in DIMENSIONS:
            raise ValidationFailed(f"unknown dimension '{dimension}'", field="where")


def scoped_where(
    where: Mapping[str, tuple[str, ...]], principal: Principal | None
) -> Mapping[str, tuple[str, ...]]:
    """The filters restricted to the departments the principal may see."""
    return scoped_query(MetricQuery(where=where), principal).where


def driver_report_dict(report: DriverReport) -> dict[str, Any]:
    """The report as JSON (API, ``cxm journey drivers --format json``)."""
    q = report.query
    return {
        "outcome": q.outcome,
        "source": q.source,
        "n": report.n,
        "r2": report.r2,
        "r2_low": report.r2_low,
        "r2_high": report.r2_high,
        "outcome_mean": report.outcome_mean,
        "bootstrap": q.bootstrap,
        "seed": q.seed,
        "confidence": q.confidence,
        "drivers": [
            {
                "driver": d.driver,
                "rank": d.rank,
                "importance": d.importance,
                "low": d.low,
                "high": d.high,
                "share": d.share,
                "share_low": d.share_low,
                "share_high": d.share_high,
                "correlation": d.correlation,
                "mean": d.mean,
                "top_box": d.top_box,
            }
            for d in report.drivers
        ],
    }
