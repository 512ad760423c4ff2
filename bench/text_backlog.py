"""Analysing a data directory's whole comment backlog with every core: comments per second,
wall time and peak memory (the parent's and the largest worker's).

    python -m bench.text_backlog --data-dir DIR [--workers 2] [--reanalyse] [--limit N]
    python -m bench.text_backlog --synthetic 50000   # a fresh temporary data dir

``--data-dir`` uses the directory as it is (e.g. the `large` demo's 3 M comments); the
analyses it writes stay there, so run it with ``--reanalyse`` to time a full re-run.
``--synthetic N`` builds N responses with comments from templates first. Prints a
markdown table."""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from cxm.config import Settings
from cxm.services import comment_analysis, mirror
from cxm.services.runtime import Runtime, open_runtime

_TEMPLATES = (
    "Kurier spóźnił się {n} dni, paczka była uszkodzona",
    "Bardzo miła obsługa w salonie, pani doradczyni wszystko wyjaśniła",
    "Na infolinii czekałem {n} minut, nikt nie odebrał",
    "Faktura za {m} była błędna, naliczono podwójną opłatę",
    "Aplikacja ciągle się zawiesza, nie da się zalogować",
    "Cena abonamentu wzrosła bez uprzedzenia, kontakt: jan{n}@example.pl",
    "Great service, the engineer fixed it in {n} minutes",
    "Waited {n} days for a refund, really disappointed",
    "The app is great but the bill was wrong again",
    "Szybciutko i sprawnie, polecam!",
)
_MONTHS = ("styczeń", "luty", "marzec", "kwiecień", "maj")


def _synthetic(rt: Runtime, count: int) -> None:
    from sqlalchemy import insert

    from cxm.store.tables import Response

    rng = random.Random(7)
    start = datetime(2025, 1, 1)
    table = Response.__table__
    for first in range(0, count, 20_000):
        rows = [
            {
                "external_id": f"s{i}",
                "source": "survey",
                "responded_at": start + timedelta(minutes=i),
                "nps": rng.randrange(11),
                "comment": rng.choice(_TEMPLATES).format(
                    n=rng.randrange(2, 90), m=rng.choice(_MONTHS)
                ),
                "updated_at": datetime(2024, 1, 1),
            }
            for i in range(first, min(count, first + 20_000))
        ]
        with rt.db.write(lock_key="responses") as conn:
            seq = rt.db.next_change_seq(conn, "responses")
            for n, row in enumerate(rows):
                row["change_seq"] = seq + n
            conn.execute(insert(table), rows)


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--synthetic", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reanalyse", action="store_true")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    if args.data_dir is None and not args.synthetic:
        parser.error("give --data-dir DIR or --synthetic N")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="cxm-text-backlog-"))
    # a given data dir keeps its CXM_ settings (e.g. a PostgreSQL store); a synthetic one is fresh
    env_file = ".env" if args.data_dir is not None else None
    settings = Settings(data_dir=data_dir, _env_file=env_file)  # type: ignore[call-arg]
    rt = open_runtime(settings)
    try:
        if args.synthetic:
            _synthetic(rt, args.synthetic)
        waiting = comment_analysis.pending_count(rt)
        started = time.perf_counter()
        run = comment_analysis.analyse_backlog(
            rt, workers=args.workers, reanalyse=args.reanalyse, limit=args.limit,
            refresh_mirror=False,
        )  # fmt: skip
        analyse_seconds = time.perf_counter() - started
        mirror_started = time.perf_counter()
        mirror.refresh_mirror(rt)
        mirror_seconds = time.perf_counter() - mirror_started
    finally:
        rt.close()
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Comment backlog of {data_dir} ({run.workers} process(es), analyser {run.version})\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| comments waiting before the run | {waiting:,} |")
    print(f"| comments analysed and stored | {run.analysed:,} in {run.batches:,} batches |")
    print(f"| wall time (read, analyse, write) | {analyse_seconds:,.1f} s |")
    print(f"| comments/s, all workers | {run.analysed / analyse_seconds:,.0f} |")
    print(f"| mirror refresh afterwards | {mirror_seconds:,.1f} s |")
    children_mb = _children_peak_mb()
    print(f"| peak RSS, parent / largest worker | {parent_mb:,.0f} MB / {children_mb:,.0f} MB |")
    print(f"| still waiting | {run.remaining:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
