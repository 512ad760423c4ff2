"""The dashboard's first page as one use case: headline tiles, the monthly trend and the
touch-points that help and hurt most, all under the same filters and access scope.

Numbers come from :func:`cxm.services.reports.metric_report` (the one place metrics are
computed); this module only asks the three questions and orders the answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from cxm.domain.access import Principal
from cxm.domain.dimensions import DIMENSIONS
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import (
    METRICS,
    Grain,
    Metric,
    MetricQuery,
    MetricReport,
    MetricRow,
    MetricValue,
)
from cxm.services import reports
from cxm.services.runtime import Runtime

RANKED = 5
#: The filter bar's dimensions (every dashboard page with filters), in the order shown.
FILTER_DIMENSIONS: tuple[str, ...] = (
    "journey",
    "stage",
    "touchpoint",
    "channel",
    "product",
    "segment",
    "lifecycle_stage",
    "department",
    "process",
    "transaction_type",
    "source",
    "language",
)


@dataclass(frozen=True)
class Filters:
    """Date range and dimension filters, as kept in a page's query string."""

    since: date | None = None
    until: date | None = None
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValidationFailed("the start date is after the end date", field="since")
        for dimension in self.where:
            if dimension not in DIMENSIONS:
                raise ValidationFailed(f"unknown dimension '{dimension}'", field=dimension)

    def query(self, **changes: object) -> MetricQuery:
        base = MetricQuery(since=self.since, until=self.until, where=dict(self.where))
        return replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TrendPoint:
    period: date
    n: int
    values: Mapping[Metric, MetricValue]


@dataclass(frozen=True)
class RankedTouchpoint:
    key: str
    n: int
    nps: MetricValue


@dataclass(frozen=True)
class Overview:
    filters: Filters
    min_n: int
    n: int
    tiles: Mapping[Metric, MetricValue]
    trend: tuple[TrendPoint, ...]
    best: tuple[RankedTouchpoint, ...]
    worst: tuple[RankedTouchpoint, ...]
    touchpoints_ranked: int


def _report(rt: Runtime, query: MetricQuery, principal: Principal | None) -> MetricReport:
    return reports.metric_report(rt, query, principal)


def period_of(row: MetricRow) -> date | None:
    """The time bucket of a trend row (the one key holding a date)."""
    for value in row.keys.values():
        if isinstance(value, date):
            return value
    return None


def rank_touchpoints(
    rows: tuple[MetricRow, ...], count: int = RANKED
) -> tuple[tuple[RankedTouchpoint, ...], tuple[RankedTouchpoint, ...], int]:
    """The best and worst touch-points by NPS among those with sufficient data."""
    ranked = [
        RankedTouchpoint(key=str(row.keys.get("touchpoint")), n=row.n, nps=row.values["nps"])
        for row in rows
        if "nps" in row.values
        and not row.values["nps"].insufficient
        and row.values["nps"].value is not None
        and row.keys.get("touchpoint") is not None
    ]
    ranked.sort(key=lambda r: (-(r.nps.value or 0.0), r.key))
    # With fewer than 2 × count touch-points the lists split them rather than overlap.
    best_count = min(count, (len(ranked) + 1) // 2)
    worst_count = min(count, len(ranked) - best_count)
    best = tuple(ranked[:best_count])
    worst = tuple(reversed(ranked[len(ranked) - worst_count :]))
    return best, worst, len(ranked)


def build_overview(rt: Runtime, filters: Filters, principal: Principal | None) -> Overview:
    """Tiles, monthly trend and touch-point ranking for ``filters`` within the principal's
    department scope."""
    total = _report(rt, filters.query(metrics=METRICS), principal)
    trend = _report(rt, filters.query(metrics=METRICS, grain="month"), principal)
    by_touchpoint = _report(rt, filters.query(metrics=("nps",), by=("touchpoint",)), principal)
    points = []
    for row in trend.rows:
        period = period_of(row)
        if period is not None:
            points.append(TrendPoint(period=period, n=row.n, values=dict(row.values)))
    points.sort(key=lambda p: p.period)
    best, worst, ranked = rank_touchpoints(by_touchpoint.rows)
    return Overview(
        filters=filters,
        min_n=rt.settings.min_responses,
        n=total.total.n,
        tiles=dict(total.total.values),
        trend=tuple(points),
        best=best,
        worst=worst,
        touchpoints_ranked=ranked,
    )


def breakdown_report(
    rt: Runtime,
    filters: Filters,
    by: tuple[str, ...],
    grain: Grain | None,
    principal: Principal | None,
    min_n: int | None = None,
) -> MetricReport:
    """All three metrics broken down by ``by`` (and ``grain``) under ``filters``; values from
    fewer than ``min_n`` responses (None: the configured minimum) are insufficient."""
    query = filters.query(metrics=METRICS, by=by, grain=grain, min_n=min_n)
    return _report(rt, query, principal)
