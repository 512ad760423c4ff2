"""Interval math of the core metrics against independent computations (SciPy, statsmodels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxm.domain.metrics import (
    CellStats,
    finish_mean,
    finish_nps,
    finish_row,
    nps_margin,
    t_margin,
    wilson_interval,
)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nps_margin_matches_direct_variance_of_scores(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 11, size=int(rng.integers(40, 900)))
    per_response = np.where(scores >= 9, 1.0, np.where(scores <= 6, -1.0, 0.0))
    expected_nps = 100 * per_response.mean()
    expected_margin = (
        100 * stats.norm.ppf(0.975) * math.sqrt(per_response.var(ddof=0) / len(scores))
    )
    cell = CellStats(
        n=len(scores),
        nps_n=len(scores),
        promoters=int((scores >= 9).sum()),
        detractors=int((scores <= 6).sum()),
    )
    value = finish_nps(cell, min_n=30)
    assert value.value == pytest.approx(expected_nps, abs=1e-9)
    assert value.margin == pytest.approx(expected_margin, abs=1e-9)
    assert value.low == pytest.approx(max(-100, expected_nps - expected_margin), abs=1e-9)


@pytest.mark.parametrize(("low", "high"), [(1, 5), (1, 7)])
def test_t_interval_matches_scipy_when_sample_is_random(low: int, high: int) -> None:
    rng = np.random.default_rng(low + high)
    sample = rng.integers(low, high + 1, size=137)
    margin = t_margin(len(sample), int(sample.sum()), int((sample * sample).sum()))
    lo, hi = stats.t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
    assert margin == pytest.approx((hi - lo) / 2, abs=1e-9)


@pytest.mark.parametrize(("k", "n"), [(0, 30), (7, 31), (250, 400), (999, 1000), (50, 50)])
def test_wilson_interval_matches_statsmodels_when_share_is_extreme_or_not(k: int, n: int) -> None:
    expected = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson_interval(k, n) == pytest.approx(expected, abs=1e-12)


def test_csat_value_carries_mean_t_interval_and_top2_share() -> None:
    sample = np.array([5, 4, 4, 3, 2, 5, 5, 1, 4, 3] * 4)
    cell = CellStats(
        n=40,
        csat_n=40,
        csat_sum=int(sample.sum()),
        csat_sumsq=int((sample**2).sum()),
        csat_top2=int((sample >= 4).sum()),
    )
    value = finish_mean("csat", cell, min_n=30)
    lo, hi = stats.t.interval(0.95, 39, loc=sample.mean(), scale=stats.sem(sample))
    wl, wh = proportion_confint(int((sample >= 4).sum()), 40, method="wilson")
    assert (value.value, value.low, value.high) == pytest.approx((sample.mean(), lo, hi))
    assert value.top2 == pytest.approx(60.0)
    assert (value.top2_low, value.top2_high) == pytest.approx((100 * wl, 100 * wh))


def test_values_are_insufficient_without_numbers_when_n_below_minimum() -> None:
    cell = CellStats(n=29, nps_n=29, promoters=29, ces_n=29, ces_sum=29 * 4, ces_sumsq=29 * 16)
    row = finish_row({"segment": "young"}, cell, ("nps", "ces"), min_n=30)
    for value in row.values.values():
        assert value.insufficient
        assert value.value is None and value.margin is None and value.low is None
        assert value.n == 29


def test_t_margin_is_none_when_single_response() -> None:
    assert t_margin(1, 4, 16) is None
    assert finish_mean("ces", CellStats(n=1, ces_n=1, ces_sum=4, ces_sumsq=16), 1).value == 4


def test_cell_stats_add_field_by_field() -> None:
    total = CellStats(n=1, promoters=2, ces_sumsq=3) + CellStats(n=4, promoters=5, csat_n=6)
    assert total == CellStats(n=5, promoters=7, ces_sumsq=3, csat_n=6)


def test_nps_margin_is_zero_when_everyone_agrees() -> None:
    assert nps_margin(50, 50, 0) == 0.0
