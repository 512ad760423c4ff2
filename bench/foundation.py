"""Foundation benchmarks (issue 2): (a) import of responses from Parquet into the system of
record + mirror, (b) NPS + CSAT + CES with margins by segment × month (answered from the
mirror's daily rollups; the same aggregation over the responses is timed beside it),
(c) single-response ingestion through the HTTP API on the SQLite default.

Each speed is reported beside a baseline measured in the same run:
(a) plain ``sqlite3.executemany`` of the same rows into a bare table (no validation, no
    indexes, no mirror) — what a naive loader costs;
(b) pandas computing the same numbers from the same columns already in memory;
(c) the same server answering ``GET /healthz`` (the framework's own ceiling).

    python -m bench.foundation prepare --size large   # writes the demo Parquet files once
    python -m bench.foundation import                 # (a), in a fresh process
    python -m bench.foundation metrics                # (b), on what (a) loaded
    python -m bench.foundation http                   # (c), on a fresh data dir
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from bench.loadgen import closed_loop, open_loop
from bench.measure import mirror_files, peak_rss_mb, served, time_warm
from cxm import analytics
from cxm.analytics.metrics import metric_expression
from cxm.config import Settings
from cxm.domain.metrics import MetricQuery
from cxm.services import auth, ingest, reports
from cxm.services.demo import write_demo_source
from cxm.services.runtime import open_runtime

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
KINDS = ("employees", "customers", "interactions", "responses")
BASELINE_ROWS = 2_000_000


def _settings(data_dir: Path) -> Settings:
    return Settings(env="test", data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]


def source_dir(size: str) -> Path:
    return DATA / f"source-{size}"


def store_dir(size: str) -> Path:
    return DATA / f"store-{size}"


# --- prepare --------------------------------------------------------------------------------
def prepare(size: str) -> dict[str, Any]:
    out = source_dir(size)
    manifest = out / "manifest.json"
    if manifest.exists():
        return {"source": str(out), "reused": True}
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(_settings(Path(tmp)))
        source = write_demo_source(rt.taxonomy, out, size=size, seed=7)
        rt.close()
    manifest.write_text(
        json.dumps({k: [str(p) for p in v] for k, v in source.files.items()}), encoding="utf-8"
    )
    return {"source": str(out), "counts": source.counts, "seconds": source.seconds}


def _files(size: str) -> dict[str, list[Path]]:
    raw = json.loads((source_dir(size) / "manifest.json").read_text(encoding="utf-8"))
    return {k: [Path(p) for p in v] for k, v in raw.items()}


# --- (a) import -----------------------------------------------------------------------------
def import_all(size: str) -> dict[str, Any]:
    """Every kind imported in turn, each in a process of its own so that each phase's peak
    RSS is its own (the mirror's refresh after interactions builds the per-customer tables)."""
    target = store_dir(size)
    shutil.rmtree(target, ignore_errors=True)
    phases: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            phases[kind] = pool.submit(_import_kind, size, kind).result()
    r = phases["responses"]
    return {
        "phases": phases,
        "responses_rows_per_s": r["rows"] / (r["import_s"] + r["mirror_s"]),
        "responses_import_only_rows_per_s": r["rows"] / r["import_s"],
        "peak_rss_mb": r["peak_rss_mb"],
    }


def _import_kind(size: str, kind: str) -> dict[str, float]:
    """One import command per kind, as `cxm import KIND FILE...` of its parts: the bulk mode
    (deferred indexes) is decided on all of the kind's files together, and the mirror is
    copied along and refreshed by the import itself. Not timed: the analysis of new comments
    that `cxm import` runs inline afterwards (up to ``comment_analysis.ARRIVAL_LIMIT``), which
    the text benchmarks measure. The mirror's share is the time from its
    first progress report to the end."""
    rt = open_runtime(_settings(store_dir(size)))
    mirror_started: list[float] = []

    def on_mirror_progress(_done: int, _total: int) -> None:
        if not mirror_started:
            mirror_started.append(time.perf_counter())

    t0 = time.perf_counter()
    summaries = ingest.import_files(
        rt, kind, _files(size)[kind], analyse_comments=False, on_mirror_progress=on_mirror_progress
    )
    end = time.perf_counter()
    rt.close()
    rows = sum(s.accepted for s in summaries)
    t_mirror = end - mirror_started[0]
    return {
        "rows": rows,
        "import_s": end - t0 - t_mirror,
        "mirror_s": t_mirror,
        "peak_rss_mb": peak_rss_mb(),
    }


def baseline_insert(size: str) -> dict[str, Any]:
    """The same response rows through a bare ``executemany`` (no checks, no indexes)."""
    dataset = ds.dataset([str(p) for p in _files(size)["responses"]], format="parquet")
    table = dataset.head(BASELINE_ROWS)
    columns = [c for c in table.column_names if c != "answers"]
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "baseline.sqlite3", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(f"CREATE TABLE r (id INTEGER PRIMARY KEY, {', '.join(columns)})")
        sql = f"INSERT INTO r ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        t0 = time.perf_counter()
        for batch in table.select(columns).to_batches(20_000):
            values = [
                [v.isoformat(" ") if hasattr(v, "isoformat") else v for v in col.to_pylist()]
                for col in batch.columns
            ]
            con.execute("BEGIN")
            con.executemany(sql, zip(*values, strict=True))
            con.execute("COMMIT")
        seconds = time.perf_counter() - t0
        con.close()
    return {"rows": table.num_rows, "rows_per_s": table.num_rows / seconds}


# --- (b) metrics ----------------------------------------------------------------------------
def _pandas_segment_month(frame: pd.DataFrame) -> pd.DataFrame:
    z = 1.959963984540054
    g = frame.assign(
        month=frame["responded_at"].dt.to_period("M").dt.start_time,
        promoter=(frame["nps"] >= 9).astype("float64"),
        detractor=(frame["nps"] <= 6).astype("float64"),
        top2=(frame["csat"] >= 4).astype("float64"),
    ).groupby(["segment", "month"])
    out = pd.DataFrame(
        {
            "nps_n": g["nps"].count(),
            "promoters": g["promoter"].sum(),
            "detractors": g["detractor"].sum(),
            "csat_n": g["csat"].count(),
            "csat_mean": g["csat"].mean(),
            "csat_sd": g["csat"].std(),
            "top2": g["top2"].sum(),
            "ces_n": g["ces"].count(),
            "ces_mean": g["ces"].mean(),
            "ces_sd": g["ces"].std(),
        }
    )
    p = out["promoters"] / out["nps_n"]
    d = out["detractors"] / out["nps_n"]
    out["nps"] = 100 * (p - d)
    out["nps_margin"] = 100 * z * np.sqrt((p + d - (p - d) ** 2) / out["nps_n"])
    from scipy import stats

    out["csat_margin"] = (
        stats.t.ppf(0.975, out["csat_n"] - 1) * out["csat_sd"] / np.sqrt(out["csat_n"])
    )
    out["ces_margin"] = stats.t.ppf(0.975, out["ces_n"] - 1) * out["ces_sd"] / np.sqrt(out["ces_n"])
    return out


def metrics(size: str, data_dir: Path | None = None) -> dict[str, Any]:
    """(b) on the store ``import`` loaded, or on ``data_dir`` (a copy of it, for example)."""
    data_dir = data_dir or store_dir(size)
    rt = open_runtime(_settings(data_dir))
    query = MetricQuery(by=("segment",), grain="month", min_n=1)
    report = reports.metric_report(rt, query)
    cxm_time = time_warm(lambda: reports.metric_report(rt, query), runs=9)
    # the same aggregation read from the responses themselves (what a query over two or
    # more dimensions costs, the rollups being of one dimension each)
    engine = analytics.connect(rt.settings)
    scan = metric_expression(engine.table("responses"), query)
    scan_time = time_warm(lambda: scan.to_pyarrow(), runs=9)

    files = mirror_files(data_dir / "mirror", "responses")  # the manifest's, not stale ones
    frame = (
        pq.ParquetDataset(files)
        .read(columns=["segment", "responded_at", "nps", "csat", "ces"])
        .to_pandas()
    )
    frame["nps"] = frame["nps"].astype("float64")
    frame["csat"] = frame["csat"].astype("float64")
    frame["ces"] = frame["ces"].astype("float64")
    expected = _pandas_segment_month(frame)
    pandas_time = time_warm(lambda: _pandas_segment_month(frame), runs=5, warmup=1)

    worst = 0.0
    for row in report.rows:
        key = (row.keys["segment"], pd.Timestamp(str(row.keys["month"])[:7] + "-01"))
        value = row.values["nps"].value
        if value is not None and key in expected.index:
            worst = max(worst, abs(value - expected.loc[key, "nps"]))
    rt.close()
    return {
        "rows": len(frame),
        "cells": len(report.rows),
        "cxm_median_s": cxm_time.median,
        "cxm_responses_scan_median_s": scan_time.median,
        "pandas_median_s": pandas_time.median,
        "speedup_vs_pandas": pandas_time.median / cxm_time.median,
        "max_abs_nps_difference": worst,
        "peak_rss_mb": peak_rss_mb(),
    }


# --- (c) HTTP single-response ingestion -----------------------------------------------------
def _body(i: int, *, comments: bool = True) -> bytes:
    """One response; with ``comments`` two in three carry a comment (analysed on arrival)."""
    return json.dumps(
        {
            "external_id": f"bench-{i}",
            "responded_at": "2025-06-01T12:00:00",
            "nps": i % 11,
            "csat": i % 5 + 1,
            "touchpoint": "hotline",
            "channel": "call_center",
            "comment": "Szybko i sprawnie, dziękuję" if comments and i % 3 else None,
        }
    ).encode()


def http(seconds: float = 20.0, workers: int = 2) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        rt = open_runtime(_settings(data_dir))
        auth.ensure_user(rt, "bench", "bench-password-1", "admin")
        token = auth.create_api_token(rt, "bench", "load")
        rt.close()
        with served(data_dir, workers) as port:
            host, path = "127.0.0.1", "/api/v1/responses"

            def empty(_: int) -> bytes:
                return b""

            ceiling = asyncio.run(
                closed_loop(
                    host, port, "/healthz", empty, concurrency=32, seconds=seconds / 2, method="GET"
                )
            )
            warm = asyncio.run(
                closed_loop(
                    host, port, path, _body, concurrency=8, seconds=2, token=token, start=10_000_000
                )
            )
            peak = asyncio.run(
                closed_loop(host, port, path, _body, concurrency=32, seconds=seconds, token=token)
            )
            steady = asyncio.run(
                open_loop(
                    host, port, path, _body, rate=200, seconds=seconds, token=token, start=5_000_000
                )
            )
        con = sqlite3.connect(data_dir / "cxm.sqlite3")
        stored = con.execute("SELECT count(*) FROM responses").fetchone()[0]
        con.close()
    accepted = sum(n for s, n in peak.statuses.items() if 200 <= s < 300)
    return {
        "peak_rate_per_s": peak.rate,
        "peak_p99_ms": peak.percentile(99),
        "peak_statuses": peak.statuses,
        "healthz_rate_per_s": ceiling.rate,
        "ratio_vs_healthz": peak.rate / ceiling.rate if ceiling.rate else math.nan,
        "at_200_rate_per_s": steady.rate,
        "at_200_p50_ms": steady.percentile(50),
        "at_200_p99_ms": steady.percentile(99),
        "at_200_errors": steady.errors,
        "stored_rows": stored,
        "accepted_rows": warm.ok + accepted + steady.ok,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=("prepare", "import", "baseline", "metrics", "http"))
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--data-dir", type=Path, help="metrics: this data dir, not the store")
    args = parser.parse_args(argv)
    if args.step == "prepare":
        result = prepare(args.size)
    elif args.step == "import":
        result = import_all(args.size)
    elif args.step == "baseline":
        result = baseline_insert(args.size)
    elif args.step == "metrics":
        result = metrics(args.size, args.data_dir)
    else:
        result = http(args.seconds)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
