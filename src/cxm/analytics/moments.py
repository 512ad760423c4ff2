"""Moments of truth on an engine: for every touch-point, customers whose experience there
was bad (a CSAT ≤ 2) against customers whose experiences there were all good (CSAT ≥ 4),
compared on what happened next — a cancellation after the experience (churn) — and on
their relationship NPS (surveys without an interaction). All counts are exact integers
from one grouped join; rates, differences and 95 % intervals are finished here."""

from __future__ import annotations

import math
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.journey_reach import window_filters
from cxm.domain.journeys import (
    BAD_MAX,
    CHURN_TOUCHPOINTS,
    GOOD_MIN,
    Moment,
    MomentQuery,
    MomentReport,
    OutcomeGap,
)
from cxm.domain.metrics import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, Z95


def moment_expression(responses: ir.Table, interactions: ir.Table, query: MomentQuery) -> ir.Table:
    """Per touch-point and group (bad = 1, good = 0): customers, churned after, and the
    relationship-NPS counts of those customers."""
    r = responses.filter(
        responses.csat.notnull(),
        responses.customer_id.notnull(),
        responses.touchpoint.notnull(),
        *window_filters(responses, "responded_at", query.journey),
    )
    seconds = r.responded_at.epoch_seconds().cast("int64")
    csat = r.csat.cast("int64")
    exp = r.group_by(cid=r.customer_id, touchpoint=r.touchpoint).aggregate(
        worst=csat.min(),
        first_at=seconds.min(),
        bad_at=(csat <= BAD_MAX).ifelse(seconds, ibis.null("int64")).min(),
    )
    exp = exp.filter((exp.worst <= BAD_MAX) | (exp.worst >= GOOD_MIN))
    exp = exp.mutate(
        bad=(exp.worst <= BAD_MAX).ifelse(1, 0).cast("int64"),
        at=(exp.worst <= BAD_MAX).ifelse(exp.bad_at, exp.first_at),
    )
    i = interactions.filter(
        interactions.customer_id.notnull(), interactions.touchpoint.isin(list(CHURN_TOUCHPOINTS))
    )
    cancels = i.group_by(kid=i.customer_id).aggregate(
        cancel_at=i.occurred_at.epoch_seconds().cast("int64").min()
    )
    rel = responses.filter(
        responses.nps.notnull(), responses.interaction_id.isnull(), responses.customer_id.notnull()
    )
    nps = rel.nps.cast("int64")
    rel = rel.group_by(rid=rel.customer_id).aggregate(
        rel_n=rel.count().cast("int64"),
        rel_promoters=(nps >= NPS_PROMOTER_MIN).ifelse(1, 0).sum().cast("int64"),
        rel_detractors=(nps <= NPS_DETRACTOR_MAX).ifelse(1, 0).sum().cast("int64"),
    )
    j = exp.left_join(cancels, exp.cid == cancels.kid).left_join(rel, exp.cid == rel.rid)
    churned = (j.cancel_at.notnull() & (j.cancel_at > j.at)).ifelse(1, 0)
    return j.group_by(["touchpoint", "bad"]).aggregate(
        customers=j.count().cast("int64"),
        churned=churned.sum().cast("int64"),
        rel_n=j.rel_n.fill_null(0).sum().cast("int64"),
        rel_promoters=j.rel_promoters.fill_null(0).sum().cast("int64"),
        rel_detractors=j.rel_detractors.fill_null(0).sum().cast("int64"),
    )


def compute_moments(
    engine: Engine, query: MomentQuery, placement: Mapping[str, tuple[str, str]]
) -> MomentReport:
    """Moments of truth, the strongest effect on the chosen outcome first."""
    with engine.lock:
        expr = moment_expression(engine.table("responses"), engine.table("interactions"), query)
        rows = expr.to_pyarrow().to_pylist()
    groups: dict[str, dict[int, dict[str, int]]] = {}
    for row in rows:
        groups.setdefault(str(row["touchpoint"]), {})[int(row["bad"])] = {
            k: int(row[k] or 0)
            for k in ("customers", "churned", "rel_n", "rel_promoters", "rel_detractors")
        }
    empty = {"customers": 0, "churned": 0, "rel_n": 0, "rel_promoters": 0, "rel_detractors": 0}
    moments = []
    for tp, by_group in groups.items():
        bad, good = by_group.get(1, empty), by_group.get(0, empty)
        place = placement.get(tp)
        moments.append(
            Moment(
                touchpoint=tp,
                journey=place[0] if place else None,
                stage=place[1] if place else None,
                churn=_rate_gap(bad, good, query.min_customers),
                nps=_nps_gap(bad, good, query.min_customers),
            )
        )

    def strength(m: Moment) -> tuple[bool, float, str]:
        gap = m.churn if query.outcome == "churn" else m.nps
        if gap.difference is None:
            return (True, 0.0, m.touchpoint)
        value = -gap.difference if query.outcome == "churn" else gap.difference
        return (False, value, m.touchpoint)

    moments.sort(key=strength)
    return MomentReport(query=query, moments=tuple(moments))


def _rate_gap(bad: dict[str, int], good: dict[str, int], min_n: int) -> OutcomeGap:
    nb, ng = bad["customers"], good["customers"]
    if nb < min_n or ng < min_n:
        return OutcomeGap(nb, ng, None, None, None, None, None)
    pb, pg = bad["churned"] / nb, good["churned"] / ng
    margin = Z95 * math.sqrt(pb * (1 - pb) / nb + pg * (1 - pg) / ng)
    diff = pb - pg
    return OutcomeGap(
        nb, ng, 100 * pb, 100 * pg, 100 * diff, 100 * (diff - margin), 100 * (diff + margin)
    )


def _nps_gap(bad: dict[str, int], good: dict[str, int], min_n: int) -> OutcomeGap:
    nb, ng = bad["rel_n"], good["rel_n"]
    if nb < min_n or ng < min_n:
        return OutcomeGap(nb, ng, None, None, None, None, None)

    def score(g: dict[str, int]) -> tuple[float, float]:
        p, d = g["rel_promoters"] / g["rel_n"], g["rel_detractors"] / g["rel_n"]
        return p - d, max(0.0, p + d - (p - d) ** 2) / g["rel_n"]

    (sb, vb), (sg, vg) = score(bad), score(good)
    margin = Z95 * math.sqrt(vb + vg)
    diff = sb - sg
    return OutcomeGap(
        nb, ng, 100 * sb, 100 * sg, 100 * diff, 100 * (diff - margin), 100 * (diff + margin)
    )
