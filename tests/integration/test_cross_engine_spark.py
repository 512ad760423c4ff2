"""Core metrics (NPS, CSAT, CES with intervals, every grain and breakdown) give the same
numbers (to 1e-9) on PostgreSQL, DuckDB over the mirror and PySpark over the mirror."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date

import pytest
from engine_equality import assert_same

from cxm import analytics
from cxm.config import Settings
from cxm.domain.metrics import GRAINS, MetricQuery
from cxm.services.runtime import Runtime

pytestmark = [pytest.mark.postgres, pytest.mark.spark]

BREAKDOWNS = [(), ("segment",), ("touchpoint", "channel"), ("department", "product", "source")]
FILTERS = [
    {},
    {"since": date(2025, 1, 15), "until": date(2025, 3, 31)},
    {"where": {"channel": ("call_center", "store"), "segment": ("young", "senior")}},
]


@pytest.fixture(scope="module")
def engines(
    demo_on_postgres: Runtime, spark_engine: Callable[[Settings], analytics.Engine]
) -> list[analytics.Engine]:
    settings = demo_on_postgres.settings
    return [
        analytics.connect(settings),
        analytics.connect(settings.model_copy(update={"analytics_engine": "duckdb"})),
        spark_engine(settings),
    ]


def test_engines_are_postgres_duckdb_and_spark(engines: list[analytics.Engine]) -> None:
    assert [e.name for e in engines] == ["postgres", "duckdb", "spark"]


@pytest.mark.parametrize(
    ("by", "grain", "filters"),
    [
        *itertools.product(BREAKDOWNS, (None,), FILTERS),
        *((BREAKDOWNS[1], g, FILTERS[0]) for g in GRAINS),
        (BREAKDOWNS[2], "month", FILTERS[2]),
    ],
)
def test_metrics_equal_on_postgres_duckdb_and_spark(
    engines: list[analytics.Engine], by: tuple[str, ...], grain: str | None, filters: dict
) -> None:
    query = MetricQuery(by=by, grain=grain, **filters)  # type: ignore[arg-type]
    reports = [analytics.compute_metric_report(e, query, min_n=5) for e in engines]
    assert reports[0].total.n > 0
    for other in reports[1:]:
        assert_same(reports[0].rows, other.rows)
        assert_same(reports[0].total, other.total)
