"""Service-standard measures as Ibis expressions: per scope value (touch-point, channel or
department) and month, or over one trailing window — mean CSAT and NPS from responses,
a handling-time percentile and the first-contact resolution share from interactions.

One query per (table, scope dimension) computes every measure of that table at once, so a
whole standards evaluation is a handful of scans however many standards there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis

from cxm.analytics.engine import Engine
from cxm.domain.loop_standards import FCR_CONTACTS, FCR_RESOLVED


@dataclass(frozen=True)
class MeasureQuery:
    """Measures of ``table`` (responses | interactions) by ``dimension`` between ``since``
    and ``until``; ``monthly`` adds the month; ``percentiles`` of handling time wanted."""

    table: str
    dimension: str
    since: datetime
    until: datetime
    monthly: bool = True
    percentiles: tuple[float, ...] = (0.9,)


def _f(expr: Any) -> Any:
    return expr.ifelse(1, 0).cast("float64")


def measure_expression(engine: Engine, query: MeasureQuery) -> ibis.Table:
    t = engine.table(query.table)
    time_column = "responded_at" if query.table == "responses" else "occurred_at"
    t = t.filter(
        t[time_column] >= ibis.literal(query.since),
        t[time_column] < ibis.literal(query.until),
        t[query.dimension].notnull(),
    )
    keys: dict[str, Any] = {"scope_value": t[query.dimension]}
    if query.monthly:
        keys["period"] = t[time_column].truncate("M").cast("date")
    if query.table == "responses":
        metrics = {
            "csat_n": t.csat.count(),
            "csat_mean": t.csat.cast("float64").mean(),
            "nps_n": t.nps.count(),
            "promoters": _f(t.nps >= 9).sum(),
            "detractors": _f(t.nps <= 6).sum(),
        }
    else:
        contact = t.outcome.isin(FCR_CONTACTS)
        metrics = {
            "time_n": t.duration_seconds.count(),
            "fcr_n": _f(contact).sum(),
            "fcr_resolved": _f(contact & t.outcome.isin(FCR_RESOLVED)).sum(),
        }
        for p in query.percentiles:
            metrics[f"p{round(p * 100)}"] = t.duration_seconds.quantile(p)
    return t.group_by(**keys).aggregate(**metrics)


def compute_measures(engine: Engine, query: MeasureQuery) -> list[dict[str, Any]]:
    expr = measure_expression(engine, query)
    with engine.lock:
        return list(expr.to_pyarrow().to_pylist())


def latest_time(engine: Engine, table: str) -> datetime | None:
    column = "responded_at" if table == "responses" else "occurred_at"
    t = engine.table(table)
    with engine.lock:
        value = t[column].max().to_pyarrow().as_py()
    return value if isinstance(value, datetime) else None
