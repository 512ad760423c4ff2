"""Text metrics (sentiment, emotions, themes, examples, the comment list) are equal on DuckDB
over the Parquet mirror and on PostgreSQL read directly, for the same analysed comments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from cxm import analytics
from cxm.analytics import text_metrics
from cxm.domain.text_metrics import TextQuery
from cxm.services import comment_analysis, mirror
from cxm.services.runtime import Runtime, open_runtime
from factories import insert_responses, response_rows
from pg_helpers import fresh_schema
from settings_helpers import make_settings

pytestmark = pytest.mark.postgres

TEXTS = (
    "Obsługa fatalna, czekałem godzinę na infolinii",
    "Great service, fast delivery :)",
    "Cena abonamentu za wysoka, nie polecam",
    "Kurier spóźnił się dwa dni, paczka uszkodzona",
    "Bardzo miła pani w salonie, wszystko wyjaśniła",
    "The app keeps crashing and I cannot log in",
)
THEMES = ("price", "delivery", "waiting_time", "staff_attitude", "app_website", "billing_error")
QUERIES = [
    TextQuery(),
    TextQuery(by=("segment",)),
    TextQuery(by=("touchpoint", "channel"), grain="month"),
    TextQuery(grain="week", since=date(2025, 1, 1), until=date(2025, 2, 28)),
    TextQuery(by=("department",), where={"channel": ("web", "phone")}, sentiment="negative"),
    TextQuery(by=("segment",), theme="delivery", emotion="joy"),
]


@pytest.fixture(scope="module")
def engines(
    pg_base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[analytics.Engine, analytics.Engine]]:
    with fresh_schema(pg_base_url, "t") as url:
        data_dir: Path = tmp_path_factory.mktemp("cross-text")
        rt: Runtime = open_runtime(make_settings(data_dir, url))
        try:
            rows = response_rows(3000, start=datetime(2024, 12, 20), days=150, comment_share=0.6)
            for i, row in enumerate(rows):
                row["updated_at"] = datetime(2024, 1, 1)
                if row["comment"]:
                    row["comment"] = TEXTS[(i * 7) % len(TEXTS)] + ("!" * (i % 3))
            insert_responses(rt, rows)
            comment_analysis.analyse_backlog(rt, workers=1)
            mirror.refresh_mirror(rt)
            pg = analytics.connect(rt.settings)
            duck = analytics.connect(make_settings(data_dir, url, analytics_engine="duckdb"))
            assert (pg.name, duck.name) == ("postgres", "duckdb")
            yield pg, duck
        finally:
            rt.close()
            analytics.reset_engines()


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_text_reports_are_equal_on_duckdb_and_postgres(
    engines: tuple[analytics.Engine, analytics.Engine], query: TextQuery
) -> None:
    pg, duck = engines
    a = text_metrics.compute_text_report(pg, query, min_n=5)
    b = text_metrics.compute_text_report(duck, query, min_n=5)
    assert a.total.n > 0
    assert a == b


def test_theme_reports_and_examples_are_equal_on_duckdb_and_postgres(
    engines: tuple[analytics.Engine, analytics.Engine],
) -> None:
    pg, duck = engines
    for query in (TextQuery(), TextQuery(by=("segment",), sentiment="negative")):
        a = text_metrics.compute_theme_report(pg, query, THEMES, min_n=5)
        b = text_metrics.compute_theme_report(duck, query, THEMES, min_n=5)
        assert a == b
        assert {r.keys["theme"] for r in a[0].rows} >= {"delivery", "price"}
    assert text_metrics.theme_examples(pg, TextQuery(), THEMES, 3) == text_metrics.theme_examples(
        duck, TextQuery(), THEMES, 3
    )


def test_comment_lists_are_equal_on_duckdb_and_postgres(
    engines: tuple[analytics.Engine, analytics.Engine],
) -> None:
    pg, duck = engines
    query = TextQuery(theme="price", where={"segment": ("young", "family")})
    a = text_metrics.list_comments(pg, query, offset=10, limit=20)
    b = text_metrics.list_comments(duck, query, offset=10, limit=20)
    assert a == b and a[1] > 30 and len(a[0]) == 20
    assert all("|price|" in c["themes"] for c in a[0])
