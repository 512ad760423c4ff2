"""Significance of differences between two groups of responses, from the exact sufficient
statistics an engine computes (:class:`~cxm.domain.metrics.CellStats`).

* NPS: a z test on the difference of two NPS values; the variance of NPS in a group is the
  variance of the per-response score (+1 promoter, 0 passive, −1 detractor) over n.
* CSAT top-2-box: the two-proportion z test (pooled variance for the p-value, unpooled for
  the interval of the difference, as statsmodels does).
* CSAT and CES means: Welch's t test with Welch–Satterthwaite degrees of freedom.
* Many tests at once: Benjamini–Hochberg adjusted p-values
  (``scipy.stats.false_discovery_control``).

Every difference is "A minus B" in the metric's unit (NPS points, top-2-box percentage
points, scale points of the mean)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass, field
from datetime import date
from typing import Literal

import numpy as np
from scipy import stats as st

from cxm.domain.metrics import CONFIDENCE, Z95, CellStats

TestedMetric = Literal["nps", "csat_top2", "csat", "ces"]
TESTED_METRICS: tuple[TestedMetric, ...] = ("nps", "csat_top2", "csat", "ces")
ALPHA = 1 - CONFIDENCE


@dataclass(frozen=True)
class Difference:
    """A vs B for one metric. ``value_*`` and ``difference`` are None when a side has too
    few responses (then ``p_value`` is None as well)."""

    metric: TestedMetric
    n_a: int
    n_b: int
    value_a: float | None
    value_b: float | None
    difference: float | None
    low: float | None
    high: float | None
    statistic: float | None
    p_value: float | None
    test: str
    df: float | None = None

    @property
    def tested(self) -> bool:
        return self.p_value is not None


def subtract(total: CellStats, part: CellStats) -> CellStats:
    """The statistics of ``total`` without ``part`` (the "rest" of a value)."""
    return CellStats(*(a - b for a, b in zip(astuple(total), astuple(part), strict=True)))


def metric_value(stats: CellStats, metric: TestedMetric) -> tuple[int, float | None]:
    """(n, value) of one metric in a cell; value None when n is 0."""
    if metric == "nps":
        n = stats.nps_n
        return n, (100.0 * (stats.promoters - stats.detractors) / n if n else None)
    if metric == "csat_top2":
        n = stats.csat_n
        return n, (100.0 * stats.csat_top2 / n if n else None)
    n, total = (stats.csat_n, stats.csat_sum) if metric == "csat" else (stats.ces_n, stats.ces_sum)
    return n, (total / n if n else None)


def compare_cells(
    a: CellStats, b: CellStats, metric: TestedMetric, *, min_n: int = 2
) -> Difference:
    """The test of ``metric`` between cells A and B (each needs ``min_n`` ≥ 2 responses)."""
    min_n = max(2, min_n)
    if metric == "nps":
        return nps_difference(
            a.nps_n, a.promoters, a.detractors, b.nps_n, b.promoters, b.detractors, min_n
        )
    if metric == "csat_top2":
        return proportion_difference(a.csat_top2, a.csat_n, b.csat_top2, b.csat_n, min_n)
    if metric == "csat":
        return welch_difference(
            "csat",
            (a.csat_n, a.csat_sum, a.csat_sumsq),
            (b.csat_n, b.csat_sum, b.csat_sumsq),
            min_n,
        )
    return welch_difference(
        "ces", (a.ces_n, a.ces_sum, a.ces_sumsq), (b.ces_n, b.ces_sum, b.ces_sumsq), min_n
    )


def _untested(
    metric: TestedMetric, n_a: int, n_b: int, va: float | None, vb: float | None, test: str
) -> Difference:
    return Difference(metric, n_a, n_b, va, vb, None, None, None, None, None, test)


def nps_variance(n: int, promoters: int, detractors: int) -> float:
    """Variance of NPS (in points²) of a group of n: 100²·(p + d − (p − d)²)/n."""
    p, d = promoters / n, detractors / n
    return 1e4 * max(0.0, p + d - (p - d) ** 2) / n


def nps_difference(
    n_a: int, prom_a: int, det_a: int, n_b: int, prom_b: int, det_b: int, min_n: int = 2
) -> Difference:
    """z test of NPS_A − NPS_B with the variance of each NPS (no pooling)."""
    va = 100.0 * (prom_a - det_a) / n_a if n_a else None
    vb = 100.0 * (prom_b - det_b) / n_b if n_b else None
    if n_a < min_n or n_b < min_n or va is None or vb is None:
        return _untested("nps", n_a, n_b, va, vb, "z")
    diff = va - vb
    se = math.sqrt(nps_variance(n_a, prom_a, det_a) + nps_variance(n_b, prom_b, det_b))
    return _normal("nps", n_a, n_b, va, vb, diff, se, se)


def proportion_difference(x_a: int, n_a: int, x_b: int, n_b: int, min_n: int = 2) -> Difference:
    """Two-proportion z test of p_A − p_B (percentage points)."""
    pa = x_a / n_a if n_a else None
    pb = x_b / n_b if n_b else None
    if n_a < min_n or n_b < min_n or pa is None or pb is None:
        return _untested(
            "csat_top2",
            n_a,
            n_b,
            None if pa is None else 100 * pa,
            None if pb is None else 100 * pb,
            "z",
        )
    pooled = (x_a + x_b) / (n_a + n_b)
    se_test = 100.0 * math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    se_interval = 100.0 * math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    return _normal("csat_top2", n_a, n_b, 100 * pa, 100 * pb, 100 * (pa - pb), se_test, se_interval)


def _normal(
    metric: TestedMetric,
    n_a: int,
    n_b: int,
    va: float,
    vb: float,
    diff: float,
    se_test: float,
    se_interval: float,
) -> Difference:
    if se_test == 0:
        z = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        p = 1.0 if diff == 0 else 0.0
    else:
        z = diff / se_test
        p = float(2 * st.norm.sf(abs(z)))
    half = Z95 * se_interval
    return Difference(metric, n_a, n_b, va, vb, diff, diff - half, diff + half, z, p, "z")


def welch_difference(
    metric: Literal["csat", "ces"],
    a: tuple[int, int, int],
    b: tuple[int, int, int],
    min_n: int = 2,
) -> Difference:
    """Welch's t test of mean_A − mean_B from (n, Σx, Σx²) of each group."""
    (n_a, s_a, q_a), (n_b, s_b, q_b) = a, b
    ma = s_a / n_a if n_a else None
    mb = s_b / n_b if n_b else None
    if n_a < min_n or n_b < min_n or ma is None or mb is None:
        return _untested(metric, n_a, n_b, ma, mb, "welch")
    var_a = max(0.0, (n_a * q_a - s_a * s_a) / (n_a * (n_a - 1)))
    var_b = max(0.0, (n_b * q_b - s_b * s_b) / (n_b * (n_b - 1)))
    diff = ma - mb
    ea, eb = var_a / n_a, var_b / n_b
    se = math.sqrt(ea + eb)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        t = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return Difference(metric, n_a, n_b, ma, mb, diff, diff, diff, t, p, "welch", None)
    df = (ea + eb) ** 2 / (ea**2 / (n_a - 1) + eb**2 / (n_b - 1))
    t = diff / se
    p = float(2 * st.t.sf(abs(t), df))
    half = float(st.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
    return Difference(metric, n_a, n_b, ma, mb, diff, diff - half, diff + half, t, p, "welch", df)


def adjust_bh(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values); None stays None (not tested)."""
    index = [i for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if not index:
        return out
    raw = np.array([p_values[i] for i in index], dtype=float)
    adjusted = st.false_discovery_control(raw, method="bh")
    for i, q in zip(index, np.atleast_1d(adjusted), strict=True):
        out[i] = float(q)
    return out


# --- analysis requests and results ---------------------------------------------------------
@dataclass(frozen=True)
class Group:
    """One side of a comparison: a period and/or dimension values, on top of the base
    filters of the analysis (its own ``where`` replaces the base's for the same dimension)."""

    label: str
    since: date | None = None
    until: date | None = None
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """A vs B on every tested metric; ``b`` is "the rest" when B was not given."""

    a: Group
    b: Group | None
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class ScanRow:
    """One value of a scanned dimension against a reference, with its BH-adjusted p."""

    key: str | None
    difference: Difference
    q_value: float | None
    significant: bool


@dataclass(frozen=True)
class Scan:
    """Many tests at once, false discovery rate controlled at ``alpha`` (Benjamini–Hochberg
    over every tested row)."""

    dimension: str
    label_a: str
    label_b: str
    alpha: float
    rows: tuple[ScanRow, ...]

    @property
    def significant(self) -> tuple[ScanRow, ...]:
        return tuple(r for r in self.rows if r.significant)


def scan_rows(
    tests: Sequence[tuple[str | None, Difference]], alpha: float = ALPHA
) -> tuple[ScanRow, ...]:
    """Rows of a scan: BH-adjust the p-values of all tests, mark q < alpha."""
    q_values = adjust_bh([d.p_value for _, d in tests])
    return tuple(
        ScanRow(key, d, q, q is not None and q < alpha)
        for (key, d), q in zip(tests, q_values, strict=True)
    )
