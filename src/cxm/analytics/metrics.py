"""Core metrics (NPS, CSAT, CES, counts) as one Ibis aggregation over the responses.

A :class:`~cxm.domain.metrics.MetricQuery` becomes one expression that groups by the asked
dimensions and time grain and computes only exact integer sufficient statistics per cell
(counts, sums, sums of squares). Everything else — values, margins, intervals, the total
row, the insufficient marking — is finished in pure Python (``cxm.domain.metrics``), so
every engine yields the same numbers. Portability: booleans become numbers through
``ifelse(1, 0)``, every aggregate is cast to int64 (PostgreSQL sums bigints as numeric)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.domain.dimensions import DAY_COLUMNS
from cxm.domain.metrics import (
    JOURNEY_LEVELS,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
    RESPONSE_ROLLUPS,
    ROLLUP_DIMENSIONS,
    TOP2_MIN,
    CellStats,
    MetricQuery,
    MetricReport,
    finish_row,
)
from cxm.domain.text_metrics import TextQuery

TIME_COLUMN = "responded_at"
_TRUNCATE_UNIT = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
_STAT_FIELDS = tuple(CellStats.__dataclass_fields__)


def day_of(t: ir.Table, time_column: str = TIME_COLUMN) -> ir.DateValue:
    """The calendar day of a time column: the day column the mirror keeps beside it where
    the table has one (cheap to read), else the time cast to a date (the same day)."""
    day = DAY_COLUMNS[time_column]
    if day in t.columns:
        return t[day]
    return t[time_column].cast("date")


def period_filters(
    t: ir.Table, time_column: str, since: date | None, until: date | None
) -> list[ir.BooleanValue]:
    """Whole days from ``since`` to ``until`` (either may be open) of a time column."""
    day = DAY_COLUMNS[time_column]
    out: list[ir.BooleanValue] = []
    if day in t.columns:
        if since is not None:
            out.append(t[day] >= since)
        if until is not None:
            out.append(t[day] <= until)
        return out
    if since is not None:
        out.append(t[time_column] >= datetime.combine(since, time()))
    if until is not None:
        out.append(t[time_column] < datetime.combine(until + timedelta(days=1), time()))
    return out


class WindowedQuery(Protocol):
    """What every analysis query has: a period of whole days and dimension filters."""

    @property
    def since(self) -> date | None: ...
    @property
    def until(self) -> date | None: ...
    @property
    def where(self) -> Mapping[str, tuple[str, ...]]: ...


def filtered_by(t: ir.Table, conditions: list[ir.BooleanValue]) -> ir.Table:
    """The rows of ``t`` that meet every condition (Ibis refuses a filter without one)."""
    return t.filter(*conditions) if conditions else t


def query_filters(
    t: ir.Table, query: WindowedQuery, time_column: str = TIME_COLUMN
) -> list[ir.BooleanValue]:
    """The conditions of a query's period (whole days from ``since`` to ``until``) and of
    its ``where``, on a table with the time column and the dimensions."""
    filters = period_filters(t, time_column, query.since, query.until)
    for dimension, values in sorted(query.where.items()):
        filters.append(t[dimension].isin(list(values)))
    return filters


def cell_groups(t: ir.Table, query: MetricQuery | TextQuery) -> dict[str, ir.Value]:
    """A query's cells: its breakdown dimensions and, with a grain, the period."""
    groups: dict[str, ir.Value] = {dim: t[dim] for dim in query.by}
    if query.grain == "day":
        groups["day"] = day_of(t)
    elif query.grain is not None:
        groups[query.grain] = day_of(t).truncate(_TRUNCATE_UNIT[query.grain]).cast("date")
    return groups


def metric_expression(responses: ir.Table, query: MetricQuery) -> ir.Table:
    """The one aggregation a query needs: a row per cell with the keys and the statistics.

    With a grain coarser than a day the rows are summed per day first and the days per
    period after: truncating every row's timestamp to its month or week costs more than
    the whole aggregation otherwise (measured on DuckDB, ``bench/README.md``), while the
    cast to a date is cheap, and truncating the day gives the same period as truncating
    the time. The statistics are integer counts and sums, so the two steps are exact."""
    t = filtered_by(responses, query_filters(responses, query))
    return _cells(t, query, _statistics(t, query))


def cells_expression(engine: Engine, query: MetricQuery) -> ir.Table:
    """A query's aggregation on an engine: summed from the mirror's daily rollups when they
    can answer it (:func:`rollup_rows`: the same integers from a few thousand rows a month),
    else from the responses."""
    r = rollup_rows(engine, {*query.by, *query.where})
    if r is None:
        return metric_expression(engine.table("responses"), query)
    r = filtered_by(r, query_filters(r, query))
    return _cells(r, query, {name: r[name].sum().cast("int64") for name in _stat_names(query)})


