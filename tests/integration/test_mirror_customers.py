"""What the mirror keeps per customer — their first path steps and their first interaction
at each touch-point — gives exactly the paths and journey maps the interactions give, after
every kind of change: new interactions, an interaction moved to another customer or
touch-point, a customer's only interaction taken away; a refresh rewrites only the buckets
of the customers whose interactions changed."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from cxm.analytics import connect, reset_engines
from cxm.analytics.journey_reach import reach_source
from cxm.analytics.journeys import compute_journey_map
from cxm.analytics.paths import compute_paths, paths_expression
from cxm.domain.journeys import CUSTOMER_FIRSTS, CUSTOMER_PATHS, JourneyQuery, PathQuery
from cxm.services import mirror
from cxm.services.runtime import Runtime
from cxm.store import mirror as mirror_store
from cxm.store import mirror_customers
from factories import customer_rows, insert_rows, update_rows

LAYOUT = [
    ("buy", "choose", "web_shop"),
    ("buy", "choose", "store"),
    ("buy", "pay", "card"),
    ("use", "fix", "call"),
    ("use", "fix", "chat"),
    ("use", "bill", "invoice"),
]
QUERIES = [
    PathQuery(journey=JourneyQuery(journey=journey), level=level, steps=steps, top=top)
    for journey in (None, "buy", "use")
    for level in ("touchpoint", "stage")
    for steps, top in ((2, 5), (4, 100), (8, 100))
]


def interaction_rows(n: int, customers: int, seed: int) -> list[dict[str, Any]]:
    """Random interactions with repeats, equal times (the id breaks the tie), no stage or
    journey and no customer now and then."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        journey, stage, touchpoint = rng.choice(LAYOUT)
        rows.append(
            {
                "external_id": f"i{seed}-{i}",
                "customer_id": None if i % 97 == 0 else rng.randint(1, customers),
                "occurred_at": datetime(2025, 1, 1) + timedelta(hours=rng.randint(0, 2000)),
                "journey": None if i % 83 == 0 else journey,
                "stage": None if i % 89 == 0 else stage,
                "touchpoint": touchpoint,
            }
        )
    return rows


def kept_and_ordered(rt: Runtime) -> tuple[list[Any], list[Any]]:
    """Every query's paths and the journey maps from what the mirror keeps per customer,
    then from the interactions."""
    engine = connect(rt.settings)
    maps = [JourneyQuery(journey=journey) for journey in (None, "buy", "use")]

    def analyses() -> list[Any]:
        return [compute_paths(engine, q) for q in QUERIES] + [
            compute_journey_map(engine, q, LAYOUT, min_n=1) for q in maps
        ]

    try:
        assert CUSTOMER_PATHS in str(engine.con.compile(paths_expression(engine, QUERIES[0])))
        assert reach_source(engine, maps[0]).get_name() == CUSTOMER_FIRSTS
        kept = analyses()
        engine.mirrored -= {CUSTOMER_PATHS, CUSTOMER_FIRSTS}
        return kept, analyses()
    finally:
        reset_engines()


def path_files(rt: Runtime) -> set[str]:
    manifest = mirror_store.read_manifest(rt.settings.mirror_dir)
    assert manifest is not None
    return set(manifest.tables[CUSTOMER_PATHS].files)


