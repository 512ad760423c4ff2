"""The issue's figures on real labelled comments in ../shared/data (never shipped, only
read here): the built-in analyser's macro-F1 and a model trained by `cxm text train`.

Skips, with the reason shown, when the data is absent. For the two-class allegro set the
analyser's neutral goes to the side its score leans to (score >= 0: positive)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxm.text.evaluation import evaluate_builtin
from cxm.text.training import cross_validate

DATA = Path(__file__).parents[2].parent / "shared" / "data"


def read_set(name: str) -> tuple[list[str], list[str]]:
    path = DATA / name / "train.csv"
    if not path.exists():
        pytest.skip(f"labelled data absent: {path} (see shared/data/README.md)")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "language", "labels", "threshold"),
    [
        ("airline_twitter_en", "en", ("negative", "neutral", "positive"), 0.60),
        ("allegro_seller_feedback_pl", "pl", ("negative", "positive"), 0.80),
    ],
)
def test_builtin_analyser_reaches_the_issue_threshold(
    name: str, language: str, labels: tuple[str, ...], threshold: float
) -> None:
    texts, gold = read_set(name)
    result = evaluate_builtin(texts, gold, language)
    assert result.labels == labels
    assert result.macro_f1 >= threshold, result.as_dict()


@pytest.mark.slow
def test_builtin_analyser_on_film_reviews_reaches_the_issue_threshold() -> None:
    texts, gold = read_set("mediakrytyk_film_pl")
    result = evaluate_builtin(texts, gold, "pl")
    assert result.labels == ("negative", "neutral", "positive")
    # issue 5 asks >= 0.45; measured 0.451 (mixed praise and complaint read as neutral),
    # 0.437 before that rule. The margin is thin: the held-back 30 % may land either side.
    assert result.macro_f1 >= 0.45, result.as_dict()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "language", "threshold"),
    [("airline_twitter_en", "en", 0.75), ("allegro_seller_feedback_pl", "pl", 0.90)],
)
def test_trained_model_beats_threshold_and_builtin_in_cross_validation(
    name: str, language: str, threshold: float
) -> None:
    texts, gold = read_set(name)
    report = cross_validate(texts, gold, folds=5, language=language)
    assert report.trained.macro_f1 >= threshold, report.as_dict()
    assert report.builtin is not None
    assert report.use_trained == (report.trained.macro_f1 > report.builtin.macro_f1)
