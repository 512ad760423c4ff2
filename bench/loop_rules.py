"""Bench of the closed loop (standalone):

1. rule evaluation throughput: a stream of N responses (scores, dimensions, some comments
   with churn words) checked against the default rules on SQLite, cases opened with their
   events and outbox rows — target ≥ 5,000 responses/s;
2. standards evaluation over a data directory's mirror (``--data-dir``; the default
   standards are installed there when it has none) — target ≤ 2 s on 10 M responses.

    python -m bench.loop_rules [--responses 100000] [--data-dir DIR]

Prints a markdown table of what it measured."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cxm.config import Settings
from cxm.services.loop import rules, setup, standards
from cxm.services.runtime import Runtime, open_runtime
from cxm.store.tables import Response

COMMENTS = (
    "Rezygnuję z usług, mam dość",
    "Faktura znowu jest błędna, proszę o korektę",
    "Bardzo miła obsługa, dziękuję",
    "I will cancel my contract next month",
    "Czekałem na konsultanta pół godziny",
    "Wszystko w porządku",
)
TOUCHPOINTS = ("invoice", "hotline", "chat_support", "payment", "courier_delivery", "complaint")


def _settings(data_dir: Path) -> Settings:
    return Settings(env="test", data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]


def _stream(rt: Runtime, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    table = Response.__table__
    start = datetime(2026, 1, 1)
    tp_department = {t.key: t.department for _, _, t in rt.taxonomy.touchpoints()}
    batch: list[dict[str, Any]] = []
    with rt.db.write(lock_key="responses") as conn:
        seq = rt.db.next_change_seq(conn, "responses")
        for i in range(n):
            touchpoint = rng.choice(TOUCHPOINTS)
            batch.append({
                "external_id": f"b{i}", "source": "import",
                "responded_at": start + timedelta(seconds=i * 30),
                "nps": rng.randrange(11), "csat": rng.randrange(1, 6) if i % 2 else None,
                "ces": rng.randrange(1, 8) if i % 3 == 0 else None,
                "comment": rng.choice(COMMENTS) if rng.random() < 0.3 else None,
                "touchpoint": touchpoint, "department": tp_department[touchpoint],
                "channel": "call_center", "segment": "family",
                "updated_at": start, "change_seq": seq + i,
            })  # fmt: skip
            if len(batch) == 10_000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def bench_rules(n: int) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(_settings(Path(tmp)))
        setup.install_defaults(rt, now=datetime(2026, 1, 1))
        _stream(rt, n)
        rules.comment_lemmas("rezygnuję cancel")  # load the lemma dictionaries (once per process)
        t0 = time.perf_counter()
        run = rules.evaluate_feedback(rt, now=datetime(2026, 6, 1))
        seconds = time.perf_counter() - t0
        rt.close()
    rate = run.checked / seconds
    verdict = "✅" if rate >= 5000 else "❌"
    return [
        ("rule evaluation, SQLite (responses/s)", f"{rate:,.0f} {verdict}", "≥ 5,000"),
        ("  responses checked / cases opened", f"{run.checked:,} / {run.opened:,}", ""),
        ("  wall time", f"{seconds:.2f} s", ""),
    ]


def bench_standards(data_dir: Path) -> list[tuple[str, str, str]]:
    rt = open_runtime(_settings(data_dir))
    if not standards.load_standards(rt):
        standards.install_default_standards(rt)
    from cxm.services import mirror

    mirror.ensure_fresh(rt)
    with rt.db.read() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM responses").scalar() or 0
    cold = standards.evaluate_standards(rt, raise_breaches=False)
    warm = standards.evaluate_standards(rt, raise_breaches=False)
    rt.close()
    verdict = "✅" if warm.seconds <= 2.0 else "❌"
    return [
        (f"standards evaluation, {n:,} responses (first run)", f"{cold.seconds:.2f} s", "≤ 2 s"),
        ("standards evaluation (second run)", f"{warm.seconds:.2f} s {verdict}", "≤ 2 s"),
        ("  standards / monthly results / current cells",
         f"{warm.standards} / {warm.results} / {len(warm.current)}", ""),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="a data directory to evaluate standards on")  # fmt: skip
    args = parser.parse_args(argv)
    rows = bench_rules(args.responses)
    if args.data_dir is not None:
        rows += bench_standards(args.data_dir)
    print("| measure | result | target |")
    print("|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
