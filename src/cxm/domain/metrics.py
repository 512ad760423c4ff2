"""Metric definitions and results: what NPS, CSAT and CES are, and how a report is asked for.

Engines compute sufficient statistics (counts, sums); the intervals are finished here, in
pure Python, so every engine gives identical numbers. A value with fewer responses than the
minimum is *insufficient*: it carries no number at all."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field
from datetime import date
from functools import lru_cache
from statistics import NormalDist
from typing import Literal

from cxm.domain.dimensions import DIMENSIONS

Metric = Literal["nps", "csat", "ces"]
Grain = Literal["day", "week", "month", "quarter"]
METRICS: tuple[Metric, ...] = ("nps", "csat", "ces")
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter")
MAX_BREAKDOWN_DIMENSIONS = 3


@dataclass(frozen=True)
class MetricQuery:
    """A report request: metrics, up to three dimensions, an optional time grain, filters."""

    metrics: tuple[Metric, ...] = METRICS
    by: tuple[str, ...] = ()
    grain: Grain | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    min_n: int | None = None  # None: the configured minimum


@dataclass(frozen=True)
class MetricValue:
    """One metric in one cell. ``value`` and the interval are None when insufficient.

    NPS: value in [-100, 100], ``margin`` the 95 % margin of error from the NPS variance.
    CSAT: value the mean 1–5, ``top2`` the top-2-box share in % with its Wilson interval.
    CES: value the mean 1–7 with a t interval."""

    metric: Metric
    n: int
    value: float | None
    low: float | None
    high: float | None
    margin: float | None
    insufficient: bool
    top2: float | None = None
    top2_low: float | None = None
    top2_high: float | None = None


@dataclass(frozen=True)
class MetricRow:
    keys: Mapping[str, str | date | None]
    n: int
    values: Mapping[Metric, MetricValue]


@dataclass(frozen=True)
class MetricReport:
    query: MetricQuery
    rows: tuple[MetricRow, ...]
    total: MetricRow


# --- sufficient statistics and interval math ---------------------------------------------
#: Two-sided 95 %: the normal quantile (NPS margin, Wilson interval).
CONFIDENCE = 0.95
Z95 = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
#: Time keys of a report row are named after the grain; dimension keys after the dimension.
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
TOP2_MIN = 4

#: The mirror's daily rollups of the responses: per dimension value, source and day, the
#: fields of :class:`CellStats` and ``ROLLUP_COUNTS`` (written by ``cxm.store.mirror_rollups``,
#: read by analytics). A touch-point's rows also carry its journey and stage.
RESPONSE_ROLLUPS = "response_rollups"
#: The mirror's daily rollups of the interactions: per journey, stage, touch-point and day,
#: the number of interactions (journey maps read them).
INTERACTION_ROLLUPS = "interaction_rollups"
ROLLUP_TABLES = (RESPONSE_ROLLUPS, INTERACTION_ROLLUPS)
#: The rollups' layout; rollups of another layout are rebuilt, and not read until then.
ROLLUP_FORMAT = 2
#: The dimensions a rollup row can be of (the source is a column of every rollup row).
ROLLUP_DIMENSIONS = tuple(d for d in DIMENSIONS if d != "source")
#: The journey levels the touch-point rows answer together (a touch-point belongs to one stage).
JOURNEY_LEVELS = ("journey", "stage", "touchpoint")
#: Responses with any score, and negative ones (NPS 0–6, or CSAT up to ``NEGATIVE_CSAT_MAX``
#: without NPS): the pain-point counts beside the metric statistics.
ROLLUP_COUNTS = ("scored", "negative")
NEGATIVE_CSAT_MAX = 2


@dataclass(frozen=True)
class CellStats:
    """What an engine computes for one cell; every field is an exact integer, so the
    numbers finished from it are identical on every engine."""

    n: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    csat_n: int = 0
    csat_sum: int = 0
    csat_sumsq: int = 0
    csat_top2: int = 0
    ces_n: int = 0
    ces_sum: int = 0
    ces_sumsq: int = 0

    def __add__(self, other: CellStats) -> CellStats:
        return CellStats(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def nps_margin(n: int, promoters: int, detractors: int) -> float:
    """95 % margin of NPS (points): z·sqrt(var/n), var the variance of the per-response
    score (+1 promoter, 0 passive, −1 detractor) = p + d − (p − d)²."""
    p, d = promoters / n, detractors / n
    variance = max(0.0, p + d - (p - d) ** 2)
    return 100.0 * Z95 * math.sqrt(variance / n)


def t_margin(n: int, total: int, sumsq: int) -> float | None:
    """Half-width of the 95 % t interval of a mean from n, Σx and Σx² (None when n < 2)."""
    if n < 2:
        return None
    # exact integer arithmetic for the sum of squared deviations: n·Σx² − (Σx)²
    variance = (n * sumsq - total * total) / (n * (n - 1))
    return t_quantile(n - 1) * math.sqrt(max(0.0, variance) / n)


@lru_cache(maxsize=4096)
def t_quantile(df: int) -> float:
    """The two-sided 95 % quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.stats import t as student_t

    return float(student_t.ppf(0.5 + CONFIDENCE / 2, df))


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion, as shares in [0, 1]."""
    p = successes / n
    z2 = Z95 * Z95
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def finish_nps(stats: CellStats, min_n: int) -> MetricValue:
    n = stats.nps_n
    if n < max(1, min_n):
        return _insufficient("nps", n)
    value = 100.0 * (stats.promoters - stats.detractors) / n
    margin = nps_margin(n, stats.promoters, stats.detractors)
    return MetricValue(
        "nps", n, value, max(-100.0, value - margin), min(100.0, value + margin), margin, False
    )


def finish_mean(metric: Metric, stats: CellStats, min_n: int) -> MetricValue:
    """CSAT (with its top-2-box share and Wilson interval) or CES: mean with a t interval."""
    if metric == "csat":
        n, total, sumsq = stats.csat_n, stats.csat_sum, stats.csat_sumsq
    else:
        n, total, sumsq = stats.ces_n, stats.ces_sum, stats.ces_sumsq
    if n < max(1, min_n):
        return _insufficient(metric, n)
    mean = total / n
    margin = t_margin(n, total, sumsq)
    low = None if margin is None else mean - margin
    high = None if margin is None else mean + margin
    if metric != "csat":
        return MetricValue(metric, n, mean, low, high, margin, False)
    top_low, top_high = wilson_interval(stats.csat_top2, n)
    return MetricValue(
        metric,
        n,
        mean,
        low,
        high,
        margin,
        False,
        top2=100.0 * stats.csat_top2 / n,
        top2_low=100.0 * top_low,
        top2_high=100.0 * top_high,
    )


def finish_row(
    keys: Mapping[str, str | date | None],
    stats: CellStats,
    metrics: tuple[Metric, ...],
    min_n: int,
) -> MetricRow:
    """One report row from a cell's statistics."""
    values = {
        m: finish_nps(stats, min_n) if m == "nps" else finish_mean(m, stats, min_n) for m in metrics
    }
    return MetricRow(keys=dict(keys), n=stats.n, values=values)


def _insufficient(metric: Metric, n: int) -> MetricValue:
    return MetricValue(metric, n, None, None, None, None, True)
