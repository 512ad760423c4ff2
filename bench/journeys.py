"""Journey analytics and key-driver benchmarks (issue 4): journey map and common paths over
the interactions (target ≤ 5 s on 30 M), key drivers on up to 1 M rated responses (≤ 5 s),
each beside pandas computing the same result from the same Parquet mirror in the same run
(pandas' time excludes loading the columns; the load is reported separately). Peak RSS of
the process is printed with the markdown table.

    python -m bench.journeys --data-dir DIR   # DIR: a cxm data dir whose mirror is built
                                              # (e.g. after `cxm demo --size large --no-serve`)
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from bench.measure import mirror_files, peak_rss_mb, time_median
from cxm import analytics
from cxm.analytics.drivers import compute_driver_report
from cxm.analytics.journeys import compute_journey_map
from cxm.analytics.paths import compute_paths
from cxm.config import Settings
from cxm.domain.drivers import DriverQuery
from cxm.domain.journeys import JourneyQuery, PathQuery, PathReport
from cxm.services.demo import effects
from cxm.services.runtime import open_runtime

DRIVERS = effects.RELATIONSHIP_ATTRIBUTES


def pandas_map(ix: pd.DataFrame, rs: pd.DataFrame) -> pd.DataFrame:
    vol = ix.groupby(["journey", "stage", "touchpoint"], observed=True).agg(
        interactions=("customer_id", "size"), customers=("customer_id", "nunique")
    )
    r = rs.dropna(subset=["touchpoint"])
    r = r.assign(
        promoter=(r.nps >= 9).astype("int64"),
        detractor=(r.nps <= 6).astype("int64"),
        csat_sq=r.csat * r.csat,
    )
    stats = r.groupby(["journey", "stage", "touchpoint"], observed=True).agg(
        nps_n=("nps", "count"),
        promoters=("promoter", "sum"),
        detractors=("detractor", "sum"),
        csat_n=("csat", "count"),
        csat_sum=("csat", "sum"),
        csat_sumsq=("csat_sq", "sum"),
        ces_n=("ces", "count"),
        ces_sum=("ces", "sum"),
    )
    return vol.join(stats, how="left")


def pandas_paths(ix: pd.DataFrame, steps: int) -> tuple[int, dict[tuple[str, ...], int]]:
    """Customers with a path, and the customers of every path."""
    t = ix.dropna(subset=["customer_id", "touchpoint"])
    t = t.sort_values(["customer_id", "occurred_at", "id"])
    prev = t.groupby("customer_id", sort=False)["touchpoint"].shift()
    t = t[prev.isna() | (prev != t["touchpoint"])]
    t = t.assign(pos=t.groupby("customer_id", sort=False).cumcount())
    t = t[t.pos < steps]
    wide = t.pivot(index="customer_id", columns="pos", values="touchpoint")
    paths = wide.fillna("").astype(str).agg(">".join, axis=1).value_counts()
    return len(wide), {tuple(s for s in k.split(">") if s): int(n) for k, n in paths.items()}


def same_paths(ours: PathReport, customers: int, counts: dict[tuple[str, ...], int]) -> bool:
    """Our top paths (ties included) are pandas' paths with at least as many customers."""
    least = min(p.customers for p in ours.paths)
    theirs = {k: n for k, n in counts.items() if n >= least}
    return ours.customers == customers and {p.steps: p.customers for p in ours.paths} == theirs


def pandas_drivers(rs: pd.DataFrame) -> np.ndarray:
    r = rs[rs.answers.notna() & rs.nps.notna()]
    cols = {"y": r.nps.astype(float)}
    for key in DRIVERS:
        cols[key] = pd.to_numeric(
            r.answers.str.extract(rf'"{key}"\s*:\s*(-?[0-9]+(?:\.[0-9]+)?)', expand=False)
        )
    z = pd.DataFrame(cols).dropna()
    from cxm.analytics.lmg import lmg

    return lmg(np.corrcoef(z.to_numpy().T))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, _env_file=None, analytics_engine="duckdb")  # type: ignore[call-arg]
    rt = open_runtime(settings)
    layout = [(j.key, s.key, t.key) for j, s, t in rt.taxonomy.touchpoints()]
    engine = analytics.connect(settings)
    mirror = settings.mirror_dir
    with engine.lock:
        n_ix = int(engine.table("interactions").count().to_pyarrow().as_py())
        n_rs = int(engine.table("responses").count().to_pyarrow().as_py())
    rows: list[tuple[str, float, float | None]] = []

    t_map, m = time_median(
        lambda: compute_journey_map(engine, JourneyQuery(), layout, min_n=30), args.runs
    )
    t_paths, paths = time_median(
        lambda: compute_paths(engine, PathQuery(steps=4, top=10)), args.runs
    )
    # a date window before every interaction: the same paths, ordered from the interactions
    # instead of counted from the first steps the mirror keeps
    every = PathQuery(steps=4, top=10, journey=JourneyQuery(since=date(2000, 1, 1)))
    t_ordered, ordered = time_median(lambda: compute_paths(engine, every), args.runs)
    assert (ordered.customers, ordered.paths) == (paths.customers, paths.paths)
    query = DriverQuery(drivers=DRIVERS, bootstrap=200)
    t_drv, drv = time_median(lambda: compute_driver_report(engine, query), args.runs)

    t0 = time.perf_counter()
    ix = (
        ds.dataset(mirror_files(mirror, "interactions"))
        .to_table(columns=["id", "customer_id", "occurred_at", "journey", "stage", "touchpoint"])
        .to_pandas()
    )
    rs = (
        ds.dataset(mirror_files(mirror, "responses"))
        .to_table(columns=["journey", "stage", "touchpoint", "nps", "csat", "ces", "answers"])
        .to_pandas()
    )
    load = time.perf_counter() - t0
    p_map, _ = time_median(lambda: pandas_map(ix, rs), 1)
    p_paths, (with_path, counts) = time_median(lambda: pandas_paths(ix, 4), 1)
    assert same_paths(paths, with_path, counts), (paths, with_path)
    p_drv, ref = time_median(lambda: pandas_drivers(rs), 1)
    ours = {d.driver: d.importance for d in drv.drivers}
    assert np.allclose([ours[k] for k in DRIVERS], ref, atol=1e-9), (ours, ref)

    rows = [
        (f"journey map (+ transitions), {n_ix:,} interactions, {n_rs:,} responses", t_map, p_map),
        (f"common paths (4 steps, top 10), {n_ix:,} interactions", t_paths, p_paths),
        ("the same paths with a date window (ordered from the interactions)", t_ordered, p_paths),
        (f"key drivers (LMG + 200 bootstrap), {drv.n:,} rated responses", t_drv, p_drv),
    ]
    print("| analysis | cxm on DuckDB (median warm, s) | pandas, same result (s) |")
    print("|---|---|---|")
    for name, ours_s, theirs in rows:
        print(f"| {name} | {ours_s:.2f} | {theirs:.2f} |")
    print(
        f"\npandas load of the mirror's columns: {load:.1f} s (not in its times); "
        f"stages on the map: {len(m.stages)}; peak RSS {peak_rss_mb():.0f} MiB"
    )
    rt.close()


if __name__ == "__main__":
    main()
