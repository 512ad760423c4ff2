"""Change-points over time: for every value of a dimension (touch-points by default), the
day that splits its daily series best, Bonferroni-adjusted over the candidate days and then
Benjamini–Hochberg-controlled over the values; and control charts of metric series."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from cxm.analytics.cells import compute_cells
from cxm.domain.access import Principal
from cxm.domain.changes import ChangePoint, ControlPoint, control_chart, find_change_point
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import CellStats, Grain, MetricQuery
from cxm.domain.significance import ALPHA, TestedMetric, adjust_bh
from cxm.services.analysis.common import check_dimension, prepared
from cxm.services.analysis.significance import check_metric
from cxm.services.runtime import Runtime

CHART_GRAINS: tuple[Grain, ...] = ("week", "month")


@dataclass(frozen=True)
class ChangePointRow:
    key: str | None
    change: ChangePoint | None
    q_value: float | None
    significant: bool


@dataclass(frozen=True)
class ChangePoints:
    dimension: str
    metric: TestedMetric
    alpha: float
    rows: tuple[ChangePointRow, ...]

    @property
    def significant(self) -> tuple[ChangePointRow, ...]:
        return tuple(r for r in self.rows if r.significant)


def _series(
    rt: Runtime,
    dimension: str,
    grain: Grain,
    base: MetricQuery | None,
    principal: Principal | None,
) -> tuple[dict[str | None, tuple[list[date], list[CellStats]]], int]:
    query, engine, min_n = prepared(rt, base, principal)
    cells = compute_cells(engine, replace(query, by=(dimension,), grain=grain))
    series: dict[str | None, tuple[list[date], list[CellStats]]] = defaultdict(lambda: ([], []))
    for keys, stats in cells:
        periods, values = series[keys[dimension]]
        periods.append(keys[grain])
        values.append(stats)
    return dict(series), min_n


def find_change_points(
    rt: Runtime,
    *,
    dimension: str = "touchpoint",
    metric: str = "nps",
    base: MetricQuery | None = None,
    principal: Principal | None = None,
    min_days: int = 14,
    alpha: float = ALPHA,
) -> ChangePoints:
    """The best split date of every value's daily series, significance controlled twice:
    over candidate days (Bonferroni) and over values (BH)."""
    check_dimension(dimension)
    tested = check_metric(metric)
    series, min_n = _series(rt, dimension, "day", base, principal)
    found = [
        (key, find_change_point(days, stats, tested, min_days=min_days, min_n=min_n))
        for key, (days, stats) in series.items()
    ]
    q_values = adjust_bh([c.p_adjusted if c else None for _, c in found])
    rows = [
        ChangePointRow(key, change, q, q is not None and q < alpha)
        for (key, change), q in zip(found, q_values, strict=True)
    ]
    rows.sort(key=lambda r: (not r.significant, r.q_value if r.q_value is not None else 2.0))
    return ChangePoints(dimension, tested, alpha, tuple(rows))


@dataclass(frozen=True)
class ControlSeries:
    key: str | None
    points: tuple[ControlPoint, ...]

    @property
    def breaches(self) -> tuple[ControlPoint, ...]:
        return tuple(p for p in self.points if p.below)


def control_charts(
    rt: Runtime,
    *,
    dimension: str = "touchpoint",
    metric: str = "nps",
    grain: str = "month",
    base: MetricQuery | None = None,
    principal: Principal | None = None,
) -> list[ControlSeries]:
    """A control chart per value of ``dimension`` (limits from each period's sampling error
    around the pooled value of the periods before it)."""
    check_dimension(dimension)
    tested = check_metric(metric)
    chosen = next((g for g in CHART_GRAINS if g == grain), None)
    if chosen is None:
        raise ValidationFailed(f"grain must be one of {', '.join(CHART_GRAINS)}", field="grain")
    series, min_n = _series(rt, dimension, chosen, base, principal)
    return [
        ControlSeries(key, tuple(control_chart(periods, stats, tested, min_n=min_n)))
        for key, (periods, stats) in sorted(series.items(), key=lambda i: (i[0] is None, str(i[0])))
    ]
