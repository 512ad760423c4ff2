"""Journey analytics: journey maps with the emotion curve and stage transitions, common
paths and moments of truth — validated, scoped to the principal's departments, run on the
analytics engine, and shaped as JSON for the CLI and API (``*_dict``)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from cxm.analytics.journeys import compute_journey_map
from cxm.analytics.moments import compute_moments
from cxm.analytics.paths import compute_paths
from cxm.domain.access import Principal
from cxm.domain.dimensions import INTERACTION_DIMENSIONS
from cxm.domain.errors import ValidationFailed
from cxm.domain.journeys import (
    JourneyMap,
    JourneyQuery,
    MapCell,
    MomentQuery,
    MomentReport,
    PathQuery,
    PathReport,
)
from cxm.domain.metrics import MetricValue
from cxm.services.drivers import analytics_engine, check_where, scoped_where
from cxm.services.runtime import Runtime


def _prepare(rt: Runtime, query: JourneyQuery, principal: Principal | None) -> JourneyQuery:
    query.validate()
    if query.journey is not None and query.journey not in rt.taxonomy.keys("journey"):
        raise ValidationFailed(f"unknown journey '{query.journey}'", field="journey")
    check_where(query.where)
    for dimension in query.where:
        if dimension not in INTERACTION_DIMENSIONS:
            raise ValidationFailed(
                f"'{dimension}' describes responses, not interactions: journey analyses "
                f"filter by {', '.join(INTERACTION_DIMENSIONS)}",
                field="where",
            )
    return replace(query, where=scoped_where(query.where, principal))


def journey_map(rt: Runtime, query: JourneyQuery, principal: Principal | None = None) -> JourneyMap:
    """Stages and touch-points of the journey(s) with volume, metrics, emotion and the
    stage-to-stage conversion with time between stages."""
    query = _prepare(rt, query, principal)
    layout = [(j.key, s.key, t.key) for j, s, t in rt.taxonomy.touchpoints()]
    min_n = query.min_n if query.min_n is not None else rt.settings.min_responses
    return compute_journey_map(analytics_engine(rt), query, layout, min_n=min_n)


def common_paths(rt: Runtime, query: PathQuery, principal: Principal | None = None) -> PathReport:
    """The most common sequences of touch-points (or stages) of customers."""
    query.validate()
    query = replace(query, journey=_prepare(rt, query.journey, principal))
    return compute_paths(analytics_engine(rt), query)


def moments_of_truth(
    rt: Runtime, query: MomentQuery, principal: Principal | None = None
) -> MomentReport:
    """Touch-points where a bad experience most changes churn or relationship NPS."""
    query.validate()
    query = replace(query, journey=_prepare(rt, query.journey, principal))
    return compute_moments(analytics_engine(rt), query, rt.taxonomy.touchpoint_placement())


def _value(v: MetricValue) -> dict[str, Any]:
    out = {"n": v.n, "value": v.value, "low": v.low, "high": v.high}
    if v.insufficient:
        out["insufficient"] = True
    if v.metric == "csat":
        out["top2"] = v.top2
    return out


def _cell(c: MapCell) -> dict[str, Any]:
    return {
        "journey": c.journey,
        "stage": c.stage,
        **({"touchpoint": c.touchpoint} if c.touchpoint is not None else {}),
        "interactions": c.interactions,
        "customers": c.customers,
        "responses": c.responses,
        "nps": _value(c.nps),
        "csat": _value(c.csat),
        "ces": _value(c.ces),
        "emotion": {
            "source": c.emotion.source,
            "n": c.emotion.n,
            "valence": c.emotion.valence,
            **dict(c.emotion.intensities),
        },
    }


def journey_map_dict(m: JourneyMap) -> dict[str, Any]:
    return {
        "journey": m.query.journey,
        "emotion_source": m.emotion_source,
        "stages": [_cell(c) for c in m.stages],
        "touchpoints": [_cell(c) for c in m.touchpoints],
        "transitions": [
            {**asdict(t), "conversion": t.conversion, "drop_off": t.drop_off} for t in m.transitions
        ],
    }


def path_report_dict(r: PathReport) -> dict[str, Any]:
    return {
        "level": r.query.level,
        "steps": r.query.steps,
        "customers": r.customers,
        "paths": [
            {"steps": list(p.steps), "customers": p.customers, "share": p.share} for p in r.paths
        ],
    }


def moment_report_dict(r: MomentReport) -> dict[str, Any]:
    return {
        "outcome": r.query.outcome,
        "moments": [asdict(m) for m in r.moments],
    }
