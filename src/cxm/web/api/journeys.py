"""API: journey analytics — journey map with the emotion curve and stage transitions,
common paths, moments of truth."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from cxm.domain.journeys import JourneyQuery, MomentQuery, PathQuery
from cxm.services import journeys
from cxm.web.api.filters import parse_where
from cxm.web.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["analysis"])


def _journey(
    journey: str | None, since: date | None, until: date | None, where: list[str]
) -> JourneyQuery:
    return JourneyQuery(journey=journey, since=since, until=until, where=parse_where(where))


JourneyParam = Query(default=None, description="Journey key (default: all journeys)")
SinceParam = Query(default=None, description="First day, inclusive")
UntilParam = Query(default=None, description="Last day, inclusive")
WhereParam = Query(default=[], description="Filter `dim:value`; repeatable")


@router.get(
    "/analysis/journey-map",
    summary="Journey map: stages and touch-points, metrics, emotion curve, transitions",
    description="Per stage and touch-point: interactions, customers, responses, NPS/CSAT/CES "
    "(with 95 % intervals), the emotion (`emotion.source` is `comments` — mean sentiment "
    "score and emotion intensities of analysed comments — or `score`, the valence "
    "(CSAT − 3)/2 when no comment is analysed), and stage-to-stage conversion, drop-off "
    "and time between stages (median, p90, seconds).",
)
async def get_journey_map(
    rt: RuntimeDep,
    principal: PrincipalDep,
    journey: str | None = JourneyParam,
    since: date | None = SinceParam,
    until: date | None = UntilParam,
    where: list[str] = WhereParam,
    min_n: int | None = Query(default=None, description="Minimum responses per value"),
) -> dict[str, Any]:
    query = _journey(journey, since, until, where)
    if min_n is not None:
        query = JourneyQuery(query.journey, query.since, query.until, query.where, min_n)
    result = await run_in_threadpool(journeys.journey_map, rt, query, principal)
    return journeys.journey_map_dict(result)


@router.get("/analysis/paths", summary="The most common customer paths")
async def get_paths(
    rt: RuntimeDep,
    principal: PrincipalDep,
    level: str = Query(default="touchpoint", description="touchpoint or stage"),
    steps: int = Query(default=4, description="Steps per path (2–8)"),
    top: int = Query(default=10, description="How many paths (ties included)"),
    journey: str | None = JourneyParam,
    since: date | None = SinceParam,
    until: date | None = UntilParam,
    where: list[str] = WhereParam,
) -> dict[str, Any]:
    query = PathQuery(
        journey=_journey(journey, since, until, where),
        level=level,  # type: ignore[arg-type]
        steps=steps,
        top=top,
    )
    result = await run_in_threadpool(journeys.common_paths, rt, query, principal)
    return journeys.path_report_dict(result)


@router.get(
    "/analysis/moments-of-truth",
    summary="Touch-points where a bad experience most changes churn or NPS",
    description="Customers with a bad experience (CSAT ≤ 2) against those with only good "
    "ones (CSAT ≥ 4) at each touch-point: churn after the experience (%) and relationship "
    "NPS, with the difference (bad − good) and its 95 % interval.",
)
async def get_moments(
    rt: RuntimeDep,
    principal: PrincipalDep,
    outcome: str = Query(default="churn", description="churn or nps (sort order)"),
    min_customers: int = Query(default=20, description="Minimum customers per group"),
    journey: str | None = JourneyParam,
    since: date | None = SinceParam,
    until: date | None = UntilParam,
    where: list[str] = WhereParam,
) -> dict[str, Any]:
    query = MomentQuery(
        journey=_journey(journey, since, until, where),
        outcome=outcome,  # type: ignore[arg-type]
        min_customers=min_customers,
    )
    result = await run_in_threadpool(journeys.moments_of_truth, rt, query, principal)
    return journeys.moment_report_dict(result)
