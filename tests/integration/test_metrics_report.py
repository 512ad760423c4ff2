"""Core metrics through the reports service: breakdowns, grains, filters, insufficient
cells, department scoping, validation, and the row shape of the CLI/API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from cxm.analytics import reset_engines
from cxm.domain.access import Principal
from cxm.domain.errors import EngineUnavailable, ValidationFailed
from cxm.domain.metrics import MetricQuery
from cxm.services import reports
from cxm.services.runtime import Runtime
from factories import insert_responses, response_rows


@pytest.fixture
def rt(sqlite_runtime: Runtime) -> Iterator[Runtime]:
    rows = response_rows(3000, start=datetime(2025, 1, 1), days=120)
    insert_responses(sqlite_runtime, rows)
    sqlite_runtime.rows = rows  # type: ignore[attr-defined]
    yield sqlite_runtime
    reset_engines()


def expected_nps(rows: list[dict], **match: object) -> tuple[int, float]:
    scores = [
        r["nps"] for r in rows if r["nps"] is not None and all(r[k] == v for k, v in match.items())
    ]
    return len(scores), 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(
        scores
    )


def test_total_matches_direct_count_when_no_breakdown(rt: Runtime) -> None:
    report = reports.metric_report(rt, MetricQuery())
    n, nps = expected_nps(rt.rows)  # type: ignore[attr-defined]
    assert report.total.n == 3000
    assert report.total.values["nps"].n == n
    assert report.total.values["nps"].value == pytest.approx(nps, abs=1e-9)
    csat = [r["csat"] for r in rt.rows if r["csat"] is not None]  # type: ignore[attr-defined]
    assert report.total.values["csat"].value == pytest.approx(sum(csat) / len(csat))
    assert report.total.values["csat"].top2 == pytest.approx(
        100 * sum(c >= 4 for c in csat) / len(csat)
    )


def test_breakdown_by_segment_matches_direct_counts(rt: Runtime) -> None:
    report = reports.metric_report(rt, MetricQuery(metrics=("nps",), by=("segment",)))
    assert [row.keys["segment"] for row in report.rows] == ["business", "family", "senior", "young"]
    for row in report.rows:
        n, nps = expected_nps(rt.rows, segment=row.keys["segment"])  # type: ignore[attr-defined]
        assert (row.values["nps"].n, row.values["nps"].value) == (n, pytest.approx(nps))
    assert sum(row.n for row in report.rows) == report.total.n


@pytest.mark.parametrize(
    ("grain", "first_key"),
    [
        ("day", date(2025, 1, 1)),
        ("week", date(2024, 12, 30)),  # ISO weeks start on Monday
        ("month", date(2025, 1, 1)),
        ("quarter", date(2025, 1, 1)),
    ],
)
def test_grain_keys_are_period_starts(rt: Runtime, grain: str, first_key: date) -> None:
    report = reports.metric_report(rt, MetricQuery(grain=grain))  # type: ignore[arg-type]
    keys = [row.keys[grain] for row in report.rows]
    assert keys[0] == first_key and keys == sorted(keys)
    assert sum(row.n for row in report.rows) == 3000
    if grain == "week":
        assert all(k.weekday() == 0 for k in keys)  # type: ignore[union-attr]
    if grain == "quarter":
        assert keys == [date(2025, 1, 1), date(2025, 4, 1)]


def test_filters_keep_dates_inclusive_and_dimension_values(rt: Runtime) -> None:
    query = MetricQuery(
        metrics=("nps",),
        since=date(2025, 2, 1),
        until=date(2025, 2, 28),
        where={"channel": ("web", "phone")},
        min_n=1,
    )
    report = reports.metric_report(rt, query)
    kept = [
        r
        for r in rt.rows  # type: ignore[attr-defined]
        if date(2025, 2, 1) <= r["responded_at"].date() <= date(2025, 2, 28)
        and r["channel"] in ("web", "phone")
    ]
    assert report.total.n == len(kept)


def test_cells_below_minimum_are_insufficient_without_numbers(rt: Runtime) -> None:
    report = reports.metric_report(
        rt,
        MetricQuery(
            metrics=("nps", "ces"), by=("segment", "channel", "product"), grain="month", min_n=30
        ),
    )
    small = [row for row in report.rows if row.values["nps"].n < 30]
    large = [row for row in report.rows if row.values["nps"].n >= 30]
    assert small and large
    assert all(r.values["nps"].insufficient and r.values["nps"].value is None for r in small)
    assert all(not r.values["nps"].insufficient for r in large)
    rows = reports.report_rows(report)
    insufficient = [r for r in rows if r.get("nps_insufficient")]
    assert insufficient and all("nps" not in r and "nps_margin" not in r for r in insufficient)


def test_department_scope_forces_filter_when_principal_is_manager(rt: Runtime) -> None:
    manager = Principal(user_id=1, username="m", role="manager", department="billing")
    report = reports.metric_report(rt, MetricQuery(by=("department",)), manager)
    assert [row.keys["department"] for row in report.rows] == ["billing"]
    asked_other = reports.metric_report(rt, MetricQuery(where={"department": ("sales",)}), manager)
    assert asked_other.total.n == 0 and asked_other.rows == ()
    analyst = Principal(user_id=2, username="a", role="analyst")
    assert reports.metric_report(rt, MetricQuery(), analyst).total.n == 3000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (MetricQuery(by=("colour",)), "by"),
        (MetricQuery(metrics=("wow",)), "metric"),  # type: ignore[arg-type]
        (MetricQuery(grain="year"), "grain"),  # type: ignore[arg-type]
        (MetricQuery(where={"shape": ("x",)}), "where"),
        (MetricQuery(by=("segment", "channel", "product", "process")), "by"),
        (MetricQuery(since=date(2025, 2, 1), until=date(2025, 1, 1)), "since"),
        (MetricQuery(min_n=0), "min_n"),
    ],
)
def test_invalid_query_names_field(rt: Runtime, query: MetricQuery, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        reports.metric_report(rt, query)
    assert info.value.field == field


def test_single_metric_rows_have_documented_shape(rt: Runtime) -> None:
    report = reports.metric_report(
        rt, MetricQuery(metrics=("csat",), by=("segment",), grain="quarter")
    )
    row = reports.report_rows(report)[0]
    assert list(row) == [
        "segment",
        "quarter",
        "n",
        "csat",
        "margin",
        "low",
        "high",
        "top2",
        "top2_low",
        "top2_high",
    ]
    assert row["quarter"] == "2025-01-01"


def test_analytics_refuse_sqlite_when_postgres_engine_asked(rt: Runtime) -> None:
    rt.settings.analytics_engine = "postgres"
    with pytest.raises(EngineUnavailable):
        reports.metric_report(rt, MetricQuery())


def test_report_sees_new_rows_when_mirror_is_stale(rt: Runtime) -> None:
    assert reports.metric_report(rt, MetricQuery()).total.n == 3000
    insert_responses(rt, response_rows(10, prefix="late"))
    rt.settings.mirror_max_age_seconds = 0
    assert reports.metric_report(rt, MetricQuery()).total.n == 3010


def test_dimension_values_are_labelled_in_language(rt: Runtime) -> None:
    sources = dict(reports.dimension_values(rt, "source", "en"))
    assert sources["word_of_mouth"] == "Word of mouth"
    segments = reports.dimension_values(rt, "segment", "pl")
    assert segments and all(key and label for key, label in segments)
    with pytest.raises(ValidationFailed):
        reports.dimension_values(rt, "colour", "pl")


def _period_start(day: date, grain: str) -> date:
    if grain == "week":
        return date.fromordinal(day.toordinal() - day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


@pytest.mark.parametrize("grain", ["week", "month", "quarter"])
def test_period_cells_are_exact_sums_of_their_rows(rt: Runtime, grain: str) -> None:
    """Periods are summed per day first, then per period: every statistic must still equal
    the direct sum over the period's rows."""
    from cxm.analytics import connect
    from cxm.analytics.cells import compute_cells

    query = MetricQuery(by=("segment",), grain=grain)  # type: ignore[arg-type]
    reports.metric_report(rt, query)  # builds the mirror
    cells = compute_cells(connect(rt.settings), query)
    expected: dict[tuple[str, date], list[int]] = {}
    for r in rt.rows:  # type: ignore[attr-defined]
        key = (r["segment"], _period_start(r["responded_at"].date(), grain))
        acc = expected.setdefault(key, [0, 0, 0, 0, 0])
        acc[0] += 1
        acc[1] += r["nps"] is not None and r["nps"] >= 9
        acc[2] += r["csat"] or 0
        acc[3] += (r["ces"] or 0) ** 2
        acc[4] += r["csat"] is not None and r["csat"] >= 4
    got = {
        (keys["segment"], keys[grain]): [s.n, s.promoters, s.csat_sum, s.ces_sumsq, s.csat_top2]
        for keys, s in cells
    }
    assert got == expected
