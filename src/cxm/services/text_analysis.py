"""Text-analysis use cases the CLI and web call: evaluate, train, analyse one comment.

Labelled files are UTF-8 CSV with a header row; the text and label columns are named by
the caller. Trained models live in the data directory under ``models/text``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from cxm.config import Settings
from cxm.domain.errors import MalformedFile
from cxm.text.analyser import analyse
from cxm.text.evaluation import Evaluation, evaluate_builtin
from cxm.text.training import TrainingReport, load_trained_model, train_model

DEFAULT_LANGUAGES = ("pl", "en")


def models_dir(settings: Settings) -> Path:
    """Where the trained text model and its evaluation are kept."""
    return settings.data_dir / "models" / "text"


def read_labelled_csv(
    path: Path, text_column: str, label_column: str
) -> tuple[list[str], list[str]]:
    """Texts and labels of a CSV file; rows with an empty label are skipped."""
    csv.field_size_limit(10_000_000)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column):
                if column not in columns:
                    raise MalformedFile(
                        f"{path}: no column {column!r} (columns: {', '.join(columns)})",
                        field=column,
                    )
            texts: list[str] = []
            labels: list[str] = []
            for row in reader:
                label = (row.get(label_column) or "").strip()
                if label:
                    texts.append(row.get(text_column) or "")
                    labels.append(label)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MalformedFile(f"{path}: cannot read the file: {exc}") from exc
    if not texts:
        raise MalformedFile(f"{path}: no labelled rows")
    return texts, labels


def evaluate_file(
    path: Path, text_column: str, label_column: str, language: str | None = None
) -> Evaluation:
    """The built-in analyser's accuracy, macro-F1 and confusion matrix on a labelled file."""
    texts, labels = read_labelled_csv(path, text_column, label_column)
    return evaluate_builtin(texts, labels, language)


def train_file(
    path: Path,
    text_column: str,
    label_column: str,
    *,
    settings: Settings,
    folds: int = 5,
    out_dir: Path | None = None,
    language: str | None = None,
) -> TrainingReport:
    """Cross-validate and train a domain model on a labelled file; save it with its figures."""
    texts, labels = read_labelled_csv(path, text_column, label_column)
    target = out_dir or models_dir(settings)
    return train_model(texts, labels, target, folds=folds, language=language)


def analyse_one(
    text: str, *, settings: Settings | None = None, languages: tuple[str, ...] = DEFAULT_LANGUAGES
) -> dict[str, Any]:
    """One comment's analysis as a dict; a saved model is used when it beat the built-in."""
    model = load_trained_model(models_dir(settings)) if settings is not None else None
    return analyse(text, languages, model=model).as_dict()
