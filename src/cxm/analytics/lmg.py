"""LMG relative importance, exactly, from a correlation matrix (NumPy).

R²(S) of the regression of y on the drivers in S is r_Sᵀ R_SS⁻¹ r_S (standardised
variables), computed for all 2^k subsets; a driver's LMG share is the Shapley value
Σ_S |S|!(k−|S|−1)!/k! · (R²(S ∪ {j}) − R²(S)) over the subsets S without j. Batches of
correlation matrices (bootstrap replicates) are solved together, subset by subset."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def correlation_from_moments(
    n: float | FloatArray, sums: FloatArray, cross: FloatArray
) -> FloatArray:
    """Correlation matrices from n, Σx (…, p) and Σxxᵀ (…, p, p); batches allowed.

    A variable with no variance gets a zero correlation with every other."""
    n_arr = np.asarray(n, dtype=np.float64)[..., None, None]
    mean = sums / np.asarray(n, dtype=np.float64)[..., None]
    cov = cross / n_arr - mean[..., :, None] * mean[..., None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (sd[..., :, None] * sd[..., None, :])
    corr = np.where(np.isfinite(corr), corr, 0.0)
    idx = np.arange(corr.shape[-1])
    corr[..., idx, idx] = 1.0
    return np.asarray(corr, dtype=np.float64)


def subset_r2(corr: FloatArray) -> FloatArray:
    """R² of every subset of drivers (index = bit mask), outcome at position 0 of ``corr``
    (shape (p, p) or (B, p, p), p = k + 1). Returns (2^k,) or (B, 2^k)."""
    batch = corr[None] if corr.ndim == 2 else corr
    k = batch.shape[-1] - 1
    out = np.zeros((batch.shape[0], 1 << k))
    for mask in range(1, 1 << k):
        cols = [i + 1 for i in range(k) if mask >> i & 1]
        rxx = batch[:, cols][:, :, cols]
        rxy = batch[:, cols, 0]
        try:
            beta = np.linalg.solve(rxx, rxy[..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = np.einsum("bij,bj->bi", np.linalg.pinv(rxx), rxy)
        out[:, mask] = np.einsum("bi,bi->b", rxy, beta)
    return out[0] if corr.ndim == 2 else out


def shapley_weights(k: int) -> FloatArray:
    """The (2^k, k) matrix W with LMG = R²(subsets) @ W."""
    w = np.zeros((1 << k, k))
    for mask in range(1 << k):
        size = mask.bit_count()
        for j in range(k):
            if mask >> j & 1:
                # mask = S ∪ {j}: + weight(|S|) ; S = mask without j
                w[mask, j] += (
                    math.factorial(size - 1) * math.factorial(k - size) / math.factorial(k)
                )
            else:
                w[mask, j] -= (
                    math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                )
    return w


def lmg(corr: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(LMG importances, full-model R²) for a correlation matrix or a batch of them."""
    r2 = subset_r2(corr)
    k = corr.shape[-1] - 1
    return r2 @ shapley_weights(k), r2[..., -1]
