"""The mirror's daily rollups of the responses: a metric query that breaks down and filters by
at most one dimension besides the source, or by journey levels only, is summed from them, with
exactly the cells the responses give, and so are the pain-point counts; they follow re-imported
rows, including rows that change month or value, and rollups of an older layout are rebuilt.
The interaction rollups give a journey map's interaction counts in the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from cxm.analytics import connect, reset_engines
from cxm.analytics.engine import Engine
from cxm.analytics.journeys import interaction_counts
from cxm.analytics.metrics import cells_expression, compile_sql, metric_expression
from cxm.analytics.pain_points import compute_pain_counts
from cxm.domain.journeys import JourneyQuery
from cxm.domain.metrics import (
    INTERACTION_ROLLUPS,
    RESPONSE_ROLLUPS,
    ROLLUP_FORMAT,
    CellStats,
    MetricQuery,
)
from cxm.services import mirror
from cxm.services.runtime import Runtime
from cxm.store.mirror import MANIFEST_NAME
from factories import default_vocab, insert_responses, insert_rows, response_rows, update_rows

STATS = set(CellStats.__dataclass_fields__)
ELIGIBLE = [
    MetricQuery(),
    MetricQuery(grain="day"),
    MetricQuery(by=("segment",), grain="month"),
    MetricQuery(by=("touchpoint",), grain="week", since=date(2025, 1, 20)),
    MetricQuery(by=("channel",), grain="quarter", until=date(2025, 3, 10)),
    MetricQuery(by=("source",), where={"source": ("survey", "review")}),
    MetricQuery(by=("department", "source"), grain="month"),
    MetricQuery(where={"product": ("premium",)}, grain="day", metrics=("nps",)),
    MetricQuery(by=("touchpoint",), where={"touchpoint": ("login", "call")}),
    MetricQuery(by=("language",), since=date(2025, 2, 1), until=date(2025, 2, 28)),
    MetricQuery(by=("journey", "stage", "touchpoint")),
    MetricQuery(by=("stage", "touchpoint"), where={"journey": ("buy",)}, grain="month"),
    MetricQuery(by=("journey", "source"), where={"stage": ("pay", "ship")}),
]
VOCAB = {**default_vocab(), "journey": ("buy", "use", None), "stage": ("pay", "ship", "fix")}


@pytest.fixture
def engine(sqlite_runtime: Runtime) -> Iterator[Engine]:
    rows = response_rows(4000, start=datetime(2025, 1, 1), days=120, vocab=VOCAB)
    insert_responses(sqlite_runtime, rows)
    mirror.refresh_mirror(sqlite_runtime)
    yield connect(sqlite_runtime.settings)
    reset_engines()


def cells(expr: Any) -> list[tuple[Any, ...]]:
    """Records as comparable tuples; a statistic summed over no value (SQL's NULL) is 0."""
    records = expr.to_pyarrow().to_pylist()
    return sorted(
        tuple((k, str(0 if v is None and k in STATS else v)) for k, v in sorted(r.items()))
        for r in records
    )


@pytest.mark.parametrize("query", ELIGIBLE, ids=lambda q: repr(q)[:60])
def test_rollups_give_the_cells_of_the_responses_when_one_dimension_or_levels_are_used(
    engine: Engine, query: MetricQuery
) -> None:
    assert "response_rollups" in compile_sql(engine, query)
    from_rollups = cells(cells_expression(engine, query))
    assert from_rollups and from_rollups == cells(
        metric_expression(engine.table("responses"), query)
    )


def test_queries_over_two_dimensions_read_the_responses(engine: Engine) -> None:
    for query in (
        MetricQuery(by=("segment", "channel")),
        MetricQuery(by=("segment",), where={"channel": ("web",)}),
        MetricQuery(by=("journey", "touchpoint"), where={"channel": ("web",)}),
    ):
        assert "response_rollups" not in compile_sql(engine, query)


@pytest.mark.parametrize(
    ("dimension", "query"),
    [
        ("department", MetricQuery()),
        ("touchpoint", MetricQuery(since=date(2025, 2, 1), where={"source": ("survey",)})),
        ("source", MetricQuery(where={"segment": ("senior",)})),
        ("segment", MetricQuery(where={"channel": ("web",)})),  # two dimensions: responses
    ],
)
def test_pain_counts_from_the_rollups_equal_those_from_the_responses(
    engine: Engine, dimension: str, query: MetricQuery
) -> None:
    def counts() -> list[Any]:
        return compute_pain_counts(engine, query, dimension, comments=False, money=False)

    from_rollups = counts()
    engine.mirrored -= {RESPONSE_ROLLUPS}
    from_responses = counts()
    assert from_rollups and from_rollups == from_responses
    assert sum(c.negative for c in from_rollups) > 0 and sum(c.scored for c in from_rollups) > 0


def test_rollups_follow_updated_and_added_rows_when_refreshed(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    insert_responses(rt, response_rows(600, start=datetime(2025, 1, 1), days=90))
    mirror.refresh_mirror(rt)
    update_rows(
        rt,
        "responses",
        {
            "r1": {"responded_at": datetime(2024, 6, 3, 9, 0)},  # into a month of its own
            "r2": {"segment": "business", "nps": 0},
            "r3": {"csat": 1, "source": "social"},
        },
    )
    mirror.refresh_mirror(rt)
    # rows added to months that have a rollup already: their rollup is added to it
    insert_responses(rt, response_rows(200, start=datetime(2025, 2, 1), days=20, prefix="n"))
    mirror.refresh_mirror(rt)
    engine = connect(rt.settings)
    try:
        for query in (
            MetricQuery(by=("segment",), grain="month"),
            MetricQuery(by=("source",), grain="day"),
        ):
            from_rollups = cells(cells_expression(engine, query))
            assert from_rollups == cells(metric_expression(engine.table("responses"), query))
            assert any("2024-06-0" in str(cell) for cell in from_rollups)  # r1 moved there
    finally:
        reset_engines()


def test_rollups_of_an_older_layout_are_not_read_and_are_rebuilt(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    insert_responses(rt, response_rows(500, start=datetime(2025, 1, 1), days=60, vocab=VOCAB))
    mirror.refresh_mirror(rt)
    path = rt.settings.mirror_dir / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    old_files = set(manifest["tables"][RESPONSE_ROLLUPS]["files"])
    manifest["rollup_format"] = ROLLUP_FORMAT - 1
    manifest["generation"] = "older"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    query = MetricQuery(by=("journey", "stage", "touchpoint"))
    try:
        engine = connect(rt.settings)
        assert "response_rollups" not in compile_sql(engine, query)
        expected = cells(cells_expression(engine, query))
        mirror.refresh_mirror(rt)  # nothing new to copy: the rollups alone are rebuilt
        engine = connect(rt.settings)
        assert "response_rollups" in compile_sql(engine, query)
        assert cells(cells_expression(engine, query)) == expected
    finally:
        reset_engines()
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["rollup_format"] == ROLLUP_FORMAT
    assert not old_files & set(manifest["tables"][RESPONSE_ROLLUPS]["files"])
    assert old_files <= {rel for rel, _ in manifest["garbage"]}


def test_interaction_rollups_give_the_counts_of_the_interactions_after_updates(
    sqlite_runtime: Runtime,
) -> None:
    rt = sqlite_runtime
    levels = [("buy", "pay", "card"), ("buy", "ship", "courier"), ("use", "fix", "call")]
    rows = [
        {
            "external_id": f"i{i}",
            "occurred_at": datetime(2025, 1 + i % 3, 1 + i % 28, i % 24),
            **dict(zip(("journey", "stage", "touchpoint"), levels[i % 3], strict=True)),
        }
        for i in range(900)
    ]
    insert_rows(rt, "interactions", rows)
    mirror.refresh_mirror(rt)
    update_rows(
        rt,
        "interactions",
        {
            "i0": {"occurred_at": datetime(2024, 7, 1)},  # into a month of its own
            "i1": {"touchpoint": "chat"},
        },
    )
    mirror.refresh_mirror(rt)
    insert_rows(rt, "interactions", [{**rows[2], "external_id": "new"}])
    mirror.refresh_mirror(rt)
    queries = [
        JourneyQuery(),
        JourneyQuery(journey="buy", since=date(2025, 2, 1)),
        JourneyQuery(where={"stage": ("fix",)}, until=date(2025, 2, 14)),
        JourneyQuery(where={"channel": ("web",)}),  # not a journey level: the interactions
    ]
    engine = connect(rt.settings)
    try:
        from_rollups = [cells(interaction_counts(engine, q)) for q in queries]
        assert "interaction_rollups" in engine.con.compile(interaction_counts(engine, queries[0]))
        engine.mirrored -= {INTERACTION_ROLLUPS}
        assert from_rollups == [cells(interaction_counts(engine, q)) for q in queries]
    finally:
        reset_engines()
    assert any("chat" in str(c) for c in from_rollups[0])
    assert sum(int(dict(c)["interactions"]) for c in from_rollups[0]) == 901