def rollup_rows(engine: Engine, dimensions: Iterable[str]) -> ir.Table | None:
    """The mirror's rollup rows that hold every response once with the values of
    ``dimensions`` in columns of those names (and ``source``, ``responded_on``), or None when
    the rollups cannot: they hold each dimension alone, besides the source, and the three
    journey levels together."""
    used = set(dimensions) - {"source"}
    if RESPONSE_ROLLUPS not in engine.mirrored:
        return None
    if len(used) <= 1:
        dimension = used.pop() if used else ROLLUP_DIMENSIONS[0]
    elif used <= set(JOURNEY_LEVELS):
        dimension = "touchpoint"
    else:
        return None
    r = engine.table(RESPONSE_ROLLUPS)
    return r.filter(r.dimension == dimension).mutate(**{dimension: r.value})


def _cells(t: ir.Table, query: MetricQuery, aggregates: dict[str, ir.Scalar]) -> ir.Table:
    if query.grain is None or query.grain == "day":
        groups = cell_groups(t, query)
        if groups:
            return t.group_by(**groups).aggregate(**aggregates)
        return t.aggregate(**aggregates)
    days = t.group_by(**{dim: t[dim] for dim in query.by}, _day=day_of(t)).aggregate(**aggregates)
    period = days._day.truncate(_TRUNCATE_UNIT[query.grain]).cast("date")
    return days.group_by(**{dim: days[dim] for dim in query.by}, **{query.grain: period}).aggregate(
        **{name: days[name].sum().cast("int64") for name in aggregates}
    )


_METRIC_STATS = {
    "nps": ("nps_n", "promoters", "detractors"),
    "csat": ("csat_n", "csat_sum", "csat_sumsq", "csat_top2"),
    "ces": ("ces_n", "ces_sum", "ces_sumsq"),
}


def _stat_names(query: MetricQuery) -> tuple[str, ...]:
    """The statistics a query's metrics need, as :func:`_statistics` names them."""
    return (
        "n",
        *(name for m, names in _METRIC_STATS.items() if m in query.metrics for name in names),
    )


def _statistics(t: ir.Table, query: MetricQuery) -> dict[str, ir.Scalar]:
    def count_if(cond: ir.BooleanValue) -> ir.IntegerScalar:
        return cond.ifelse(1, 0).sum().cast("int64")

    def total(col: ir.IntegerValue) -> ir.IntegerScalar:
        return col.sum().cast("int64")

    out: dict[str, ir.Scalar] = {"n": t.count().cast("int64")}
    if "nps" in query.metrics:
        nps = t.nps.cast("int64")
        out["nps_n"] = nps.count().cast("int64")
        out["promoters"] = count_if(nps >= NPS_PROMOTER_MIN)
        out["detractors"] = count_if(nps <= NPS_DETRACTOR_MAX)
    if "csat" in query.metrics:
        csat = t.csat.cast("int64")
        out["csat_n"] = csat.count().cast("int64")
        out["csat_sum"] = total(csat)
        out["csat_sumsq"] = total(csat * csat)
        out["csat_top2"] = count_if(csat >= TOP2_MIN)
    if "ces" in query.metrics:
        ces = t.ces.cast("int64")
        out["ces_n"] = ces.count().cast("int64")
        out["ces_sum"] = total(ces)
        out["ces_sumsq"] = total(ces * ces)
    return out


def compute_metric_report(engine: Engine, query: MetricQuery, *, min_n: int) -> MetricReport:
    """Run a metric query on an engine (validated query; ``min_n`` ≥ 1) → a report."""
    key_names = (*query.by, *((query.grain,) if query.grain else ()))
    if any(len(values) == 0 for values in query.where.values()):
        records: list[dict[str, Any]] = []  # an empty filter matches nothing
    else:
        with engine.lock:
            records = cells_expression(engine, query).to_pyarrow().to_pylist()
    cells: list[tuple[dict[str, str | date | None], CellStats]] = []
    for record in records:
        stats = CellStats(**{f: int(record.get(f) or 0) for f in _STAT_FIELDS})
        if stats.n == 0:
            continue  # an aggregate over nothing (no rows matched)
        cells.append(({k: cell_key(record[k]) for k in key_names}, stats))
    cells.sort(key=lambda cell: tuple(cell_order(cell[0][k]) for k in key_names))
    total = CellStats()
    for _, stats in cells:
        total = total + stats
    rows = tuple(finish_row(keys, stats, query.metrics, min_n) for keys, stats in cells)
    return MetricReport(query=query, rows=rows, total=finish_row({}, total, query.metrics, min_n))


def cell_key(value: Any) -> str | date | None:
    """A cell's key as reports carry it: a day for a period, text for a dimension value."""
    if isinstance(value, datetime):
        return value.date()
    return value if value is None or isinstance(value, date) else str(value)


def cell_order(value: str | date | None) -> tuple[bool, str]:
    """Cells in key order, the missing value last."""
    return (value is None, "" if value is None else str(value))


def compile_sql(engine: Engine, query: MetricQuery) -> str:
    """The SQL a query compiles to on an engine (for snapshots and ``--explain``)."""
    with engine.lock:
        return str(ibis.to_sql(cells_expression(engine, query)))
