"""Significance: A vs B (two periods, two values of any dimension, or a value vs the rest),
and scans of every value of a dimension with Benjamini–Hochberg control.

Tests: NPS — z test of the difference with each NPS's variance; CSAT top-2-box —
two-proportion z test; CSAT and CES means — Welch's t test (see
:mod:`cxm.domain.significance`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from cxm.analytics.cells import compute_cells, compute_total, data_range
from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import CellStats, MetricQuery
from cxm.domain.significance import (
    ALPHA,
    TESTED_METRICS,
    Comparison,
    Group,
    Scan,
    TestedMetric,
    compare_cells,
    scan_rows,
    subtract,
)
from cxm.services import reports
from cxm.services.analysis.common import check_dimension, prepared
from cxm.services.runtime import Runtime


def check_metric(metric: str) -> TestedMetric:
    for known in TESTED_METRICS:
        if metric == known:
            return known
    raise ValidationFailed(
        f"unknown metric '{metric}' (known: {', '.join(TESTED_METRICS)})", field="metric"
    )


def _group_query(base: MetricQuery, group: Group, principal: Principal | None) -> MetricQuery:
    for dimension in group.where:
        check_dimension(dimension, "where")
    query = replace(
        base,
        since=group.since or base.since,
        until=group.until or base.until,
        where={**base.where, **group.where},
    )
    if query.since and query.until and query.since > query.until:
        raise ValidationFailed(f"group '{group.label}': 'since' is after 'until'", field="since")
    return reports.scoped_query(query, principal)


def compare_groups(
    rt: Runtime,
    a: Group,
    b: Group | None = None,
    *,
    base: MetricQuery | None = None,
    principal: Principal | None = None,
    metrics: tuple[TestedMetric, ...] = TESTED_METRICS,
) -> Comparison:
    """Every metric of A against B (or against the rest of the base when B is None)."""
    base, engine, min_n = prepared(rt, base, principal)
    stats_a = compute_total(engine, _group_query(base, a, principal))
    if b is None:
        stats_b = subtract(compute_total(engine, base), stats_a)
    else:
        stats_b = compute_total(engine, _group_query(base, b, principal))
    differences = tuple(compare_cells(stats_a, stats_b, m, min_n=min_n) for m in metrics)
    return Comparison(a=a, b=b, differences=differences)


def scan_dimension(
    rt: Runtime,
    dimension: str,
    metric: str = "nps",
    *,
    base: MetricQuery | None = None,
    principal: Principal | None = None,
    alpha: float = ALPHA,
) -> Scan:
    """Each value of ``dimension`` against the rest, BH-controlled over all values."""
    check_dimension(dimension)
    tested = check_metric(metric)
    base, engine, min_n = prepared(rt, base, principal)
    cells = compute_cells(engine, replace(base, by=(dimension,), grain=None))
    total = CellStats()
    for _, stats in cells:
        total = total + stats
    tests = [
        (keys[dimension], compare_cells(stats, subtract(total, stats), tested, min_n=min_n))
        for keys, stats in cells
    ]
    return Scan(dimension, "value", "rest", alpha, scan_rows(tests, alpha))


def change_windows(
    rt: Runtime, at: date, days: int | None, base: MetricQuery | None = None
) -> tuple[Group, Group]:
    """(after, before): from ``at`` for ``days`` days (default: to the last response) and
    the same number of days just before ``at``."""
    if days is not None and days < 1:
        raise ValidationFailed("days must be at least 1", field="days")
    if days is None:
        _, engine, _ = prepared(rt, base, None)
        span = data_range(engine)
        last = span[1] if span else at
        if base is not None and base.until is not None:
            last = min(last, base.until)
        days = max(1, (last - at).days + 1)
    after = Group("after", since=at, until=at + timedelta(days=days - 1))
    before = Group("before", since=at - timedelta(days=days), until=at - timedelta(days=1))
    return after, before


def change_scan(
    rt: Runtime,
    at: date,
    *,
    days: int | None = None,
    dimension: str = "touchpoint",
    metrics: tuple[TestedMetric, ...] = TESTED_METRICS,
    base: MetricQuery | None = None,
    principal: Principal | None = None,
    alpha: float = ALPHA,
) -> Scan:
    """For every value of ``dimension``: the period after ``at`` against the same-length
    period before it, on every metric; BH over all (value, metric) tests."""
    check_dimension(dimension)
    after, before = change_windows(rt, at, days, base)
    base, engine, min_n = prepared(rt, base, principal)
    by = replace(base, by=(dimension,), grain=None)
    cells_after = {k[dimension]: s for k, s in compute_cells(engine, _window(by, after))}
    cells_before = {k[dimension]: s for k, s in compute_cells(engine, _window(by, before))}
    keys = sorted(set(cells_after) | set(cells_before), key=lambda k: (k is None, str(k)))
    tests = [
        (
            key,
            compare_cells(
                cells_after.get(key, CellStats()),
                cells_before.get(key, CellStats()),
                m,
                min_n=min_n,
            ),
        )
        for key in keys
        for m in metrics
    ]
    label_a = f"{after.since}..{after.until}"
    label_b = f"{before.since}..{before.until}"
    return Scan(dimension, label_a, label_b, alpha, scan_rows(tests, alpha))


def _window(query: MetricQuery, group: Group) -> MetricQuery:
    since = max(filter(None, (query.since, group.since)), default=None)
    until = min(filter(None, (query.until, group.until)), default=None)
    return replace(query, since=since, until=until)
