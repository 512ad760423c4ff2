"""Customer paths on an engine, with window functions (nothing per customer leaves it).

* Common paths: each customer's interactions in time order (``lag`` drops a repeat of the
  previous touch-point/stage, ``row_number`` numbers the steps), the first N steps pivoted
  into columns, then counted per distinct path; ``rank`` keeps the top N with their ties,
  and a sum over every path counts the customers with a path, in the same query. A query
  with no time window and no dimension filter counts the first steps the mirror keeps per
  customer (``customer_paths``, ``cxm.store.mirror_customers``) instead: the same definition,
  without ordering the interactions again.
* Transitions: each customer's first arrival at every stage (one row per customer, from
  :mod:`cxm.analytics.journey_reach`); stage i → i+1 converts when
  the customer reached i+1 no earlier than i. Median and p90 of the time between them are
  exact: ``row_number`` over the sorted durations picks the two order statistics around
  each quantile, interpolated here (numpy's default "linear" definition)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.journey_reach import window_filters
from cxm.domain.journeys import (
    CUSTOMER_PATHS,
    JourneyQuery,
    PathCount,
    PathQuery,
    PathReport,
    Transition,
)

QUANTILES = (0.5, 0.9)


def _filtered(interactions: ir.Table, query: JourneyQuery) -> ir.Table:
    t = interactions
    return t.filter(t.customer_id.notnull(), *window_filters(t, "occurred_at", query))


def path_expression(interactions: ir.Table, query: PathQuery) -> ir.Table:
    """Distinct paths (columns s1…sN, null past the end) with their customer counts, a
    rank (1 = most frequent) and ``total``, the customers with any path; ranks ≤ ``top``
    only.

    The windows sort every interaction; they carry a small integer per distinct step
    (numbered in a first, tiny aggregation and joined in) instead of the text, which makes
    the sorts and the per-customer aggregation cheaper, and the top paths are turned back
    into text at the end."""
    t = _filtered(interactions, query.journey)
    level = t[query.level]
    t = t.filter(level.notnull())
    names = t.select(name=level).distinct()
    names = names.mutate(code=ibis.row_number().over(ibis.window(order_by=names.name)))
    coded = t.join(names, level == names.name)
    t = coded.select(cid=coded.customer_id, at=coded.occurred_at, iid=coded.id, step=coded.code)
    t = t.mutate(previous=t.step.lag().over(ordered_window(t)))
    t = t.filter(t.previous.isnull() | (t.previous != t.step))
    t = t.mutate(position=ibis.row_number().over(ordered_window(t)))
    t = t.filter(t.position < query.steps)
    columns = {
        f"c{i + 1}": (t.position == i).ifelse(t.step, ibis.null("int64")).max()
        for i in range(query.steps)
    }
    per_customer = t.group_by(t.cid).aggregate(**columns)
    ranked = _top(per_customer, list(columns), query.top)
    for i in range(1, query.steps + 1):
        label = names.select(**{f"k{i}": names.code, f"s{i}": names.name})
        ranked = ranked.left_join(label, ranked[f"c{i}"] == label[f"k{i}"])
    steps = (f"s{i}" for i in range(1, query.steps + 1))
    return ranked.select(*steps, "customers", "place", "total")


def kept_path_expression(paths: ir.Table, query: PathQuery) -> ir.Table:
    """:func:`path_expression` of a query with no time window and no dimension filter, from
    the first steps the mirror keeps per customer, level and journey."""
    journey = query.journey.journey
    t = paths.filter(
        paths.level == query.level,
        paths.journey.isnull() if journey is None else paths.journey == journey,
    )
    steps = [f"s{i}" for i in range(1, query.steps + 1)]
    return _top(t, steps, query.top).select(*steps, "customers", "place", "total")


def _top(per_customer: ir.Table, steps: list[str], top: int) -> ir.Table:
    """Customers per distinct path (``steps`` columns), ranked, with the total of customers;
    the ``top`` ranks with their ties."""
    counted = per_customer.group_by(steps).aggregate(customers=per_customer.count().cast("int64"))
    ranked = counted.mutate(
        place=ibis.rank().over(ibis.window(order_by=ibis.desc(counted.customers))),
        total=counted.customers.sum().over(ibis.window()).cast("int64"),
    )
    return ranked.filter(ranked.place < top)


def ordered_window(t: ir.Table) -> Any:
    """Each customer's steps in time order (the interaction id breaks ties)."""
    return ibis.window(group_by=t.cid, order_by=[t.at, t.iid])