def test_kept_paths_equal_the_ordered_interactions_after_every_change(
    sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = sqlite_runtime
    monkeypatch.setattr(mirror_store, "CUSTOMER_BUCKET_IDS", 50)  # customers 1…200: 5 buckets
    monkeypatch.setattr(mirror_customers, "BATCH_ROWS", 37)  # customers run across batches
    insert_rows(rt, "customers", customer_rows(200))
    rows = interaction_rows(3000, 200, seed=1)
    insert_rows(rt, "interactions", rows)
    mirror.refresh_mirror(rt)
    kept, ordered = kept_and_ordered(rt)
    assert kept == ordered and kept[0].customers == 200
    journey_map = kept[len(QUERIES)]
    assert len(journey_map.stages) == 4 and all(150 < c.customers < 201 for c in journey_map.stages)
    assert all(t.converted for t in journey_map.transitions)
    assert {rel.split("/")[1] for rel in path_files(rt)} == {f"bucket={b:05d}" for b in range(5)}

    before = path_files(rt)
    moved = next(r for r in rows if r["customer_id"] == 3)
    update_rows(
        rt,
        "interactions",
        {
            moved["external_id"]: {"customer_id": 7, "touchpoint": "chat", "stage": "fix"},
            rows[5]["external_id"]: {"occurred_at": datetime(2024, 12, 1)},  # first step now
        },
    )
    insert_rows(rt, "interactions", interaction_rows(5, 8, seed=2))
    mirror.refresh_mirror(rt)
    kept, ordered = kept_and_ordered(rt)
    assert kept == ordered
    touched = {0, rows[5]["customer_id"] // 50}  # customers 1–8 are in bucket 0
    untouched = {rel for rel in before if int(rel.split("=")[1][:5]) not in touched}
    assert len(untouched) == 5 - len(touched) and untouched <= path_files(rt)
    assert not (before - untouched) & path_files(rt)


@pytest.mark.parametrize("rebuild_past", [1, 100], ids=["everyone again", "their buckets"])
def test_a_customer_left_with_no_interaction_has_no_path_kept(
    sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, rebuild_past: int
) -> None:
    rt = sqlite_runtime
    monkeypatch.setattr(mirror_store, "REBUILD_CUSTOMERS", rebuild_past)
    insert_rows(rt, "customers", customer_rows(2))
    rows = [
        {"external_id": "a", "customer_id": 1, "occurred_at": datetime(2025, 1, 1),
         "journey": "buy", "stage": "pay", "touchpoint": "card"},
        {"external_id": "b", "customer_id": 2, "occurred_at": datetime(2025, 1, 2),
         "journey": "buy", "stage": "pay", "touchpoint": "card"},
    ]  # fmt: skip
    insert_rows(rt, "interactions", rows)
    mirror.refresh_mirror(rt)
    update_rows(rt, "interactions", {"b": {"customer_id": 1}})  # customers 1 and 2 change
    before = path_files(rt)
    mirror.refresh_mirror(rt)
    assert not before & path_files(rt)  # their one bucket, or everything, written again
    kept, ordered = kept_and_ordered(rt)
    assert kept == ordered and kept[0].customers == 1
    assert kept[0].paths[0].steps == ("card",)


def test_a_mirror_without_the_tables_builds_them_with_nothing_to_copy(
    sqlite_runtime: Runtime,
) -> None:
    rt = sqlite_runtime
    insert_rows(rt, "customers", customer_rows(30))
    insert_rows(rt, "interactions", interaction_rows(300, 30, seed=4))
    mirror.refresh_mirror(rt)
    path = rt.settings.mirror_dir / mirror_store.MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for name in (CUSTOMER_PATHS, CUSTOMER_FIRSTS):  # as a mirror written before them
        del manifest["tables"][name]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    mirror.refresh_mirror(rt)
    built = mirror_store.read_manifest(rt.settings.mirror_dir)
    assert built is not None
    assert all(built.tables[name].rows for name in (CUSTOMER_PATHS, CUSTOMER_FIRSTS))
    kept, ordered = kept_and_ordered(rt)
    assert kept == ordered and kept[0].customers == 30


def test_a_time_window_or_a_dimension_filter_reads_the_interactions(
    sqlite_runtime: Runtime,
) -> None:
    rt = sqlite_runtime
    insert_rows(rt, "customers", customer_rows(20))
    insert_rows(rt, "interactions", interaction_rows(200, 20, seed=3))
    mirror.refresh_mirror(rt)
    engine = connect(rt.settings)
    try:
        for window in (
            JourneyQuery(since=date(2025, 2, 1)),
            JourneyQuery(journey="buy", until=date(2025, 2, 1)),
            JourneyQuery(where={"channel": ("web",)}),
        ):
            sql = str(engine.con.compile(paths_expression(engine, PathQuery(journey=window))))
            assert CUSTOMER_PATHS not in sql and "interactions" in sql
            assert reach_source(engine, window).get_name() == "interactions"
    finally:
        reset_engines()
