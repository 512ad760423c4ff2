"""Evaluation figures, training with cross-validation, saving and loading the model, and the
`cxm text` commands, on small labelled files written by the tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cxm.cli import text as text_cli
from cxm.domain.errors import MalformedFile, ValidationFailed
from cxm.services import text_analysis
from cxm.text.evaluation import (
    evaluate_builtin,
    evaluate_predictions,
    normalise_label,
    to_label_set,
)
from cxm.text.sentiment import Sentiment
from cxm.text.training import LexiconFeatures, cross_validate, load_trained_model, train_model

# A made-up domain where the words mean something only this company knows.
POSITIVE = [f"zamówienie {i} przyszło w kolorze zielonym, model zeta" for i in range(12)]
NEGATIVE = [f"zamówienie {i} przyszło w kolorze szarym, model omega" for i in range(12)]


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "mark"])
        writer.writerows(rows)
    return path


def domain_rows() -> list[tuple[str, str]]:
    return [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE]


def test_evaluation_figures_and_confusion_matrix() -> None:
    gold = ["negative", "negative", "neutral", "positive"]
    predicted = ["negative", "neutral", "neutral", "positive"]
    result = evaluate_predictions(gold, predicted, ("negative", "neutral", "positive"))
    assert result.accuracy == 0.75
    assert result.confusion == ((1, 1, 0), (0, 1, 0), (0, 0, 1))
    assert result.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 1) / 3, abs=1e-4)


def test_two_class_sets_send_neutral_to_the_side_of_its_score() -> None:
    sentiments = [Sentiment("neutral", 0.1), Sentiment("neutral", -0.1), Sentiment("neutral", 0)]
    assert to_label_set(sentiments, ("negative", "positive")) == [
        "positive", "negative", "positive"
    ]  # fmt: skip
    assert to_label_set(sentiments, ("negative", "neutral", "positive")) == ["neutral"] * 3


def test_labels_are_normalised_and_unknown_ones_rejected() -> None:
    assert normalise_label(" Pozytywny ") == "positive"
    assert normalise_label("NEG") == "negative"
    with pytest.raises(ValidationFailed):
        normalise_label("promoter")


def test_builtin_evaluation_on_clear_comments() -> None:
    texts = ["Świetna obsługa, polecam", "Fatalna obsługa, nie polecam", "great", "awful"]
    gold = ["positive", "negative", "positive", "negative"]
    result = evaluate_builtin(texts, gold)
    assert result.accuracy == 1.0 and result.labels == ("negative", "positive")


def test_trained_model_is_used_only_when_it_beats_the_builtin(tmp_path: Path) -> None:
    texts = [t for t, _ in domain_rows()]
    labels = [label for _, label in domain_rows()]
    report = train_model(texts, labels, tmp_path, folds=3)
    assert report.trained.macro_f1 == 1.0
    assert report.builtin is not None and report.builtin.macro_f1 < 1.0
    assert report.use_trained
    saved = json.loads((tmp_path / "evaluation.json").read_text(encoding="utf-8"))
    assert saved["use_trained"] is True and saved["folds"] == 3
    model = load_trained_model(tmp_path)
    assert model is not None
    [sentiment] = model.predict_sentiment(["zamówienie 99 w kolorze szarym, model omega"])
    assert sentiment.label == "negative" and sentiment.score < 0


def test_trained_model_that_loses_is_not_loaded(tmp_path: Path) -> None:
    texts = [t for t, _ in domain_rows()]
    train_model(texts, [label for _, label in domain_rows()], tmp_path, folds=3)
    path = tmp_path / "evaluation.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["use_trained"] = False
    path.write_text(json.dumps(report), encoding="utf-8")
    assert load_trained_model(tmp_path) is None
    assert load_trained_model(tmp_path / "absent") is None


def test_training_any_labelled_column_has_no_builtin_to_compare() -> None:
    texts = [t for t, _ in domain_rows()]
    labels = ["promoter" if label == "positive" else "detractor" for _, label in domain_rows()]
    report = cross_validate(texts, labels, folds=3)
    assert report.builtin is None and report.use_trained
    assert report.labels == ("detractor", "promoter")


def test_training_refuses_too_few_rows_per_label() -> None:
    with pytest.raises(ValidationFailed):
        cross_validate(["a", "b", "c", "d", "e", "f"], ["positive"] * 5 + ["negative"], folds=2)


def test_reading_a_file_without_the_named_column_fails_clearly(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [("ok", "positive")])
    with pytest.raises(MalformedFile, match="no column 'text'"):
        text_analysis.read_labelled_csv(path, "text", "mark")


def cli() -> typer.Typer:
    app = typer.Typer()
    text_cli.register(app)

    @app.callback()
    def main() -> None:
        """Test app."""

    return app


def test_cli_evaluate_prints_figures_and_confusion(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv", [("Super, polecam!", "positive"), ("Fatalnie", "negative")]
    )
    result = CliRunner().invoke(
        cli(), ["text", "evaluate", str(path), "--text-column", "comment", "--label-column", "mark"]
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "1.000" in result.output
    assert "confusion matrix" in result.output


def test_cli_train_saves_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "data"))
    path = write_csv(tmp_path / "c.csv", domain_rows())
    out = tmp_path / "models"
    args = ["text", "train", str(path), "--text-column", "comment", "--label-column", "mark"]
    result = CliRunner().invoke(cli(), [*args, "--folds", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "trained" in result.output and "built-in" in result.output
    assert (out / "model.joblib").exists() and (out / "evaluation.json").exists()


def test_cli_analyse_text_prints_json() -> None:
    result = CliRunner().invoke(cli(), ["text", "analyse-text", "Fatalna obsługa, nie polecam"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["language"] == "pl" and data["sentiment"] == "negative"


def test_cli_reports_a_missing_file_as_an_error(tmp_path: Path) -> None:
    args = ["text", "evaluate", str(tmp_path / "none.csv"), "--text-column", "a"]
    result = CliRunner().invoke(cli(), [*args, "--label-column", "b"])
    assert result.exit_code == 1


def test_lexicon_features_give_the_builtin_reading_of_each_text() -> None:
    matrix = LexiconFeatures("pl").fit([]).transform(["Świetna obsługa", "Fatalna obsługa", ""])
    rows = matrix.toarray()
    assert rows.shape == (3, 6)
    assert rows[0][0] > 0 > rows[1][0] and rows[2][0] == 0
    assert rows[0][1] > 0 and rows[1][2] > 0
    assert list(rows[2][3:]) == [0.0, 1.0, 0.0]  # an empty text reads neutral
