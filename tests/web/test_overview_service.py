"""Ordering the touch-points of the overview (pure, on domain result objects)."""

from __future__ import annotations

import pytest

from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import MetricRow, MetricValue
from cxm.services.overview import Filters, rank_touchpoints


def _row(key: str, nps: float | None, n: int = 50) -> MetricRow:
    value = MetricValue("nps", n, nps, None, None, 10.0 if nps is not None else None, nps is None)
    return MetricRow(keys={"touchpoint": key}, n=n, values={"nps": value})


def test_rank_touchpoints_takes_five_best_and_five_worst_skipping_insufficient() -> None:
    rows = (*(_row(f"t{i:02d}", float(i * 5)) for i in range(14)), _row("thin", None, 3))
    best, worst, ranked = rank_touchpoints(rows)
    assert ranked == 14
    assert [r.key for r in best] == ["t13", "t12", "t11", "t10", "t09"]
    assert [r.key for r in worst] == ["t00", "t01", "t02", "t03", "t04"]


def test_rank_touchpoints_splits_a_short_list_without_overlap() -> None:
    rows = (_row("a", 10.0), _row("b", -5.0), _row("c", 3.0))
    best, worst, _ = rank_touchpoints(rows)
    assert [r.key for r in best] == ["a", "c"] and [r.key for r in worst] == ["b"]


def test_filters_refuse_a_reversed_date_range() -> None:
    from datetime import date

    with pytest.raises(ValidationFailed) as caught:
        Filters(since=date(2025, 2, 1), until=date(2025, 1, 1))
    assert caught.value.field == "since"
