"""Each statistic of the significance, change and control-chart analyses against an
independent reference computed from raw responses with SciPy/statsmodels."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from cxm.domain.changes import control_chart, find_change_point
from cxm.domain.metrics import CellStats
from cxm.domain.pain_points import PainCounts, rank_pain_points, total_counts
from cxm.domain.significance import adjust_bh, compare_cells, subtract


def cell(nps: np.ndarray, csat: np.ndarray, ces: np.ndarray) -> CellStats:
    """The statistics an engine would compute for these raw scores."""
    return CellStats(
        n=max(nps.size, csat.size, ces.size),
        nps_n=int(nps.size),
        promoters=int((nps >= 9).sum()),
        detractors=int((nps <= 6).sum()),
        csat_n=int(csat.size),
        csat_sum=int(csat.sum()),
        csat_sumsq=int((csat * csat).sum()),
        csat_top2=int((csat >= 4).sum()),
        ces_n=int(ces.size),
        ces_sum=int(ces.sum()),
        ces_sumsq=int((ces * ces).sum()),
    )


def sample(rng: np.random.Generator, n: int, shift: float = 0.0) -> tuple[np.ndarray, ...]:
    nps = np.clip(np.round(rng.normal(7.2 + shift, 2.2, n)), 0, 10).astype(np.int64)
    csat = np.clip(np.round(rng.normal(3.7 + shift / 3, 1.0, n)), 1, 5).astype(np.int64)
    ces = np.clip(np.round(rng.normal(4.8 + shift / 3, 1.4, n)), 1, 7).astype(np.int64)
    return nps, csat, ces


def nps_scores(nps: np.ndarray) -> np.ndarray:
    return np.where(nps >= 9, 100.0, np.where(nps <= 6, -100.0, 0.0))


@pytest.mark.parametrize(
    ("n_a", "n_b", "shift"), [(400, 350, 0.0), (120, 900, -0.8), (60, 45, 0.5)]
)
def test_nps_z_test_matches_statsmodels_unequal_variance_z(
    n_a: int, n_b: int, shift: float
) -> None:
    rng = np.random.default_rng(n_a + n_b)
    a, b = sample(rng, n_a, shift), sample(rng, n_b)
    result = compare_cells(cell(*a), cell(*b), "nps")
    # the NPS of a group is the mean of ±100/0 scores; its variance is the population one
    # (as in the NPS margin of the core metrics), so the reference is a z test on raw scores
    sa, sb = nps_scores(a[0]), nps_scores(b[0])
    se = np.sqrt(sa.var() / sa.size + sb.var() / sb.size)
    z = (sa.mean() - sb.mean()) / se
    assert result.difference == pytest.approx(sa.mean() - sb.mean(), rel=1e-12)
    assert result.statistic == pytest.approx(z, rel=1e-9)
    assert result.p_value == pytest.approx(2 * st.norm.sf(abs(z)), rel=1e-9)
    half = st.norm.ppf(0.975) * se
    assert (result.low, result.high) == pytest.approx((z * se - half, z * se + half), rel=1e-9)
    # with large groups it agrees with statsmodels' unequal-variance z test (sample variance)
    z_sm, _ = CompareMeans(DescrStatsW(sa), DescrStatsW(sb)).ztest_ind(usevar="unequal")
    assert result.statistic == pytest.approx(z_sm, rel=0.02)


@pytest.mark.parametrize(("n_a", "n_b", "shift"), [(500, 480, 0.0), (90, 300, -1.0)])
def test_top2_two_proportion_test_matches_statsmodels(n_a: int, n_b: int, shift: float) -> None:
    rng = np.random.default_rng(7 + n_a)
    a, b = sample(rng, n_a, shift), sample(rng, n_b)
    result = compare_cells(cell(*a), cell(*b), "csat_top2")
    x = [int((a[1] >= 4).sum()), int((b[1] >= 4).sum())]
    z, p = proportions_ztest(x, [n_a, n_b])
    low, high = confint_proportions_2indep(x[0], n_a, x[1], n_b, method="wald")
    assert result.statistic == pytest.approx(z, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert (result.low, result.high) == pytest.approx((100 * low, 100 * high), rel=1e-6)


@pytest.mark.parametrize("metric", ["csat", "ces"])
def test_welch_test_matches_scipy_ttest_ind(metric: str) -> None:
    rng = np.random.default_rng(3)
    a, b = sample(rng, 80, -0.6), sample(rng, 260)
    result = compare_cells(cell(*a), cell(*b), metric)  # type: ignore[arg-type]
    column = 1 if metric == "csat" else 2
    reference = st.ttest_ind(a[column], b[column], equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert result.statistic == pytest.approx(reference.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert result.df == pytest.approx(reference.df, rel=1e-9)
    assert (result.low, result.high) == pytest.approx((interval.low, interval.high), rel=1e-9)


def test_comparison_needs_min_n_on_both_sides() -> None:
    rng = np.random.default_rng(1)
    small, big = cell(*sample(rng, 10)), cell(*sample(rng, 500))
    result = compare_cells(small, big, "nps", min_n=30)
    assert result.p_value is None and result.difference is None
    assert result.value_a is not None  # the value is still reported


def test_rest_is_total_minus_value() -> None:
    rng = np.random.default_rng(2)
    a, b = sample(rng, 50), sample(rng, 70)
    both = cell(*(np.concatenate([x, y]) for x, y in zip(a, b, strict=True)))
    assert subtract(both, cell(*a)) == cell(*b)


def test_bh_adjustment_matches_statsmodels_fdr_bh() -> None:
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=40), rng.uniform(0, 0.002, size=5)])
    reject, reference, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    ours = adjust_bh([*p.tolist(), None])
    assert ours[-1] is None
    assert np.allclose(np.array(ours[:-1], dtype=float), reference, rtol=1e-12)
    assert [q is not None and q < 0.05 for q in ours[:-1]] == reject.tolist()


def _daily(rng: np.random.Generator, days: int, per_day: int, change_at: int | None, shift: float):
    start = date(2025, 1, 1)
    dates, cells = [], []
    for i in range(days):
        s = shift if change_at is not None and i >= change_at else 0.0
        dates.append(start + timedelta(days=i))
        cells.append(cell(*sample(rng, int(rng.poisson(per_day)), s)))
    return dates, cells


def test_change_point_equals_brute_force_search_and_finds_the_day() -> None:
    rng = np.random.default_rng(11)
    days, cells = _daily(rng, 200, 12, change_at=130, shift=-1.5)
    found = find_change_point(days, cells, "nps", min_days=14, min_n=30)
    assert found is not None
    best_gain, best_day, best_p, candidates = -1.0, None, 1.0, 0
    for k in range(1, len(days)):
        if (days[k] - days[0]).days < 14 or (days[-1] - days[k]).days + 1 < 14:
            continue
        before, after = CellStats(), CellStats()
        for c in cells[:k]:
            before = before + c
        for c in cells[k:]:
            after = after + c
        candidates += 1
        # least squares: two levels instead of one, in the per-response score (±1/0)
        mean_b = (before.promoters - before.detractors) / before.nps_n
        mean_a = (after.promoters - after.detractors) / after.nps_n
        gain = before.nps_n * after.nps_n / (before.nps_n + after.nps_n) * (mean_a - mean_b) ** 2
        if gain > best_gain:
            d = compare_cells(after, before, "nps")
            best_gain, best_day, best_p = gain, days[k], d.p_value or 1.0
    assert found.at == best_day == date(2025, 1, 1) + timedelta(days=130)
    assert found.candidates == candidates
    assert found.p_adjusted == pytest.approx(min(1.0, best_p * candidates))
    assert found.difference < -20


def test_control_limits_are_centre_plus_minus_three_standard_errors() -> None:
    rng = np.random.default_rng(4)
    periods = [date(2025, m, 1) for m in range(1, 8)]
    raw = [sample(rng, 200 + 10 * i) for i in range(7)]
    raw[6] = sample(rng, 150, -2.0)
    points = control_chart(
        periods, [cell(*r) for r in raw], "csat_top2", baseline=12, min_baseline=3, min_n=30
    )
    assert [p.centre is None for p in points] == [True, True, True, False, False, False, False]
    base = np.concatenate([r[1] for r in raw[:6]]) >= 4
    p_bar = base.mean()
    last = points[-1]
    assert last.centre == pytest.approx(100 * p_bar)
    assert last.lower == pytest.approx(100 * (p_bar - 3 * np.sqrt(p_bar * (1 - p_bar) / 150)))
    assert last.below and not any(p.below for p in points[:-1])
    nps_points = control_chart(periods, [cell(*r) for r in raw], "nps", min_baseline=3, min_n=30)
    scores = np.concatenate([nps_scores(r[0]) for r in raw[:6]])
    assert nps_points[-1].sigma == pytest.approx(scores.std() / np.sqrt(150))


def test_pain_points_rank_the_worse_bigger_source_first() -> None:
    def counts(key: str, n: int, prom: int, det: int) -> PainCounts:
        return PainCounts(key, n, n, prom, det, n, det, 0, 0, 10.0 * det)

    rows = [counts("good", 1000, 600, 100), counts("bad", 300, 30, 200), counts("tiny", 20, 0, 20)]
    ranked = rank_pain_points(rows, total_counts(rows), min_n=30)
    assert [p.key for p in ranked] == ["bad", "good", "tiny"]
    bad = ranked[0]
    assert bad.nps == pytest.approx(-170 / 3)
    assert bad.nps_rest == pytest.approx(100 * (600 - 120) / 1020)
    # NPS gain: overall NPS if "bad" scored like the rest, minus overall NPS now
    now = 100 * (630 - 320) / 1320
    like_rest = 100 * ((630 - 320) - (30 - 200) + 300 * 480 / 1020) / 1320
    assert bad.nps_gain == pytest.approx(like_rest - now)
    assert bad.money_at_risk == 2000.0
    assert ranked[2].insufficient and ranked[2].pain_score is None
