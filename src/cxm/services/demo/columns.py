"""Small vectorised helpers shared by the demo generators: weighted choices over keys,
string columns built with Arrow compute, timestamps and identifiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def choose(
    rng: np.random.Generator, weights: Mapping[Any, float] | Sequence[float], n: int
) -> np.ndarray:
    """``n`` indices drawn with the given (unnormalised) weights."""
    w = np.fromiter(weights.values() if isinstance(weights, Mapping) else weights, dtype=float)
    return rng.choice(w.size, size=n, p=w / w.sum())


def take(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """A string column: ``values[index]`` built as an Arrow dictionary and decoded."""
    dictionary = pa.array(list(values), type=pa.string())
    return pc.take(dictionary, pa.array(index, type=pa.int32()))


def take_nullable(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """Like :func:`take`, but a negative index gives null."""
    dictionary = pa.array(list(values), type=pa.string())
    mask = index < 0
    return pc.take(dictionary, pa.array(np.where(mask, 0, index), type=pa.int32(), mask=mask))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers like ``C00000042`` from integer numbers."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def ids_nullable(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Like :func:`ids`, a negative number gives null."""
    base = ids(prefix, np.where(numbers < 0, 0, numbers), width)
    return pc.if_else(pa.array(numbers < 0), pa.scalar(None, pa.string()), base)


def join(separator: str, *parts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(*parts, separator)


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Naive UTC timestamps (microseconds) from seconds since the epoch."""
    return pa.array(seconds.astype(np.int64) * 1_000_000, type=pa.timestamp("us"))


def floats(values: np.ndarray) -> pa.Array:
    """Floats with NaN as null."""
    values = np.asarray(values, dtype=np.float64)
    return pa.array(values, mask=np.isnan(values))


def small_ints(values: np.ndarray) -> pa.Array:
    """Integer scores with negative values as null."""
    values = np.asarray(values)
    return pa.array(np.where(values < 0, 0, values).astype(np.int16), mask=values < 0)
