"""Changes over time in one metric series: the best split date (change-point) and control
limits from the series' own sampling error.

Change-point: every observed day that leaves at least ``min_days`` days and ``min_n``
responses on each side is a candidate split; the least-squares split (the largest drop in
the residual sum of squares of the per-response scores) wins. Its test (after minus before,
:mod:`cxm.domain.significance`) has its p-value multiplied by the number of candidates
(Bonferroni), so scanning many dates does not manufacture a change.

Control limits (a Shewhart chart in "phase II"): each period is judged against the pooled
value of the up to ``baseline`` periods before it; the limits are centre ± 3 standard errors
of *this* period's value given its n (NPS: the per-response score variance; top-2-box: the
p-chart's p̄(1 − p̄); means: the pooled standard deviation). A value below the lower limit
is a drop."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from cxm.domain.metrics import CellStats
from cxm.domain.significance import TestedMetric, compare_cells, metric_value

SIGMA_LIMIT = 3.0


@dataclass(frozen=True)
class ChangePoint:
    """The best split of a series: ``at`` is the first day after the change."""

    metric: TestedMetric
    at: date
    value_before: float
    value_after: float
    difference: float
    n_before: int
    n_after: int
    statistic: float
    p_value: float  # of the best split alone
    p_adjusted: float  # × number of candidate splits (Bonferroni), at most 1
    candidates: int


def _arrays(series: Sequence[CellStats], metric: TestedMetric) -> tuple[np.ndarray, ...]:
    if metric == "nps":
        cols = [(s.nps_n, s.promoters, s.detractors) for s in series]
    elif metric == "csat_top2":
        cols = [(s.csat_n, s.csat_top2, 0) for s in series]
    elif metric == "csat":
        cols = [(s.csat_n, s.csat_sum, s.csat_sumsq) for s in series]
    else:
        cols = [(s.ces_n, s.ces_sum, s.ces_sumsq) for s in series]
    arr = np.array(cols, dtype=np.float64).reshape(-1, 3)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def _split_gain(
    metric: TestedMetric,
    before: tuple[np.ndarray, np.ndarray, np.ndarray],
    after: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """n_before·n_after/(n_before + n_after)·(mean after − mean before)² of the per-response
    score for every candidate split: the drop in the residual sum of squares when the series
    gets two levels instead of one (the least-squares change-point; unlike the largest |z| it
    does not drift towards the side whose variance happens to be small)."""
    (nb, xb, yb), (na, xa, ya) = before, after
    if metric == "nps":
        mean_b, mean_a = (xb - yb) / nb, (xa - ya) / na
    else:
        mean_b, mean_a = xb / nb, xa / na
    return nb * na / (nb + na) * (mean_a - mean_b) ** 2


def find_change_point(
    days: Sequence[date],
    series: Sequence[CellStats],
    metric: TestedMetric = "nps",
    *,
    min_days: int = 14,
    min_n: int = 30,
) -> ChangePoint | None:
    """The best split of a daily series (days ascending, one CellStats each), or None when
    no split leaves enough days and responses on both sides."""
    if len(days) < 2:
        return None
    n, x, y = _arrays(series, metric)
    cn, cx, cy = np.cumsum(n), np.cumsum(x), np.cumsum(y)
    ordinal = np.array([d.toordinal() for d in days])
    # a split at k puts days[:k] before and days[k:] after
    k = np.arange(1, len(days))
    before = (cn[k - 1], cx[k - 1], cy[k - 1])
    after = (cn[-1] - cn[k - 1], cx[-1] - cx[k - 1], cy[-1] - cy[k - 1])
    ok = (
        (ordinal[k] - ordinal[0] >= min_days)
        & (ordinal[-1] - ordinal[k] + 1 >= min_days)
        & (before[0] >= max(2, min_n))
        & (after[0] >= max(2, min_n))
    )
    if not ok.any():
        return None
    k = k[ok]
    before = tuple(a[ok] for a in before)
    after = tuple(a[ok] for a in after)
    gain = _split_gain(metric, before, after)
    split = int(k[int(np.argmax(gain))])
    cells_before = _total(series[:split])
    cells_after = _total(series[split:])
    test = compare_cells(cells_after, cells_before, metric)
    if test.p_value is None or test.difference is None or test.statistic is None:
        return None
    candidates = int(k.size)
    return ChangePoint(
        metric=metric,
        at=days[split],
        value_before=float(test.value_b or 0.0),
        value_after=float(test.value_a or 0.0),
        difference=test.difference,
        n_before=test.n_b,
        n_after=test.n_a,
        statistic=test.statistic,
        p_value=test.p_value,
        p_adjusted=min(1.0, test.p_value * candidates),
        candidates=candidates,
    )


_FIELDS = tuple(CellStats.__dataclass_fields__)


def _total(cells: Sequence[CellStats]) -> CellStats:
    """The sum of many cells (field by field; ``CellStats.__add__`` copies via ``astuple``)."""
    return CellStats(*(sum(getattr(c, f) for c in cells) for f in _FIELDS))


@dataclass(frozen=True)
class ControlPoint:
    """One period of a control chart; ``centre`` and the limits are None until the baseline
    holds enough periods."""

    period: date
    n: int
    value: float | None
    centre: float | None
    lower: float | None
    upper: float | None
    sigma: float | None

    @property
    def below(self) -> bool:
        return self.value is not None and self.lower is not None and self.value < self.lower

    @property
    def z(self) -> float | None:
        if self.value is None or self.centre is None or not self.sigma:
            return None
        return (self.value - self.centre) / self.sigma


def _point_sigma(metric: TestedMetric, base: CellStats, n: int) -> tuple[float, float] | None:
    """(centre, standard error of a value from n responses) from the baseline's statistics."""
    nb, centre = metric_value(base, metric)
    if centre is None or nb < 2:
        return None
    if metric == "nps":
        p, d = base.promoters / nb, base.detractors / nb
        return centre, 100.0 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    if metric == "csat_top2":
        p = base.csat_top2 / nb
        return centre, 100.0 * math.sqrt(p * (1 - p) / n)
    s, q = (base.csat_sum, base.csat_sumsq) if metric == "csat" else (base.ces_sum, base.ces_sumsq)
    variance = max(0.0, (nb * q - s * s) / (nb * (nb - 1)))
    return centre, math.sqrt(variance / n)


def control_chart(
    periods: Sequence[date],
    series: Sequence[CellStats],
    metric: TestedMetric,
    *,
    baseline: int = 12,
    min_baseline: int = 6,
    min_n: int = 30,
) -> list[ControlPoint]:
    """Control limits of every period of a series (periods ascending)."""
    points: list[ControlPoint] = []
    usable: list[CellStats] = []  # earlier periods with enough responses
    for period, cell in zip(periods, series, strict=True):
        n, value = metric_value(cell, metric)
        if n < max(2, min_n):
            points.append(ControlPoint(period, n, None, None, None, None, None))
            continue
        centre = lower = upper = sigma = None
        if len(usable) >= min_baseline:
            found = _point_sigma(metric, _total(usable[-baseline:]), n)
            if found is not None:
                centre, sigma = found
                lower, upper = centre - SIGMA_LIMIT * sigma, centre + SIGMA_LIMIT * sigma
        points.append(ControlPoint(period, n, value, centre, lower, upper, sigma))
        usable.append(cell)
    return points
