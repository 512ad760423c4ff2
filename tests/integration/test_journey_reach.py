"""Journey maps count customers per touch-point and stage, and time the steps between stages,
from one row per customer (touch-points as bits of several 62-bit words): the same numbers
as counting the interactions directly, with more touch-points than one word holds."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np

from cxm.analytics import connect, reset_engines
from cxm.analytics.journeys import compute_journey_map
from cxm.domain.journeys import JourneyQuery
from cxm.services import mirror
from cxm.services.runtime import Runtime
from factories import customer_rows, insert_rows

TOUCHPOINTS = 70  # two words of bits
LAYOUT = [("j", f"st{k // 10}", f"tp{k}") for k in range(TOUCHPOINTS)]


def test_customers_and_transitions_match_direct_counts_when_many_touchpoints(
    sqlite_runtime: Runtime,
) -> None:
    rt = sqlite_runtime
    insert_rows(rt, "customers", customer_rows(60))
    rng = random.Random(5)
    start = datetime(2025, 1, 1)
    rows = []
    for i in range(3000):
        k = rng.randrange(TOUCHPOINTS + 3)  # a few touch-points that are not on the map
        rows.append(
            {
                "external_id": f"i{i}",
                "customer_id": None if i % 17 == 0 else rng.randrange(1, 61),
                "occurred_at": start + timedelta(seconds=rng.randrange(200 * 86_400)),
                "journey": "j",
                "stage": f"st{min(k // 10, 6)}",
                "touchpoint": f"tp{k}",
            }
        )
    insert_rows(rt, "interactions", rows)
    mirror.refresh_mirror(rt)
    try:
        journey_map = compute_journey_map(connect(rt.settings), JourneyQuery(), LAYOUT, min_n=1)
    finally:
        reset_engines()

    customers: dict[str, set[int]] = defaultdict(set)
    interactions: dict[str, int] = defaultdict(int)
    stage_customers: dict[str, set[int]] = defaultdict(set)
    firsts: dict[tuple[str, int], datetime] = {}
    for row in rows:
        interactions[row["touchpoint"]] += 1
        cid = row["customer_id"]
        if cid is None:
            continue
        customers[row["touchpoint"]].add(cid)
        stage_customers[row["stage"]].add(cid)
        key = (row["stage"], cid)
        firsts[key] = min(firsts.get(key, row["occurred_at"]), row["occurred_at"])
    got = {cell.touchpoint: (cell.interactions, cell.customers) for cell in journey_map.touchpoints}
    assert got == {tp: (interactions[tp], len(customers[tp])) for _, _, tp in LAYOUT}
    assert {c.stage: c.customers for c in journey_map.stages} == {
        s: len(ids) for s, ids in stage_customers.items()
    }
    for transition in journey_map.transitions:
        a, b = transition.source, transition.target
        durations = [
            (firsts[(b, cid)] - firsts[(a, cid)]).total_seconds()
            for cid in stage_customers[a] & stage_customers[b]
            if firsts[(b, cid)] >= firsts[(a, cid)]
        ]
        assert transition.reached == len(stage_customers[a])
        assert transition.converted == len(durations) > 0
        assert transition.median_seconds == np.median(durations)
        assert transition.p90_seconds == np.percentile(durations, 90)
