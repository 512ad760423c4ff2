"""Significance, change, trend, pain-point and word-of-mouth benchmarks (issue 4, part A):
each analysis through its service on DuckDB over the mirror (median warm time), beside
pandas computing the same sufficient statistics from the same Parquet files in the same run
and finishing them with the same domain code (pandas' time excludes loading the columns;
the load is reported separately). Peak RSS of the process is printed with the table.

    python -m bench.analysis_changes --data-dir DIR   # DIR: a cxm data dir with its mirror
                                                      # (e.g. `cxm demo --size large --no-serve`)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from bench.measure import mirror_files, peak_rss_mb, time_median
from cxm.config import Settings
from cxm.domain.changes import control_chart, find_change_point
from cxm.domain.metrics import CellStats
from cxm.domain.pain_points import PainCounts, rank_pain_points, total_counts
from cxm.domain.significance import compare_cells, scan_rows, subtract
from cxm.services.analysis import changes, pain_points, significance, word_of_mouth
from cxm.services.demo import effects
from cxm.services.runtime import open_runtime

AT = effects.DETERIORATION_DATE
DAYS = 90
INDIRECT = ("review", "social", "word_of_mouth")
COLUMNS = ["id", "interaction_id", "source", "responded_at", "nps", "csat", "ces"]
DIMS = ["touchpoint", "department"]


# --- pandas: the same sufficient statistics -------------------------------------------------
def prepare(r: pd.DataFrame) -> pd.DataFrame:
    nps, csat, ces = r.nps, r.csat, r.ces
    return r.assign(
        nps_n=nps.notna().astype("int64"),
        promoters=(nps >= 9).astype("int64"),
        detractors=(nps <= 6).astype("int64"),
        csat_n=csat.notna().astype("int64"),
        csat_sum=csat.fillna(0).astype("int64"),
        csat_sumsq=(csat.fillna(0) ** 2).astype("int64"),
        csat_top2=(csat >= 4).astype("int64"),
        ces_n=ces.notna().astype("int64"),
        ces_sum=ces.fillna(0).astype("int64"),
        ces_sumsq=(ces.fillna(0) ** 2).astype("int64"),
        one=np.int64(1),
    )


STATS = ["one", "nps_n", "promoters", "detractors", "csat_n", "csat_sum", "csat_sumsq",
         "csat_top2", "ces_n", "ces_sum", "ces_sumsq"]  # fmt: skip


def cells(frame: pd.DataFrame, by: list[str]) -> dict[Any, CellStats]:
    grouped = frame.groupby(by, observed=True, sort=True)[STATS].sum()
    return {
        k: CellStats(*(int(v) for v in row))
        for k, row in zip(grouped.index, grouped.values, strict=True)
    }


def total(frame: pd.DataFrame) -> CellStats:
    return CellStats(*(int(v) for v in frame[STATS].sum().values))


def in_window(frame: pd.DataFrame, since: date, until: date) -> pd.DataFrame:
    lo, hi = pd.Timestamp(since), pd.Timestamp(until + timedelta(days=1))
    return frame[(frame.responded_at >= lo) & (frame.responded_at < hi)]


def pandas_change_scan(r: pd.DataFrame) -> int:
    after = cells(in_window(r, AT, AT + timedelta(days=DAYS - 1)), ["touchpoint"])
    before = cells(in_window(r, AT - timedelta(days=DAYS), AT - timedelta(days=1)), ["touchpoint"])
    tests = [
        (k, compare_cells(after.get(k, CellStats()), before.get(k, CellStats()), m, min_n=30))
        for k in sorted(set(after) | set(before))
        for m in ("nps", "csat_top2", "csat", "ces")
    ]
    return sum(row.significant for row in scan_rows(tests))


def pandas_scan(r: pd.DataFrame) -> int:
    by = cells(r, ["department"])
    everything = total(r)
    tests = [(k, compare_cells(s, subtract(everything, s), "nps", min_n=30)) for k, s in by.items()]
    return sum(row.significant for row in scan_rows(tests))


def pandas_compare(r: pd.DataFrame) -> float | None:
    billing = total(r[r.department == "billing"])
    return compare_cells(billing, subtract(total(r), billing), "nps", min_n=30).p_value


def pandas_change_points(r: pd.DataFrame) -> int:
    daily = cells(r.assign(day=r.responded_at.dt.floor("D")), ["touchpoint", "day"])
    series: dict[str, tuple[list[date], list[CellStats]]] = {}
    for (tp, day), s in daily.items():
        days, stats = series.setdefault(tp, ([], []))
        days.append(day.date())
        stats.append(s)
    found = [find_change_point(d, s, "nps", min_n=30) for d, s in series.values()]
    return sum(1 for f in found if f is not None and f.p_adjusted < 0.05)


def pandas_control(r: pd.DataFrame) -> int:
    monthly = cells(
        r.assign(month=r.responded_at.dt.to_period("M").dt.start_time), ["touchpoint", "month"]
    )
    series: dict[str, tuple[list[date], list[CellStats]]] = {}
    for (tp, month), s in monthly.items():
        periods, stats = series.setdefault(tp, ([], []))
        periods.append(month.date())
        stats.append(s)
    return sum(
        sum(p.below for p in control_chart(p, s, "nps", min_n=30)) for p, s in series.values()
    )


def pandas_pain(r: pd.DataFrame, ix: pd.DataFrame) -> str | None:
    j = r.merge(ix, left_on="interaction_id", right_on="ix_id", how="left")
    j = j.assign(
        negative=((j.nps <= 6) | (j.nps.isna() & (j.csat <= 2))).astype("int64"),
        scored=(j.nps.notna() | j.csat.notna()).astype("int64"),
        at_risk=np.where(j.nps <= 6, j.monetary_value.fillna(0.0), 0.0),
    )
    g = j.groupby("department", observed=True).agg(
        n=("one", "sum"), nps_n=("nps_n", "sum"), promoters=("promoters", "sum"),
        detractors=("detractors", "sum"), scored=("scored", "sum"), negative=("negative", "sum"),
        money=("at_risk", "sum"),
    )  # fmt: skip
    counts = [
        PainCounts(
            str(k),
            int(v.n),
            int(v.nps_n),
            int(v.promoters),
            int(v.detractors),
            int(v.scored),
            int(v.negative),
            0,
            0,
            float(v.money),
        )
        for k, v in g.iterrows()
    ]
    ranked = rank_pain_points(counts, total_counts(counts), 30)
    return ranked[0].key if ranked else None


def pandas_wom(r: pd.DataFrame) -> int:
    indirect = r.source.isin(INDIRECT)
    heard, lived = cells(r[indirect], ["touchpoint"]), cells(r[~indirect], ["touchpoint"])
    tests = [
        (k, compare_cells(heard.get(k, CellStats()), lived.get(k, CellStats()), m, min_n=30))
        for k in sorted(set(heard) | set(lived))
        for m in ("nps", "csat")
    ]
    return sum(row.significant for row in scan_rows(tests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-pandas", action="store_true", help="only the cxm timings")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, mirror_max_age_seconds=1e12, _env_file=None)  # type: ignore[call-arg]
    rt = open_runtime(settings, migrate=False)
    billing = significance.Group("billing", where={"department": ("billing",)})
    ours: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "overview: compare billing vs rest (4 tests)": (
            lambda: significance.compare_groups(rt, billing).differences[0].p_value,
            lambda: pandas_compare(r),
        ),
        "breakdown: scan departments vs rest (BH)": (
            lambda: len(significance.scan_dimension(rt, "department").significant),
            lambda: pandas_scan(r),
        ),
        f"change scan: touch-points × 4 metrics, {DAYS} d after vs before": (
            lambda: len(significance.change_scan(rt, AT, days=DAYS).significant),
            lambda: pandas_change_scan(r),
        ),
        "change-points: every touch-point's daily NPS series": (
            lambda: sum(
                1
                for x in changes.find_change_points(rt).rows
                if x.change and x.change.p_adjusted < 0.05
            ),
            lambda: pandas_change_points(r),
        ),
        "control charts: NPS per touch-point per month": (
            lambda: sum(len(s.breaches) for s in changes.control_charts(rt)),
            lambda: pandas_control(r),
        ),
        "pain points by department (join interactions)": (
            lambda: pain_points.rank_pain(rt, "department").rows[0].key,
            lambda: pandas_pain(r, ix),
        ),
        "word of mouth by touch-point (BH)": (
            lambda: len(word_of_mouth.word_of_mouth(rt).gaps.significant),
            lambda: pandas_wom(r),
        ),
    }
    t0 = time.perf_counter()
    r = ix = pd.DataFrame()
    if not args.no_pandas:
        mirror = settings.mirror_dir
        cols = [*COLUMNS, *DIMS]
        r = ds.dataset(mirror_files(mirror, "responses")).to_table(columns=cols).to_pandas()
        for dim in [*DIMS, "source"]:
            r[dim] = r[dim].astype("category")
        r = prepare(r)
        ix = (
            ds.dataset(mirror_files(mirror, "interactions"))
            .to_table(columns=["id", "monetary_value"])
            .to_pandas()
        )
        ix = ix.rename(columns={"id": "ix_id"})
    load = time.perf_counter() - t0
    print(f"responses: {len(r):,}; interactions: {len(ix):,}; pandas load {load:.1f} s\n")
    print("| analysis | cxm on DuckDB (median warm, s) | pandas, same result (s) | same answer |")
    print("|---|---|---|---|")
    for name, (cxm_fn, pandas_fn) in ours.items():
        ours_s, ours_out = time_median(cxm_fn, args.runs)
        if args.no_pandas:
            print(f"| {name} | {ours_s:.3f} | — | — |")
            continue
        theirs_s, theirs_out = time_median(pandas_fn, max(1, args.runs // 2))
        same = ours_out == theirs_out or (
            isinstance(ours_out, float) and isinstance(theirs_out, float)
            and np.isclose(ours_out, theirs_out, rtol=1e-9, atol=1e-300)
        )  # fmt: skip
        answer = "yes" if same else f"{ours_out} vs {theirs_out}"
        print(f"| {name} | {ours_s:.3f} | {theirs_s:.3f} | {answer} |")
    stamp = f"{datetime.now():%Y-%m-%d %H:%M}"
    print(f"\npeak RSS {peak_rss_mb():.0f} MiB (cxm and pandas in one process); at {stamp}")
    rt.close()


if __name__ == "__main__":
    main()
