"""Journey maps on an engine: per touch-point and stage the interaction volume, distinct
customers, NPS/CSAT/CES of the responses there (exact integer statistics, finished in
``cxm.domain.metrics``), and the emotion curve from the comment analyses joined to the
responses (mean sentiment score and emotion intensities). Without analysed comments the
curve is a valence from the scores, (CSAT − 3) / 2, and says so (``source="score"``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.metrics import metric_expression, period_filters
from cxm.analytics.paths import compute_transitions
from cxm.domain.journeys import Emotion, JourneyMap, JourneyQuery, MapCell
from cxm.domain.metrics import CellStats, MetricQuery, finish_row
from cxm.domain.text_metrics import EMOTIONS

Layout = Sequence[tuple[str, str, str]]  # (journey, stage, touch-point) in journey order
_KEYS = ("journey", "stage", "touchpoint")
_STAT_FIELDS = tuple(CellStats.__dataclass_fields__)


def window_filters(t: ir.Table, column: str, query: JourneyQuery) -> list[ir.BooleanValue]:
    """Time window, journey and dimension filters of a journey query on one table."""
    out = period_filters(t, column, query.since, query.until)
    if query.journey is not None:
        out.append(t.journey == query.journey)
    for dimension, values in sorted(query.where.items()):
        out.append(t[dimension].isin(list(values)))
    return out


def volume_expression(interactions: ir.Table, query: JourneyQuery) -> ir.Table:
    """Interactions and distinct customers per touch-point (``level`` 3) and distinct
    customers per stage (``level`` 2, touch-point null, interactions 0) in one query: the
    interactions are counted once per (touch-point, customer), and both distinct counts
    come from that much smaller table instead of two distinct aggregations over every
    interaction."""
    t = interactions
    filters = window_filters(t, "occurred_at", query)
    if filters:
        t = t.filter(*filters)
    per = t.group_by(*_KEYS, cid=t.customer_id).aggregate(n=t.count())
    touchpoints = per.group_by(*_KEYS).aggregate(
        interactions=per.n.sum().cast("int64"), customers=per.cid.count().cast("int64")
    )
    seen = per.select("journey", "stage", "cid").distinct()
    stages = seen.group_by("journey", "stage").aggregate(
        interactions=ibis.literal(0, "int64"), customers=seen.cid.count().cast("int64")
    )
    return ibis.union(
        touchpoints.mutate(
            touchpoint=touchpoints.touchpoint.cast("string"), level=ibis.literal(3, "int64")
        ),
        stages.select(
            "journey",
            "stage",
            touchpoint=ibis.null("string"),
            interactions="interactions",
            customers="customers",
            level=ibis.literal(2, "int64"),
        ),
    )


def emotion_expression(responses: ir.Table, analyses: ir.Table, query: JourneyQuery) -> ir.Table:
    """Sums of the sentiment score and emotion intensities per touch-point."""
    r = responses
    filters = window_filters(r, "responded_at", query)
    if filters:
        r = r.filter(*filters)
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
    with engine.lock:
        volumes = _rows(volume_expression(engine.table("interactions"), query))
        stats = _rows(metric_expression(engine.table("responses"), metric_query))
        feelings = _rows(
            emotion_expression(engine.table("responses"), engine.table("comment_analyses"), query)
        )
    by_tp_volume = {_key(r, 3): r for r in volumes if r["level"] == 3}
    by_stage_volume = {_key(r, 2): r for r in volumes if r["level"] == 2}
    by_tp_stats = {
        _key(r, 3): CellStats(**{f: int(r.get(f) or 0) for f in _STAT_FIELDS}) for r in stats
    }
    by_tp_feel = {_key(r, 3): r for r in feelings}
    source = "comments" if any(int(r["n"] or 0) for r in feelings) else "score"

    touchpoints: list[MapCell] = []
    stages: list[MapCell] = []
    stage_order: list[tuple[str, str]] = []
    for journey, stage, tp in layout:
        if (journey, stage) not in stage_order:
            stage_order.append((journey, stage))
        key = (journey, stage, tp)
        vol = by_tp_volume.get(key, {})
        touchpoints.append(
            _cell(
                key,
                int(vol.get("interactions") or 0),
                int(vol.get("customers") or 0),
                by_tp_stats.get(key, CellStats()),
                [by_tp_feel[key]] if key in by_tp_feel else [],
                source,
                min_n,
            )
        )
    for journey, stage in stage_order:
        keys = [k for k in by_tp_stats if k[:2] == (journey, stage)]
        total = CellStats()
        for k in keys:
            total = total + by_tp_stats[k]
        vol = by_stage_volume.get((journey, stage), {})
        interactions = sum(
            int(v.get("interactions") or 0)
            for k, v in by_tp_volume.items()
            if k[:2] == (journey, stage)
        )
        feel = [v for k, v in by_tp_feel.items() if k[:2] == (journey, stage)]
        stages.append(
            _cell(
                (journey, stage, None),
                interactions,
                int(vol.get("customers") or 0),
                total,
                feel,
                source,
                min_n,
            )
        )
    transitions = compute_transitions(engine, replace(query), stage_order)
    return JourneyMap(
        query=query,
        emotion_source=source,  # type: ignore[arg-type]
        stages=tuple(stages),
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
