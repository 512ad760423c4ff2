"""Key drivers and journey analytics recover what the demo company holds: the planted
dominant driver of relationship NPS, every stage of the journeys, paths and transitions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from demo_fixture import open_demo

from cxm.domain.access import Principal
from cxm.domain.drivers import DriverQuery
from cxm.domain.errors import ValidationFailed
from cxm.domain.journeys import JourneyQuery, MomentQuery, PathQuery
from cxm.domain.text_metrics import EMOTIONS
from cxm.services import drivers, journeys
from cxm.services.demo import DemoSummary, effects
from cxm.services.runtime import Runtime

Demo = tuple[Runtime, DemoSummary]
ATTRS = effects.RELATIONSHIP_ATTRIBUTES


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from open_demo(Path(tmp_path_factory.mktemp("journeys")))


def test_dominant_driver_ranks_first_with_interval_clear_of_others(demo: Demo) -> None:
    rt, _ = demo
    report = drivers.key_drivers(rt, DriverQuery(drivers=ATTRS, bootstrap=300))
    top, *rest = report.drivers
    assert top.driver == effects.DOMINANT_DRIVER and top.rank == 1
    assert top.low is not None and all(d.high is not None for d in rest)
    assert top.low > max(d.high for d in rest if d.high is not None)
    assert top.share > 0.6 and report.n > 500
    assert report.r2_low is not None and report.r2_low < report.r2 < report.r2_high  # type: ignore[operator]
    assert abs(sum(d.importance for d in report.drivers) - report.r2) < 1e-12
    for d in report.drivers:
        assert d.low <= d.importance <= d.high  # type: ignore[operator]
        assert 1 <= d.mean <= 5 and 0 <= d.top_box <= 1


def test_drivers_default_to_the_answers_found_and_repeat_exactly_with_the_seed(
    demo: Demo,
) -> None:
    rt, _ = demo
    first = drivers.key_drivers(rt, DriverQuery(bootstrap=50, seed=11))
    again = drivers.key_drivers(rt, DriverQuery(bootstrap=50, seed=11))
    assert {d.driver for d in first.drivers} == set(ATTRS)
    assert first == again
    other = drivers.key_drivers(rt, DriverQuery(bootstrap=50, seed=12))
    assert other.drivers[0].low != first.drivers[0].low


def test_drivers_reject_a_single_driver_and_unknown_dimension(demo: Demo) -> None:
    rt, _ = demo
    with pytest.raises(ValidationFailed) as err:
        drivers.key_drivers(rt, DriverQuery(drivers=("price",)))
    assert err.value.field == "drivers"
    with pytest.raises(ValidationFailed):
        drivers.key_drivers(rt, DriverQuery(drivers=ATTRS, where={"colour": ("red",)}))


def test_touchpoint_drivers_join_customers_csat_to_relationship_nps(demo: Demo) -> None:
    rt, _ = demo
    report = drivers.key_drivers(
        rt, DriverQuery(source="touchpoints", drivers=("invoice", "hotline"), bootstrap=50)
    )
    assert report.n >= 5
    assert {d.driver for d in report.drivers} == {"invoice", "hotline"}
    assert 0 <= report.r2 <= 1


def test_journey_map_has_every_stage_in_order_with_volumes(demo: Demo) -> None:
    rt, _ = demo
    m = journeys.journey_map(rt, JourneyQuery())
    expected = [(j.key, s.key) for j, s in rt.taxonomy.stages()]
    assert [(c.journey, c.stage) for c in m.stages] == expected
    assert len(m.touchpoints) == len(rt.taxonomy.touchpoints())
    assert all(c.interactions > 0 for c in m.stages)
    assert sum(c.interactions for c in m.touchpoints) == sum(c.interactions for c in m.stages)
    # the demo stores comment analyses: the curve is their sentiment and emotions
    assert m.emotion_source == "comments"
    assert all(-1 <= c.emotion.valence <= 1 for c in m.stages if c.emotion.valence is not None)
    assert all(set(c.emotion.intensities) == set(EMOTIONS) for c in m.stages if c.emotion.n)
    # the worst-rated stage of the demo feels worse than the best-rated one
    rated = [c for c in m.stages if c.csat.value is not None and c.emotion.n >= 30]
    worst = min(rated, key=lambda c: c.csat.value)  # type: ignore[arg-type,return-value]
    best = max(rated, key=lambda c: c.csat.value)  # type: ignore[arg-type,return-value]
    assert worst.emotion.valence < best.emotion.valence  # type: ignore[operator]
    assert len(m.transitions) == len(expected) - 1
    for t in m.transitions:
        assert 0 <= t.converted <= t.reached
        if t.converted:
            assert 0 <= t.median_seconds <= t.p90_seconds  # type: ignore[operator]


def test_deteriorating_touchpoint_has_lower_csat_after_release(demo: Demo) -> None:
    rt, _ = demo
    before = journeys.journey_map(rt, JourneyQuery(journey="use", until=effects.DETERIORATION_DATE))
    after = journeys.journey_map(rt, JourneyQuery(journey="use", since=effects.DETERIORATION_DATE))
    [b] = [c for c in before.touchpoints if c.touchpoint == effects.DETERIORATING_TOUCHPOINT]
    [a] = [c for c in after.touchpoints if c.touchpoint == effects.DETERIORATING_TOUCHPOINT]
    assert a.csat.value < b.csat.value - 0.3  # type: ignore[operator]
    assert {c.journey for c in after.stages} == {"use"}


def test_paths_count_customers_and_stage_paths_start_at_discovery(demo: Demo) -> None:
    rt, _ = demo
    report = journeys.common_paths(rt, PathQuery(steps=3, top=5))
    assert len(report.paths) >= 5
    counts = [p.customers for p in report.paths]
    assert counts == sorted(counts, reverse=True) and counts[0] <= report.customers
    assert all(1 <= len(p.steps) <= 3 for p in report.paths)
    assert all(a != b for p in report.paths for a, b in zip(p.steps, p.steps[1:], strict=False))
    buy = journeys.common_paths(
        rt, PathQuery(level="stage", steps=2, top=3, journey=JourneyQuery(journey="buy"))
    )
    assert {s for p in buy.paths for s in p.steps} <= {"discover", "purchase"}


def _paths_by_pandas(
    rt: Runtime, steps: int, since: date, channel: str
) -> tuple[int, dict[tuple[str, ...], int]]:
    """Customers with a path and the customers of each path, counted from the system of
    record with pandas: interactions from ``since`` on, on ``channel``, in time order."""
    t = pd.read_sql(
        "SELECT id, customer_id, occurred_at, touchpoint, channel FROM interactions",
        rt.db.engine,
        parse_dates=["occurred_at"],
    )
    t = t[(t.occurred_at >= pd.Timestamp(since)) & (t.channel == channel)]
    t = t.dropna(subset=["customer_id", "touchpoint"]).sort_values(
        ["customer_id", "occurred_at", "id"]
    )
    previous = t.groupby("customer_id")["touchpoint"].shift()
    t = t[previous.isna() | (previous != t.touchpoint)]
    t = t[t.groupby("customer_id").cumcount() < steps]
    paths = t.groupby("customer_id")["touchpoint"].agg(tuple).value_counts()
    return int(t.customer_id.nunique()), {k: int(n) for k, n in paths.items()}


def test_paths_and_their_shares_equal_an_independent_count(demo: Demo) -> None:
    rt, _ = demo
    since, channel = date(2025, 1, 1), "call_center"
    query = PathQuery(
        steps=3, top=8, journey=JourneyQuery(since=since, where={"channel": (channel,)})
    )
    report = journeys.common_paths(rt, query)
    customers, counts = _paths_by_pandas(rt, 3, since, channel)
    assert report.customers == customers > 0
    least = report.paths[-1].customers
    assert {p.steps: p.customers for p in report.paths} == {
        k: n for k, n in counts.items() if n >= least
    }
    assert len(report.paths) >= 8
    for p in report.paths:
        assert p.share == pytest.approx(p.customers / customers, abs=1e-12)


def test_journey_analyses_refuse_response_only_filters(demo: Demo) -> None:
    rt, _ = demo
    with pytest.raises(ValidationFailed) as err:
        journeys.common_paths(rt, PathQuery(journey=JourneyQuery(where={"source": ("api",)})))
    assert err.value.field == "where" and "'source'" in err.value.message


def test_moments_of_truth_compare_bad_and_good_experiences(demo: Demo) -> None:
    rt, _ = demo
    report = journeys.moments_of_truth(rt, MomentQuery(outcome="churn"))
    assert report.moments
    valued = [m for m in report.moments if m.churn.difference is not None]
    assert valued and valued == list(report.moments[: len(valued)])
    diffs = [m.churn.difference for m in valued]
    assert diffs == sorted(diffs, reverse=True)  # type: ignore[type-var]
    for m in valued:
        assert m.churn.low <= m.churn.difference <= m.churn.high  # type: ignore[operator]


def test_department_scope_limits_the_journey_map(demo: Demo) -> None:
    rt, _ = demo
    agent = Principal(user_id=1, username="a", role="agent", department="billing")
    scoped = journeys.journey_map(rt, JourneyQuery(), agent)
    assert any(c.interactions for c in scoped.touchpoints)
    full = journeys.journey_map(rt, JourneyQuery())
    assert sum(c.interactions for c in scoped.stages) < sum(c.interactions for c in full.stages)
