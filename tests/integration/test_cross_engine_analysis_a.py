"""The significance, change, control-chart, pain-point and word-of-mouth analyses give the
same numbers (to 1e-9) on DuckDB over the Parquet mirror and on PostgreSQL read directly,
for the same data in the store on PostgreSQL (comment themes and money at risk included)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cxm import analytics
from cxm.services import mirror
from cxm.services.analysis import changes, pain_points, significance, word_of_mouth
from cxm.services.analysis.shape import jsonable
from cxm.services.runtime import Runtime, open_runtime
from factories import insert_responses, insert_rows, response_rows
from pg_helpers import fresh_schema
from settings_helpers import make_settings

pytestmark = pytest.mark.postgres
EMOTIONS = (
    "joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation",
    "frustration", "disappointment", "delight",
)  # fmt: skip


def _interactions(n: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"i{i}",
            "occurred_at": datetime(2025, 1, 1) + timedelta(hours=7 * i),
            "touchpoint": ("login", "checkout", "call")[i % 3],
            "monetary_value": None if i % 7 == 0 else 10.25 * (i % 13) + 0.125,
        }
        for i in range(n)
    ]


def _responses() -> list[dict[str, Any]]:
    rows = response_rows(4000, start=datetime(2024, 12, 20), days=200)
    for i, row in enumerate(rows):
        row["interaction_id"] = i % 300 + 1 if i < 1500 else None
        if i % 5 == 0:
            row["source"] = ("review", "social", "word_of_mouth")[i % 3]
    return rows


def _comment_analyses(n: int) -> list[dict[str, Any]]:
    themes = ("|price|", "|app|delivery|", "|", "|price|staff|")
    return [
        {
            "response_id": i + 1,
            "responded_at": datetime(2025, 1, 1),
            "analyser_version": "test",
            "language": "pl",
            "sentiment": ("negative", "neutral", "positive")[i % 3],
            "sentiment_score": 0.0,
            "themes": themes[(i // 2) % 4],
            **{e: 0.0 for e in EMOTIONS},
        }
        for i in range(0, n, 2)
    ]


@pytest.fixture(scope="module")
def runtimes(
    pg_base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Runtime, Runtime]]:
    with fresh_schema(pg_base_url, "xa") as url:
        data_dir: Path = tmp_path_factory.mktemp("cross-analysis")
        pg = open_runtime(make_settings(data_dir, url, min_responses=20))
        duck = open_runtime(
            make_settings(data_dir, url, min_responses=20, analytics_engine="duckdb")
        )
        try:
            insert_rows(pg, "interactions", _interactions(300))
            insert_responses(pg, _responses())
            insert_rows(pg, "comment_analyses", _comment_analyses(1200))
            mirror.refresh_mirror(pg)
            assert (pg.settings.engine, duck.settings.engine) == ("postgres", "duckdb")
            yield pg, duck
        finally:
            pg.close()
            duck.close()
            analytics.reset_engines()


def assert_same(left: Any, right: Any, path: str = "") -> None:
    """Equal structure; numbers equal to 1e-9 (relative for large sums)."""
    if isinstance(left, dict):
        assert isinstance(right, dict) and left.keys() == right.keys(), path
        for key in left:
            assert_same(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert isinstance(right, list) and len(left) == len(right), path
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(left, float) and not isinstance(left, bool):
        assert isinstance(right, float | int), path
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9), (path, left, right)
    else:
        assert left == right, (path, left, right)


CASES: dict[str, Callable[[Runtime], Any]] = {
    "compare_value_vs_rest": lambda rt: significance.compare_groups(
        rt, significance.Group("a", where={"segment": ("young",)})
    ),
    "compare_periods": lambda rt: significance.compare_groups(
        rt,
        significance.Group("a", since=date(2025, 3, 1), until=date(2025, 4, 30)),
        significance.Group("b", since=date(2025, 1, 1), until=date(2025, 2, 28)),
    ),
    "scan_department_csat": lambda rt: significance.scan_dimension(rt, "department", "csat"),
    "change_scan": lambda rt: significance.change_scan(rt, date(2025, 3, 15), days=60),
    "change_points": lambda rt: changes.find_change_points(rt, dimension="channel"),
    "control_charts": lambda rt: changes.control_charts(rt, metric="csat_top2", grain="week"),
    "pain_points_department": lambda rt: pain_points.rank_pain(rt, "department"),
    "pain_points_theme": lambda rt: pain_points.rank_pain(rt, "theme"),
    "word_of_mouth": lambda rt: word_of_mouth.word_of_mouth(rt, "touchpoint"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_analysis_equal_on_duckdb_and_postgres(
    runtimes: tuple[Runtime, Runtime], case: str
) -> None:
    pg, duck = runtimes
    on_pg, on_duck = jsonable(CASES[case](pg)), jsonable(CASES[case](duck))
    assert on_pg, case
    assert_same(on_pg, on_duck, case)


def test_pain_points_use_comments_money_and_themes(runtimes: tuple[Runtime, Runtime]) -> None:
    pg, _ = runtimes
    result = pain_points.rank_pain(pg, "theme")
    assert result.uses_comments and result.uses_money
    assert {p.key for p in result.rows} == {"price", "app", "delivery", "staff"}
    by_department = pain_points.rank_pain(pg, "department")
    assert sum(p.money_at_risk for p in by_department.rows) > 0
    assert any(p.negative_comment_share is not None for p in by_department.rows)
