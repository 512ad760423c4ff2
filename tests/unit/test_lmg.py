"""LMG relative importance against an independent reference: exhaustive subset regressions
with statsmodels OLS on the Longley data shipped with statsmodels, averaged over every
ordering of the predictors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.datasets import longley

from cxm.analytics.lmg import correlation_from_moments, lmg


def reference_lmg(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    k = x.shape[1]
    cache: dict[frozenset[int], float] = {frozenset(): 0.0}

    def r2(subset: frozenset[int]) -> float:
        if subset not in cache:
            cols = sorted(subset)
            cache[subset] = float(sm.OLS(y, sm.add_constant(x[:, cols])).fit().rsquared)
        return cache[subset]

    total = np.zeros(k)
    orderings = list(itertools.permutations(range(k)))
    for ordering in orderings:
        before: frozenset[int] = frozenset()
        for j in ordering:
            after = before | {j}
            total[j] += r2(after) - r2(before)
            before = after
    return total / len(orderings), r2(frozenset(range(k)))


@pytest.fixture(scope="module")
def longley_data() -> tuple[np.ndarray, np.ndarray]:
    data = longley.load_pandas()
    return data.endog.to_numpy(dtype=float), data.exog.to_numpy(dtype=float)


def test_lmg_matches_shapley_average_of_ols_r2_increments_on_longley(
    longley_data: tuple[np.ndarray, np.ndarray],
) -> None:
    y, x = longley_data
    assert x.shape[1] == 6
    expected, expected_r2 = reference_lmg(y, x)
    corr = np.corrcoef(np.column_stack([y, x]).T)
    importance, r2 = lmg(corr)
    np.testing.assert_allclose(importance, expected, rtol=0, atol=1e-9)
    assert abs(r2 - expected_r2) <= 1e-9
    assert abs(importance.sum() - r2) <= 1e-12


def test_lmg_from_engine_style_moments_matches_reference(
    longley_data: tuple[np.ndarray, np.ndarray],
) -> None:
    y, x = longley_data
    z = np.column_stack([y, x])
    # the engine returns n, Σx and Σxxᵀ; center the data first to keep Longley well posed
    z = z - z.mean(axis=0)
    corr = correlation_from_moments(float(len(z)), z.sum(axis=0), z.T @ z)
    expected, _ = reference_lmg(y, x)
    np.testing.assert_allclose(lmg(corr)[0], expected, rtol=0, atol=1e-9)


def test_lmg_batches_equal_single_matrices_for_bootstrap_replicates() -> None:
    rng = np.random.default_rng(3)
    mats = []
    for _ in range(4):
        z = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5))
        mats.append(np.corrcoef(z.T))
    batch, r2s = lmg(np.stack(mats))
    for i, corr in enumerate(mats):
        single, r2 = lmg(corr)
        np.testing.assert_allclose(batch[i], single, atol=1e-12)
        assert abs(r2s[i] - r2) < 1e-12


def test_constant_driver_gets_no_importance() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 2))
    z = np.column_stack([x @ [1.0, 0.5] + rng.normal(size=300), x, np.ones(300)])
    corr = correlation_from_moments(300.0, z.sum(axis=0), z.T @ z)
    importance, r2 = lmg(corr)
    assert importance[2] == 0.0 and r2 > 0.5
