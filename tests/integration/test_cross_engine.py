"""Every core metric is equal (to 1e-9) on DuckDB over the Parquet mirror and on PostgreSQL
read directly, for the same data loaded into the store on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from cxm import analytics
from cxm.domain.metrics import GRAINS, MetricQuery, MetricReport, MetricRow
from cxm.services import mirror
from cxm.services.runtime import Runtime, open_runtime
from factories import insert_responses, response_rows, update_rows
from pg_helpers import fresh_schema
from settings_helpers import make_settings

pytestmark = pytest.mark.postgres

BREAKDOWNS = [(), ("segment",), ("segment", "channel"), ("department", "product", "touchpoint")]
FILTERS = [
    {},
    {"since": date(2025, 1, 15), "until": date(2025, 3, 31)},
    {"where": {"channel": ("web", "branch"), "segment": ("young", "senior", "business")}},
]


@pytest.fixture(scope="module")
def engines(
    pg_base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[analytics.Engine, analytics.Engine]]:
    with fresh_schema(pg_base_url, "x") as url:
        data_dir: Path = tmp_path_factory.mktemp("cross")
        rt: Runtime = open_runtime(make_settings(data_dir, url))
        try:
            insert_responses(rt, response_rows(4000, start=datetime(2024, 12, 20), days=150))
            mirror.refresh_mirror(rt)
            # re-imported rows: the mirror must hold only their new values, like the store
            new_values = {f"r{i}": {"nps": 10, "csat": 1, "ces": 7} for i in range(50)}
            update_rows(rt, "responses", new_values)
            mirror.refresh_mirror(rt)
            pg = analytics.connect(rt.settings)
            duck = analytics.connect(make_settings(data_dir, url, analytics_engine="duckdb"))
            assert (pg.name, duck.name) == ("postgres", "duckdb")
            yield pg, duck
        finally:
            rt.close()
            analytics.reset_engines()


def assert_rows_equal(left: MetricRow, right: MetricRow) -> None:
    assert left.keys == right.keys
    assert left.n == right.n
    assert left.values.keys() == right.values.keys()
    for metric, a in left.values.items():
        b = right.values[metric]
        for name in ("n", "insufficient"):
            assert getattr(a, name) == getattr(b, name), (left.keys, metric, name)
        for name in ("value", "low", "high", "margin", "top2", "top2_low", "top2_high"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), (left.keys, metric, name)
            if x is not None:
                assert abs(x - y) <= 1e-9, (left.keys, metric, name, x, y)


def assert_reports_equal(left: MetricReport, right: MetricReport) -> None:
    assert len(left.rows) == len(right.rows)
    for a, b in zip(left.rows, right.rows, strict=True):
        assert_rows_equal(a, b)
    assert_rows_equal(left.total, right.total)


@pytest.mark.parametrize(
    ("by", "grain", "filters"),
    [
        *itertools.product(BREAKDOWNS, (None,), FILTERS),
        *itertools.product(BREAKDOWNS[:3], GRAINS, FILTERS[:2]),
        *((BREAKDOWNS[3], g, FILTERS[2]) for g in GRAINS),
    ],
)
def test_metrics_equal_on_duckdb_mirror_and_postgres(
    engines: tuple[analytics.Engine, analytics.Engine],
    by: tuple[str, ...],
    grain: str | None,
    filters: dict,
) -> None:
    pg, duck = engines
    query = MetricQuery(by=by, grain=grain, **filters)  # type: ignore[arg-type]
    on_pg = analytics.compute_metric_report(pg, query, min_n=20)
    on_duck = analytics.compute_metric_report(duck, query, min_n=20)
    assert on_pg.total.n > 0 and (on_pg.rows or not (by or grain))
    assert_reports_equal(on_pg, on_duck)


@pytest.mark.parametrize("metric", ["nps", "csat", "ces"])
def test_single_metric_equal_on_both_engines_with_small_minimum(
    engines: tuple[analytics.Engine, analytics.Engine], metric: str
) -> None:
    pg, duck = engines
    query = MetricQuery(metrics=(metric,), by=("segment", "channel"), grain="week")  # type: ignore[arg-type]
    assert_reports_equal(
        analytics.compute_metric_report(pg, query, min_n=1),
        analytics.compute_metric_report(duck, query, min_n=1),
    )


def test_updated_rows_count_once_with_new_values_on_both_engines(
    engines: tuple[analytics.Engine, analytics.Engine],
) -> None:
    pg, duck = engines
    query = MetricQuery(metrics=("nps",), where={"segment": ("young",)}, min_n=1)
    a = analytics.compute_metric_report(pg, query, min_n=1).total
    b = analytics.compute_metric_report(duck, query, min_n=1).total
    assert a.n == b.n and a.values["nps"].value == b.values["nps"].value
