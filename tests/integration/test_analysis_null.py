"""On data with no effect planted, nothing is flagged: the false-alarm rate of the change
scan, the change-point search and the dimension scan over many seeds of generated null data
stays near or below the nominal 5 % (Benjamini–Hochberg controls the familywise rate when
every hypothesis is null), and control-chart alerts stay near the nominal per-point rate."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cxm.analytics import reset_engines
from cxm.domain.changes import find_change_point
from cxm.domain.metrics import CellStats
from cxm.domain.significance import adjust_bh
from cxm.services import mirror
from cxm.services.analysis import alerts, changes, significance
from cxm.services.runtime import open_runtime
from factories import insert_rows
from settings_helpers import make_settings

SEEDS = range(20)
TOUCHPOINTS = tuple(f"tp{i}" for i in range(8))
START = datetime(2024, 1, 1)
DAYS = 540


def null_rows(seed: int, n: int = 6000) -> list[dict[str, Any]]:
    """Responses whose scores depend on nothing: not on time, touch-point or department."""
    rng = np.random.default_rng(seed)
    nps = rng.choice(11, n, p=[0.03, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1, 0.15, 0.15, 0.15, 0.2])
    csat = rng.choice(np.arange(1, 6), n, p=[0.08, 0.1, 0.2, 0.32, 0.3])
    ces = rng.choice(np.arange(1, 8), n)
    seconds = rng.integers(0, DAYS * 86_400, n)
    touchpoints = rng.choice(len(TOUCHPOINTS), n)
    departments = rng.choice(4, n)
    return [
        {
            "external_id": f"n{seed}-{i}",
            "source": "survey",
            "responded_at": START + timedelta(seconds=int(seconds[i])),
            "nps": int(nps[i]),
            "csat": int(csat[i]),
            "ces": int(ces[i]),
            "touchpoint": TOUCHPOINTS[touchpoints[i]],
            "department": f"d{departments[i]}",
        }
        for i in range(n)
    ]


def test_null_data_raise_no_significant_change_beyond_the_nominal_rate(tmp_path: Path) -> None:
    flagged = {"change_scan": 0, "change_points": 0, "scan": 0}
    alert_points = breaches = 0
    for seed in SEEDS:
        rt = open_runtime(make_settings(tmp_path / f"s{seed}"))
        try:
            insert_rows(rt, "responses", null_rows(seed))
            mirror.refresh_mirror(rt)
            scan = significance.change_scan(rt, date(2024, 12, 1), days=120)
            flagged["change_scan"] += bool(scan.significant)
            points = changes.find_change_points(rt)
            flagged["change_points"] += bool(points.significant)
            by_department = significance.scan_dimension(rt, "touchpoint", "nps")
            flagged["scan"] += bool(by_department.significant)
            for series in changes.control_charts(rt, metric="nps", grain="month"):
                alert_points += sum(p.lower is not None for p in series.points)
                breaches += len(series.breaches)
            run = alerts.evaluate_alerts(rt)
            assert run.raised == run.breaches  # each breach stored once …
            assert alerts.evaluate_alerts(rt).raised == 0  # … and never again
        finally:
            rt.close()
            reset_engines()
    # the nominal 5 % of 20 seeds is 1; 3 or more would be far out (p < 0.08 at 5 %)
    assert all(count <= 2 for count in flagged.values()), flagged
    # Shewhart 3-sigma: 0.135 % of points fall below the lower limit by chance
    assert alert_points > 1000
    assert breaches / alert_points < 0.01, (breaches, alert_points)


def _null_series(rng: np.random.Generator, days: int = 365) -> tuple[list[date], list[CellStats]]:
    start = date(2025, 1, 1)
    out_days, cells = [], []
    for i in range(days):
        n = int(rng.poisson(8))
        counts = rng.multinomial(n, [0.45, 0.25, 0.30])  # detractors, passives, promoters
        out_days.append(start + timedelta(days=i))
        cells.append(CellStats(n=n, nps_n=n, promoters=int(counts[2]), detractors=int(counts[0])))
    return out_days, cells


@pytest.mark.parametrize("family", [1, 10])
def test_change_point_search_false_alarm_rate_is_at_most_nominal(family: int) -> None:
    """200 families of ``family`` null series: a family with any BH-significant change
    is a false alarm; the rate must stay at or below 5 % (plus sampling slack)."""
    rng = np.random.default_rng(2024 + family)
    alarms = 0
    runs = 200
    for _ in range(runs):
        p_values = []
        for _ in range(family):
            days, cells = _null_series(rng)
            found = find_change_point(days, cells, "nps", min_days=14, min_n=30)
            p_values.append(found.p_adjusted if found else None)
        q = adjust_bh(p_values)
        alarms += any(v is not None and v < 0.05 for v in q)
    assert alarms / runs <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)
