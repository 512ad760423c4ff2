"""Key drivers, journey maps, paths, transitions and moments of truth give the same numbers
(to 1e-9) on PostgreSQL read directly, DuckDB over the Parquet mirror and PySpark (local
mode) over the same mirror, for the small demo company loaded into PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from engine_equality import assert_same

from cxm import analytics
from cxm.analytics.drivers import compute_driver_report
from cxm.analytics.journeys import compute_journey_map
from cxm.analytics.moments import compute_moments
from cxm.analytics.paths import compute_paths
from cxm.config import Settings
from cxm.domain.drivers import DriverQuery
from cxm.domain.journeys import JourneyQuery, MomentQuery, PathQuery
from cxm.services.demo import effects
from cxm.services.runtime import Runtime

pytestmark = [pytest.mark.postgres, pytest.mark.spark]

Engines = dict[str, analytics.Engine]


@pytest.fixture(scope="module")
def engines(
    demo_on_postgres: Runtime, spark_engine: Callable[[Settings], analytics.Engine]
) -> Engines:
    settings = demo_on_postgres.settings
    out = {
        "postgres": analytics.connect(settings),
        "duckdb": analytics.connect(settings.model_copy(update={"analytics_engine": "duckdb"})),
        "spark": spark_engine(settings),
    }
    assert [e.name for e in out.values()] == list(out)
    return out


def each(engines: Engines, run: Callable[[analytics.Engine], object]) -> list[object]:
    results = [run(engine) for engine in engines.values()]
    for other in results[1:]:
        assert_same(results[0], other)
    return results


@pytest.mark.parametrize(
    "query",
    [
        DriverQuery(drivers=effects.RELATIONSHIP_ATTRIBUTES, bootstrap=100),
        DriverQuery(
            drivers=("price", "app", "staff"),
            since=date(2024, 6, 1),
            where={"segment": ("young", "family", "senior")},
            bootstrap=50,
            seed=3,
        ),
        DriverQuery(
            source="touchpoints", drivers=("invoice", "hotline"), bootstrap=50, outcome="nps"
        ),
    ],
    ids=["answers", "answers-filtered", "touchpoints"],
)
def test_key_drivers_equal_on_every_engine(engines: Engines, query: DriverQuery) -> None:
    [report, *_] = each(engines, lambda e: compute_driver_report(e, query))
    assert report.n > 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "query",
    [
        JourneyQuery(),
        JourneyQuery(journey="use", since=date(2025, 1, 1), until=date(2025, 9, 30)),
        JourneyQuery(where={"channel": ("call_center", "store")}),
    ],
    ids=["all", "use-window", "channels"],
)
def test_journey_map_equal_on_every_engine(
    engines: Engines, demo_on_postgres: Runtime, query: JourneyQuery
) -> None:
    layout = [(j.key, s.key, t.key) for j, s, t in demo_on_postgres.taxonomy.touchpoints()]
    [m, *_] = each(engines, lambda e: compute_journey_map(e, query, layout, min_n=10))
    assert any(c.interactions for c in m.stages)  # type: ignore[attr-defined]
    assert m.transitions  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "query",
    [
        PathQuery(steps=4, top=10),
        PathQuery(level="stage", steps=3, top=5, journey=JourneyQuery(since=date(2025, 1, 1))),
    ],
    ids=["touchpoints", "stages"],
)
def test_paths_equal_on_every_engine(engines: Engines, query: PathQuery) -> None:
    [report, *_] = each(engines, lambda e: compute_paths(e, query))
    assert report.paths  # type: ignore[attr-defined]


@pytest.mark.parametrize("outcome", ["churn", "nps"])
def test_moments_of_truth_equal_on_every_engine(
    engines: Engines, demo_on_postgres: Runtime, outcome: str
) -> None:
    placement = demo_on_postgres.taxonomy.touchpoint_placement()
    query = MomentQuery(outcome=outcome, min_customers=10)  # type: ignore[arg-type]
    [report, *_] = each(engines, lambda e: compute_moments(e, query, placement))
    assert report.moments  # type: ignore[attr-defined]
