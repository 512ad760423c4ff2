"""Deep equality of analysis results across engines: the same structure, equal integers and
strings, floats within 1e-9 (absolute, or relative for large magnitudes)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

TOLERANCE = 1e-9


def assert_same(left: Any, right: Any, path: str = "") -> None:
    if dataclasses.is_dataclass(left) and not isinstance(left, type):
        assert type(left) is type(right), path
        for f in dataclasses.fields(left):
            assert_same(getattr(left, f.name), getattr(right, f.name), f"{path}.{f.name}")
    elif isinstance(left, Mapping):
        assert isinstance(right, Mapping) and set(left) == set(right), (path, left, right)
        for key in left:
            assert_same(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, list | tuple):
        assert isinstance(right, list | tuple) and len(left) == len(right), (path, left, right)
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(left, float) and not isinstance(left, bool):
        assert isinstance(right, float | int), (path, left, right)
        scale = max(1.0, abs(left))
        assert math.isclose(left, right, rel_tol=0, abs_tol=TOLERANCE * scale), (path, left, right)
    else:
        assert left == right, (path, left, right)
