"""Pain points: sources of negative experience ranked by volume × negativity × effect on
loyalty, by touch-point, department (back office included), any dimension, or comment theme
(when comments have been analysed). See :mod:`cxm.domain.pain_points` for the components."""

from __future__ import annotations

from dataclasses import dataclass

from cxm.analytics.pain_points import THEME, compute_pain_counts, has_rows
from cxm.domain.access import Principal
from cxm.domain.metrics import MetricQuery
from cxm.domain.pain_points import PainPoint, rank_pain_points, total_counts
from cxm.services.analysis.common import check_dimension, prepared
from cxm.services.runtime import Runtime


@dataclass(frozen=True)
class PainPoints:
    dimension: str
    uses_comments: bool
    uses_money: bool
    rows: tuple[PainPoint, ...]


def rank_pain(
    rt: Runtime,
    dimension: str = "touchpoint",
    *,
    base: MetricQuery | None = None,
    principal: Principal | None = None,
) -> PainPoints:
    """The ranking for one dimension (``theme``: comment themes; empty without analyses)."""
    if dimension != THEME:
        check_dimension(dimension)
    query, engine, min_n = prepared(rt, base, principal)
    comments = has_rows(engine, "comment_analyses")
    money = has_rows(engine, "interactions")
    if dimension == THEME and not comments:
        return PainPoints(dimension, False, money, ())
    counts = compute_pain_counts(engine, query, dimension, comments=comments, money=money)
    if dimension == THEME:
        # themes overlap: the reference is every response, not the sum over themes
        total = total_counts(
            compute_pain_counts(engine, query, "source", comments=comments, money=money)
        )
    else:
        total = total_counts(counts)
    return PainPoints(dimension, comments, money, tuple(rank_pain_points(counts, total, min_n)))
