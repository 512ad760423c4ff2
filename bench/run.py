"""Run every benchmark, each in a fresh process, and write ``bench/results/latest.md``.

    python -m bench.run [--size large|medium|small] [--only NAME ...]

The foundation step builds ``bench/data/store-<size>`` (the demo of that size imported and
mirrored); the analysis steps then run on it. Every table puts cxm beside a baseline
measured in the same run."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.foundation import store_dir
from bench.measure import RESULTS, run_isolated

HERE = Path(__file__).resolve().parent


def foundation(size: str) -> str:
    steps = {step: run_isolated("bench.foundation", step, "--size", size)
             for step in ("prepare", "import", "baseline", "metrics", "http")}  # fmt: skip
    (RESULTS / f"foundation-{size}.json").write_text(json.dumps(steps, indent=2, default=str))
    imp, base, met, http = steps["import"], steps["baseline"], steps["metrics"], steps["http"]
    resp = imp["phases"]["responses"]
    lines = [
        "| benchmark | cxm | baseline (same run) | ratio | target | peak RSS |",
        "|---|---|---|---|---|---|",
        f"| (a) import {resp['rows']:,} responses from Parquet into the store + mirror "
        f"| {imp['responses_rows_per_s']:,.0f} rows/s (import alone "
        f"{imp['responses_import_only_rows_per_s']:,.0f}/s, mirror "
        f"{resp['rows'] / resp['mirror_s']:,.0f}/s) "
        f"| bare sqlite3 executemany {base['rows_per_s']:,.0f} rows/s "
        f"| {imp['responses_rows_per_s'] / base['rows_per_s']:.2f}× | ≥ 100,000 rows/s "
        f"| {imp['peak_rss_mb']:,.0f} MiB |",
        f"| (b) NPS+CSAT+CES with margins by segment × month, {met['rows']:,} responses "
        f"| {met['cxm_median_s']:.3f} s median warm | pandas {met['pandas_median_s']:.3f} s "
        f"| {met['speedup_vs_pandas']:.1f}× faster | ≤ 0.4 s and ≥ 4× "
        f"| {met['peak_rss_mb']:,.0f} MiB |",
        f"| (c) POST /api/v1/responses, 2 workers, saturated "
        f"| {http['peak_rate_per_s']:,.0f}/s (p99 {http['peak_p99_ms']:.0f} ms) "
        f"| GET /healthz {http['healthz_rate_per_s']:,.0f}/s "
        f"| {http['ratio_vs_healthz']:.2f} | ≥ 1,000/s | |",
        f"| (c) … at 200 requests/s | p50 {http['at_200_p50_ms']:.1f} ms, "
        f"p99 {http['at_200_p99_ms']:.1f} ms, {http['at_200_errors']} errors | | "
        f"| p99 ≤ 50 ms | |",
        "",
        "Other phases of (a): "
        + ", ".join(
            f"{kind} {p['rows']:,} rows: import {p['rows'] / p['import_s']:,.0f}/s, "
            f"mirror {p['rows'] / p['mirror_s']:,.0f}/s"
            for kind, p in imp["phases"].items()
            if p["rows"]
        )
        + f". (b) max |NPS difference| vs pandas: {met['max_abs_nps_difference']:.1e}. "
        f"(c) stored {http['stored_rows']:,} of {http['accepted_rows']:,} acknowledged.",
    ]
    return "\n".join(lines)


def module_table(module: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        return f"failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    store = str(store_dir(args.size))
    steps: dict[str, tuple[str, ...]] = {
        "analysis": ("bench.analysis_changes", "--data-dir", store),
        "journeys": ("bench.journeys", "--data-dir", store),
        "text throughput": ("bench.text_throughput",),
        "text backlog": ("bench.text_backlog", "--data-dir", store),
        "text quality": ("bench.text_quality",),
        "survey submissions": ("bench.survey_submissions",),
        "closed-loop rules": ("bench.loop_rules", "--data-dir", store),
    }
    RESULTS.mkdir(exist_ok=True)
    out = [f"# Benchmark results ({args.size}, {time.strftime('%Y-%m-%d %H:%M')})", ""]
    wanted = set(args.only) if args.only else None
    if wanted is None or "foundation" in wanted:
        out += ["## Foundation", "", foundation(args.size), ""]
    for name, command in steps.items():
        if wanted is not None and name not in wanted:
            continue
        if not (HERE / f"{command[0].split('.')[1]}.py").exists():
            continue
        out += [f"## {name.capitalize()}", "", module_table(*command), ""]
        (RESULTS / "latest.md").write_text("\n".join(out), encoding="utf-8")
    (RESULTS / "latest.md").write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    main()
