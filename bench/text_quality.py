"""The issue-5 quality table: accuracy and macro-F1 of the built-in analyser and of a model
trained by `cxm text train` (5-fold cross-validation) on the labelled sets in
../shared/data. Nothing is shipped from this: the sets are only read here.

    python -m bench.text_quality [--folds 5] [--no-train]"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from cxm.text.evaluation import evaluate_builtin
from cxm.text.training import cross_validate

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SETS = (
    ("airline_twitter_en", "en", 0.60, 0.75),
    ("allegro_seller_feedback_pl", "pl", 0.80, 0.90),
    ("mediakrytyk_film_pl", "pl", 0.45, None),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-train", action="store_true")
    args = parser.parse_args(argv)
    if not SHARED.exists():
        print(f"labelled data absent: {SHARED}")
        return 0
    print("| set | classes | built-in acc | built-in macro-F1 (target) | "
          f"trained acc ({args.folds}-fold) | trained macro-F1 (target) | seconds |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, language, builtin_target, trained_target in SETS:
        path = SHARED / name / "train.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
        start = time.perf_counter()
        builtin = evaluate_builtin(texts, labels, language)
        trained_acc = trained_f1 = "—"
        if not args.no_train:
            report = cross_validate(texts, labels, folds=args.folds, language=language)
            trained_acc = f"{report.trained.accuracy:.3f}"
            target = f" (≥ {trained_target:.2f})" if trained_target else ""
            trained_f1 = f"{report.trained.macro_f1:.3f}{target}"
        seconds = time.perf_counter() - start
        print(
            f"| {name} | {len(builtin.labels)} | {builtin.accuracy:.3f} | "
            f"{builtin.macro_f1:.3f} (≥ {builtin_target:.2f}) | {trained_acc} | {trained_f1} | "
            f"{seconds:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
