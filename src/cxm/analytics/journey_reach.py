"""Who reached which touch-point and stage, and when, from one pass over the interactions.

The interactions are grouped by customer once: each customer's row holds the touch-points of
the map they used, as bits of 62-bit words (``bit_or`` of each interaction's bit), and the
second of their first arrival at each stage. Each interaction's word, bit and stage
number come from joining the map's layout in as two small tables, so the aggregation compares
integers: testing every touch-point's three keys in every row cost more than the joins.
Customers per touch-point and per stage, and the durations between stages, are then read from
that table of one row per customer — not from aggregations with a group per (touch-point,
customer) or (stage, customer) pair, which cost several times more on tens of millions of
interactions (``bench/README.md``).

A stage is its key (stage keys are unique across the taxonomy); a touch-point of the map is
its (journey, stage, touch-point) as the interactions carry them.

The summary needs only each customer's first interaction at every touch-point: with no time
window and no dimension filter it reads them from the mirror's ``customer_firsts`` (one row
per customer and touch-point, ``cxm.store.mirror_customers``) instead of every interaction;
the minima and bits are the same."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.metrics import query_filters
from cxm.domain.journeys import CUSTOMER_FIRSTS, JourneyQuery

BITS = 62  # per signed 64-bit word, the sign bit left alone
#: First arrivals count seconds from 2000-01-01 UTC: 32 bits hold 1932 to 2068.
SECONDS_FROM = 946_684_800


def window_filters(t: ir.Table, column: str, query: JourneyQuery) -> list[ir.BooleanValue]:
    """Time window, journey and dimension filters of a journey query on one table."""
    out = query_filters(t, query, column)
    if query.journey is not None:
        out.append(t.journey == query.journey)
    return out


def reach_source(engine: Engine, query: JourneyQuery) -> ir.Table:
    """What :func:`customer_summary` reads for ``query``: the customers' first interactions
    per touch-point when the mirror keeps them and the query filters by journey only, else
    the interactions."""
    if CUSTOMER_FIRSTS in engine.mirrored and query.journey_only:
        return engine.table(CUSTOMER_FIRSTS)
    return engine.table("interactions")


@ibis.udf.agg.builtin
def bit_or(value: int) -> int:  # type: ignore[empty-body]
    """The bitwise OR of a group's values (DuckDB, PostgreSQL and Spark all call it so)."""


def customer_summary(
    interactions: ir.Table,
    query: JourneyQuery,
    touchpoints: Sequence[tuple[str, str, str]],
    stages: Sequence[str],
) -> ir.Table:
    """One row per customer: ``w0…`` (touch-point words) and ``f0…`` (first arrival at
    ``stages[i]`` in seconds from ``SECONDS_FROM``, null when never)."""
    t = interactions
    t = t.filter(t.customer_id.notnull(), *window_filters(t, "occurred_at", query))
    places = ibis.memtable(
        {
            "p_journey": [journey for journey, _, _ in touchpoints],
            "p_stage": [stage for _, stage, _ in touchpoints],
            "p_touchpoint": [tp for _, _, tp in touchpoints],
            "p_word": [j // BITS for j in range(len(touchpoints))],
            "p_bit": [1 << (j % BITS) for j in range(len(touchpoints))],
        },
        schema={"p_word": "int64", "p_bit": "int64"}
        | {name: "string" for name in ("p_journey", "p_stage", "p_touchpoint")},
    )
    numbers = ibis.memtable(
        {"s_stage": list(stages), "s_index": list(range(len(stages)))},
        schema={"s_stage": "string", "s_index": "int64"},
    )
    t = t.left_join(
        places,
        [
            t.journey == places.p_journey,
            t.stage == places.p_stage,
            t.touchpoint == places.p_touchpoint,
        ],
    )
    t = t.left_join(numbers, t.stage == numbers.s_stage)
    # a column, computed once for the ten minima; 32 bits halve their state
    t = t.mutate(second=(t.occurred_at.epoch_seconds() - SECONDS_FROM).cast("int32"))
    aggregates: dict[str, ir.Scalar] = {}
    for word in range(word_count(len(touchpoints))):
        bits = (t.p_word == word).ifelse(t.p_bit, 0)
        aggregates[f"w{word}"] = bit_or(bits).cast("int64")
    for i in range(len(stages)):
        aggregates[f"f{i}"] = t.second.min(where=t.s_index == i)
    # customer ids are 32-bit in the store's schema; a narrower key groups faster
    return t.group_by(cid=t.customer_id.cast("int32")).aggregate(**aggregates)


def word_count(touchpoints: int) -> int:
    return (touchpoints + BITS - 1) // BITS


def reach_expression(summary: ir.Table, touchpoints: int, stages: int) -> ir.Table:
    """One row: ``t{j}`` customers who used touch-point j, ``s{i}`` who reached stage i."""
    counts: dict[str, ir.Scalar] = {"customers": summary.count().cast("int64")}
    for j in range(touchpoints):
        used = (summary[f"w{j // BITS}"] & (1 << (j % BITS))) != 0
        counts[f"t{j}"] = used.ifelse(1, 0).sum().cast("int64")
    for i in range(stages):
        counts[f"s{i}"] = summary[f"f{i}"].count().cast("int64")
    return summary.aggregate(**counts)
