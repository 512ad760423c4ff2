"""Pain points: which sources (touch-points, departments, themes …) cause the most negative
experience, as volume × negativity × effect on loyalty.

For a value g among all responses (N with NPS, NPS overall):

* ``volume_share`` = responses of g / all responses;
* ``negativity`` = share of g's scored responses that are negative (NPS 0–6, or CSAT 1–2
  without NPS); when g has analysed comments, the mean of that and the share of negative
  comments;
* ``loyalty_gap`` = NPS of the rest − NPS of g (points; positive when g is worse);
* ``nps_gain`` = how many points overall NPS would gain if g performed like the rest:
  (NPS responses of g / N) × loyalty_gap;
* ``pain_score`` = volume_share × negativity × max(0, loyalty_gap) / 100 — the ranking key;
* ``money_at_risk``: the monetary value of the interactions behind g's detractor responses.

A value with fewer NPS responses than the minimum is not scored (ranked last)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PainCounts:
    """Exact counts of one value (``money_at_risk`` is a float sum)."""

    key: str | None
    n: int
    nps_n: int
    promoters: int
    detractors: int
    scored: int
    negative: int
    comments: int
    negative_comments: int
    money_at_risk: float


@dataclass(frozen=True)
class PainPoint:
    key: str | None
    n: int
    volume_share: float
    negativity: float | None
    detractor_share: float | None
    negative_comment_share: float | None
    nps: float | None
    nps_rest: float | None
    loyalty_gap: float | None
    nps_gain: float | None
    pain_score: float | None
    money_at_risk: float
    insufficient: bool


def total_counts(counts: Sequence[PainCounts]) -> PainCounts:
    """The sum over the values of a dimension that partitions the responses."""
    return PainCounts(
        key=None,
        n=sum(c.n for c in counts),
        nps_n=sum(c.nps_n for c in counts),
        promoters=sum(c.promoters for c in counts),
        detractors=sum(c.detractors for c in counts),
        scored=sum(c.scored for c in counts),
        negative=sum(c.negative for c in counts),
        comments=sum(c.comments for c in counts),
        negative_comments=sum(c.negative_comments for c in counts),
        money_at_risk=sum(c.money_at_risk for c in counts),
    )


def score_pain_point(g: PainCounts, total: PainCounts, min_n: int) -> PainPoint:
    volume = g.n / total.n if total.n else 0.0
    comment_share = g.negative_comments / g.comments if g.comments else None
    score_share = g.negative / g.scored if g.scored else None
    if score_share is not None and comment_share is not None:
        negativity: float | None = (score_share + comment_share) / 2
    else:
        negativity = score_share if score_share is not None else comment_share
    rest_n = total.nps_n - g.nps_n
    insufficient = g.nps_n < max(1, min_n) or rest_n < 1
    if insufficient:
        return PainPoint(
            g.key, g.n, volume, negativity, None, comment_share,
            None, None, None, None, None, g.money_at_risk, True,
        )  # fmt: skip
    nps = 100.0 * (g.promoters - g.detractors) / g.nps_n
    rest = (total.promoters - g.promoters) - (total.detractors - g.detractors)
    nps_rest = 100.0 * rest / rest_n
    gap = nps_rest - nps
    gain = g.nps_n / total.nps_n * gap
    score = volume * (negativity or 0.0) * max(0.0, gap) / 100.0
    return PainPoint(
        key=g.key,
        n=g.n,
        volume_share=volume,
        negativity=negativity,
        detractor_share=g.detractors / g.nps_n,
        negative_comment_share=comment_share,
        nps=nps,
        nps_rest=nps_rest,
        loyalty_gap=gap,
        nps_gain=gain,
        pain_score=score,
        money_at_risk=g.money_at_risk,
        insufficient=False,
    )


def rank_pain_points(
    counts: Sequence[PainCounts], total: PainCounts, min_n: int
) -> list[PainPoint]:
    """Every value scored, highest pain first; unscored values last by volume."""
    points = [score_pain_point(c, total, min_n) for c in counts]
    return sorted(
        points,
        key=lambda p: (p.pain_score is None, -(p.pain_score or 0.0), -p.n, str(p.key)),
    )
