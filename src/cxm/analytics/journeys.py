"""Journey maps on an engine: per touch-point and stage the interaction volume, distinct
customers, NPS/CSAT/CES of the responses there (exact integer statistics, from the mirror's
rollups when the query filters by journey levels only, finished in ``cxm.domain.metrics``),
and the emotion curve from the comment analyses joined to the responses (mean sentiment score
and emotion intensities). Without analysed comments the curve is a valence from the scores,
(CSAT − 3) / 2, and says so (``source="score"``). Interactions per touch-point come from the
mirror's interaction rollups under the same condition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.journey_reach import (
    customer_summary,
    reach_expression,
    reach_source,
    window_filters,
)
from cxm.analytics.metrics import cells_expression, filtered_by
from cxm.analytics.paths import compute_transitions
from cxm.domain.journeys import Emotion, JourneyMap, JourneyQuery, MapCell
from cxm.domain.metrics import (
    INTERACTION_ROLLUPS,
    JOURNEY_LEVELS,
    CellStats,
    MetricQuery,
    finish_row,
)
from cxm.domain.text_metrics import EMOTIONS

Layout = Sequence[tuple[str, str, str]]  # (journey, stage, touch-point) in journey order
_KEYS = JOURNEY_LEVELS
_STAT_FIELDS = tuple(CellStats.__dataclass_fields__)


def interaction_counts(engine: Engine, query: JourneyQuery) -> ir.Table:
    """Interactions per (journey, stage, touch-point): summed from the mirror's daily
    rollups when the query filters by journey levels only, else counted."""
    rolled_up = INTERACTION_ROLLUPS in engine.mirrored and set(query.where) <= set(_KEYS)
    t = engine.table(INTERACTION_ROLLUPS if rolled_up else "interactions")
    t = filtered_by(t, window_filters(t, "occurred_at", query))
    count = t.interactions.sum() if rolled_up else t.count()
    return t.group_by(*_KEYS).aggregate(interactions=count.cast("int64"))


def emotion_expression(responses: ir.Table, analyses: ir.Table, query: JourneyQuery) -> ir.Table:
    """Sums of the sentiment score and emotion intensities per touch-point."""
    r = filtered_by(responses, window_filters(responses, "responded_at", query))
    r = r.select(rid=r.id, journey=r.journey, stage=r.stage, touchpoint=r.touchpoint)
    j = r.join(analyses, r.rid == analyses.response_id)
    aggs: dict[str, ir.Scalar] = {
        "n": j.count().cast("int64"),
        "score": j.sentiment_score.cast("float64").sum(),
    }
    for name in EMOTIONS:
        aggs[name] = j[name].cast("float64").sum()
    return j.group_by(list(_KEYS)).aggregate(**aggs)


def compute_journey_map(
    engine: Engine, query: JourneyQuery, layout: Layout, *, min_n: int
) -> JourneyMap:
    """The map of the touch-points in ``layout`` (unknown ones are left out)."""
    if query.journey is not None:
        layout = [row for row in layout if row[0] == query.journey]
    metric_query = MetricQuery(
        by=_KEYS,
        since=query.since,
        until=query.until,
        where={**query.where, **({"journey": (query.journey,)} if query.journey else {})},
    )
    stage_order = list(dict.fromkeys((journey, stage) for journey, stage, _ in layout))
    stages = [stage for _, stage in stage_order]
    with engine.lock:
        counts = _rows(interaction_counts(engine, query))
        stats = _rows(cells_expression(engine, metric_query))
        feelings = _rows(
            emotion_expression(engine.table("responses"), engine.table("comment_analyses"), query)
        )
        summary = engine.cache(customer_summary(reach_source(engine, query), query, layout, stages))
        try:
            reach = _rows(reach_expression(summary, len(layout), len(stages)))[0]
            reached = [int(reach[f"s{i}"] or 0) for i in range(len(stages))]
            transitions = compute_transitions(summary, stages, reached)
        finally:
            summary.release()
    by_tp_interactions = {_key(r, 3): int(r["interactions"] or 0) for r in counts}
    by_tp_customers = {key: int(reach[f"t{j}"] or 0) for j, key in enumerate(layout)}
    by_stage_customers = dict(zip(stage_order, reached, strict=True))
    by_tp_stats = {
        _key(r, 3): CellStats(**{f: int(r.get(f) or 0) for f in _STAT_FIELDS}) for r in stats
    }
    by_tp_feel = {_key(r, 3): r for r in feelings}
    source = "comments" if any(int(r["n"] or 0) for r in feelings) else "score"

    touchpoints = [
        _cell(
            key,
            by_tp_interactions.get(key, 0),
            by_tp_customers[key],
            by_tp_stats.get(key, CellStats()),
            [by_tp_feel[key]] if key in by_tp_feel else [],
            source,
            min_n,
        )
        for key in layout
    ]
    stage_cells: list[MapCell] = []
    for journey, stage in stage_order:
        total = CellStats()
        for k, stats_of_tp in by_tp_stats.items():
            if k[:2] == (journey, stage):
                total = total + stats_of_tp
        interactions = sum(n for k, n in by_tp_interactions.items() if k[:2] == (journey, stage))
        feel = [v for k, v in by_tp_feel.items() if k[:2] == (journey, stage)]
        stage_cells.append(
            _cell(
                (journey, stage, None),
                interactions,
                by_stage_customers[(journey, stage)],
                total,
                feel,
                source,
                min_n,
            )
        )
    return JourneyMap(
        query=query,
        emotion_source=source,  # type: ignore[arg-type]
        stages=tuple(stage_cells),
        touchpoints=tuple(touchpoints),
        transitions=transitions,
    )


def _cell(
    key: tuple[str, str, str | None],
    interactions: int,
    customers: int,
    stats: CellStats,
    feelings: list[dict[str, Any]],
    source: str,
    min_n: int,
) -> MapCell:
    row = finish_row({}, stats, ("nps", "csat", "ces"), min_n)
    if source == "comments":
        n = sum(int(f["n"] or 0) for f in feelings)
        valence = sum(float(f["score"] or 0.0) for f in feelings) / n if n else None
        intensities = (
            {e: sum(float(f[e] or 0.0) for f in feelings) / n for e in EMOTIONS} if n else {}
        )
        emotion = Emotion("comments", n, valence, intensities)
    else:
        valence = (stats.csat_sum / stats.csat_n - 3) / 2 if stats.csat_n else None
        emotion = Emotion("score", stats.csat_n, valence, {})
    return MapCell(
        journey=key[0],
        stage=key[1],
        touchpoint=key[2],
        interactions=interactions,
        customers=customers,
        responses=stats.n,
        nps=row.values["nps"],
        csat=row.values["csat"],
        ces=row.values["ces"],
        emotion=emotion,
    )


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows


def _key(row: dict[str, Any], width: int) -> tuple[Any, ...]:
    return tuple(row[k] for k in _KEYS[:width])