def paths_expression(engine: Engine, query: PathQuery) -> ir.Table:
    """A path query on an engine: from the kept first steps when the mirror has them and the
    query has no time window and no dimension filter, else from the interactions."""
    if CUSTOMER_PATHS in engine.mirrored and query.journey.journey_only:
        return kept_path_expression(engine.table(CUSTOMER_PATHS), query)
    return path_expression(engine.table("interactions"), query)


def compute_paths(engine: Engine, query: PathQuery) -> PathReport:
    with engine.lock:
        rows = paths_expression(engine, query).to_pyarrow().to_pylist()
    customers = int(rows[0]["total"]) if rows else 0
    paths = [
        PathCount(
            steps=tuple(s for i in range(query.steps) if (s := r[f"s{i + 1}"]) is not None),
            customers=int(r["customers"]),
            share=int(r["customers"]) / customers,
        )
        for r in rows
    ]
    paths.sort(key=lambda p: (-p.customers, p.steps))
    return PathReport(query=query, customers=customers, paths=tuple(paths))


def compute_transitions(
    summary: ir.Table, stages: Sequence[str], reached: Sequence[int]
) -> tuple[Transition, ...]:
    """Stage-to-stage conversion, drop-off and time between stages, in journey order, from
    the per-customer first arrivals of :func:`cxm.analytics.journey_reach.customer_summary`
    (``reached[i]``: the customers who reached ``stages[i]``)."""
    if len(stages) < 2:
        return ()
    parts = []
    for i in range(len(stages) - 1):
        a, b = summary[f"f{i}"], summary[f"f{i + 1}"]
        pair = summary.filter(a.notnull(), b.notnull(), b >= a)
        parts.append(
            pair.select(pair=ibis.literal(i, "int64"), sec=b.cast("int64") - a.cast("int64"))
        )
    durations = ibis.union(*parts) if len(parts) > 1 else parts[0]
    by_pair = ibis.window(group_by=durations.pair, order_by=durations.sec)
    d = durations.mutate(
        rn=ibis.row_number().over(by_pair).cast("int64"),
        cnt=durations.sec.count().over(ibis.window(group_by=durations.pair)).cast("int64"),
    )
    wanted = ibis.literal(False)
    for q in QUANTILES:
        pos = (d.cnt - 1).cast("float64") * q
        wanted = wanted | (d.rn == pos.floor().cast("int64")) | (d.rn == pos.ceil().cast("int64"))
    picked = d.filter(wanted).select(n=d.cnt, pair="pair", rn="rn", sec="sec")
    order_stats: dict[int, dict[int, int]] = {}
    sizes: dict[int, int] = {}
    for r in picked.to_pyarrow().to_pylist():
        order_stats.setdefault(int(r["pair"]), {})[int(r["rn"])] = int(r["sec"])
        sizes[int(r["pair"])] = int(r["n"])
    out = []
    for i in range(len(stages) - 1):
        quantiles = [_quantile(order_stats.get(i, {}), sizes.get(i, 0), q) for q in QUANTILES]
        out.append(
            Transition(
                source=stages[i],
                target=stages[i + 1],
                reached=reached[i],
                converted=sizes.get(i, 0),
                median_seconds=quantiles[0],
                p90_seconds=quantiles[1],
            )
        )
    return tuple(out)


def _quantile(stats: dict[int, int], count: int, q: float) -> float | None:
    if count == 0:
        return None
    pos = (count - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    a, b = stats[lo], stats[hi]
    return a + (b - a) * (pos - lo)
