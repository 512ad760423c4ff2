"""Cells of exact sufficient statistics for the significance, change, trend and
word-of-mouth analyses: the aggregation of :func:`cxm.analytics.metrics.metric_expression`
returned as (keys, :class:`~cxm.domain.metrics.CellStats`) instead of finished values, so
the tests in :mod:`cxm.domain.significance` and :mod:`cxm.domain.changes` get integers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cxm.analytics.engine import Engine
from cxm.analytics.metrics import TIME_COLUMN, cells_expression
from cxm.domain.metrics import CellStats, MetricQuery

Cell = tuple[dict[str, Any], CellStats]
_FIELDS = tuple(CellStats.__dataclass_fields__)


def compute_cells(engine: Engine, query: MetricQuery) -> list[Cell]:
    """One (keys, statistics) per non-empty cell, sorted by the keys (None last)."""
    if any(len(values) == 0 for values in query.where.values()):
        return []
    with engine.lock:
        records = cells_expression(engine, query).to_pyarrow().to_pylist()
    names = (*query.by, *((query.grain,) if query.grain else ()))
    cells: list[Cell] = []
    for record in records:
        stats = CellStats(**{f: int(record.get(f) or 0) for f in _FIELDS})
        if stats.n:
            cells.append(({k: _key(record[k]) for k in names}, stats))
    cells.sort(key=lambda c: tuple((c[0][k] is None, str(c[0][k])) for k in names))
    return cells


def compute_total(engine: Engine, query: MetricQuery) -> CellStats:
    """The statistics of everything the query's filters keep (its breakdown ignored)."""
    from dataclasses import replace

    cells = compute_cells(engine, replace(query, by=(), grain=None))
    return cells[0][1] if cells else CellStats()


def data_range(engine: Engine) -> tuple[date, date] | None:
    """First and last day with a response (None when there are none)."""
    with engine.lock:
        t = engine.table("responses")
        row = t.aggregate(lo=t[TIME_COLUMN].min(), hi=t[TIME_COLUMN].max()).to_pyarrow().to_pylist()
    lo, hi = row[0]["lo"], row[0]["hi"]
    if lo is None or hi is None:
        return None
    return _day(lo), _day(hi)


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _key(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    return value if value is None or isinstance(value, date) else str(value)
