"""Text-analysis throughput: comments per second per core for language + sentiment +
emotions + themes + redaction together, peak memory, and the time the 3 M comments of the
`large` demo would take on both cores.

    python -m bench.text_throughput [--count 20000] [--csv FILE --column text] [--synthetic]

By default it reads the labelled comments in ../shared/data when they are there (reading
them in a benchmark is allowed; nothing is fitted), otherwise it generates comments from
the templates below. Prints a small markdown table. The per-core rate is given per second
of wall time and per second of the process's CPU time; the exit status follows the warm
CPU-time rate, which other work on a shared machine disturbs least."""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import resource
import sys
import time
from pathlib import Path

from cxm.text.analyser import analyse_batch

TARGET_PER_CORE = 3000
LARGE_DEMO_COMMENTS = 3_000_000
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_PL = [
    "Kurier spóźnił się {n} dni, paczka była uszkodzona",
    "Bardzo miła obsługa w salonie, pani doradczyni wszystko wyjaśniła",
    "Na infolinii czekałem {n} minut, nikt nie odebrał",
    "Faktura za {m} była błędna, naliczono podwójną opłatę",
    "Aplikacja ciągle się zawiesza, nie da się zalogować",
    "Zasięg w domu fatalny, internet zrywa co chwilę",
    "Cena abonamentu wzrosła bez uprzedzenia",
    "Szybciutko i sprawnie, polecam!",
    "Reklamację rozpatrzono po {n} tygodniach, ale pozytywnie",
    "Nie polecam, umowa pełna ukrytych kosztów",
    "Wszystko ok :)",
    "Pan Jan Kowalski obiecał oddzwonić pod numer 600 123 456 i nie oddzwonił",
    "Zamówienie nr {order} dotarło na czas, towar zgodny z opisem",
]
_EN = [
    "Flight {n} delayed again, still waiting at the gate",
    "The crew was amazing and very helpful, thank you!",
    "Lost my bag on the way from {m}, nobody answers the phone",
    "Charged twice for the same order {order}, please refund",
    "The app keeps crashing when I try to check in",
    "Great service but the price is too high",
    "Not happy with the new contract terms",
    "ok",
    "Customer service put me on hold for {n} minutes 😡",
    "Delivery was quick and the package arrived safely",
    "Please contact me at jane.doe@example.com about my complaint",
]
_MONTHS = ["marzec", "kwiecień", "Boston", "Denver", "May", "June"]


def synthetic_comments(count: int, seed: int = 0) -> list[str]:
    """Comments assembled from the templates, with varying numbers and lengths."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        pool = _PL if rng.random() < 0.6 else _EN
        parts = [
            rng.choice(pool).format(
                n=rng.randint(2, 90), m=rng.choice(_MONTHS), order=rng.randint(10**6, 10**9)
            )
            for _ in range(rng.randint(1, 3))
        ]
        out.append(". ".join(parts))
    return out


def shared_comments(count: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(SHARED.glob("*/train.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    random.Random(0).shuffle(texts)
    return texts[:count]


def csv_comments(path: Path, column: str, count: int) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)][:count]


def _rate(texts: list[str]) -> tuple[float, float]:
    """Comments per second of wall time and per second of this process's CPU time (on a
    machine shared with other work the second is the fairer per-core figure)."""
    start, cpu = time.perf_counter(), time.process_time()
    analyse_batch(texts)
    return (
        len(texts) / (time.perf_counter() - start),
        len(texts) / (time.process_time() - cpu),
    )


def _worker(texts: list[str]) -> int:
    analyse_batch(texts)
    return len(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--column", default="text")
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args(argv)
    if args.csv:
        texts, source = csv_comments(args.csv, args.column, args.count), str(args.csv)
    elif not args.synthetic and SHARED.exists():
        texts, source = shared_comments(args.count), "shared/data labelled comments"
    else:
        texts, source = synthetic_comments(args.count), "synthetic comments"
    half = len(texts) // 2
    start = time.perf_counter()
    analyse_batch(["Dzień dobry, wszystko w porządku.", "Hello, all good here."])
    startup = time.perf_counter() - start  # loads lemma dictionaries and language models
    load_before = os.getloadavg()[0]
    cold, cold_cpu = _rate(texts[:half])  # first sight of most words: caches fill
    warm, warm_cpu = _rate(texts[half:])  # new comments, caches already warm
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        done = sum(pool.map(_worker, [texts[:half], texts[half:]]))
    both = done / (time.perf_counter() - start)
    hours = LARGE_DEMO_COMMENTS / both / 3600
    print(f"Text analysis throughput ({len(texts):,} {source}; target {TARGET_PER_CORE:,}/s/core)")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| start-up (dictionaries and language models), one process | {startup:.1f} s |")
    print(f"| load average (1 min) before / after, {os.cpu_count()} cores | "
          f"{load_before:.1f} / {os.getloadavg()[0]:.1f} |")  # fmt: skip
    print(f"| comments/s, one core, first {half:,} (cold caches): wall, CPU time | "
          f"{cold:,.0f}, {cold_cpu:,.0f} |")  # fmt: skip
    print(f"| comments/s, one core, next {len(texts) - half:,} (warm caches): wall, CPU time | "
          f"{warm:,.0f}, {warm_cpu:,.0f} |")  # fmt: skip
    print(f"| comments/s, two processes forked from the warm one | {both:,.0f} |")
    print(f"| peak RSS, one process | {peak_mb:,.0f} MB |")
    print(f"| 3 M comments (`large` demo) on both cores, at that rate | {hours * 60:,.0f} min |")
    return 0 if warm_cpu >= TARGET_PER_CORE else 1


if __name__ == "__main__":
    sys.exit(main())
