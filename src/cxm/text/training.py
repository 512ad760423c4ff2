"""Learning sentiment from the company's own labelled comments (``cxm text train``).

A TF-IDF of word (1-2) and character (2-5) n-grams, beside the built-in analyser's own
reading of each text (its score, positive and negative evidence and label), feeds a linear
support-vector classifier with balanced class weights, whose regularisation is chosen by
an inner cross-validation on the rows being trained on. Stratified k-fold cross-validation
measures it beside the built-in analyser on the very same held-out folds; the model is
then fitted on all rows and saved, with its evaluation, in a directory (the data
directory's ``models/text``). It is used only when its held-out macro-F1 beats the
built-in analyser's. Models are pickled scikit-learn
objects: load them only from the company's own data directory."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from cxm.domain.errors import ValidationFailed
from cxm.text.evaluation import (
    SENTIMENT_LABELS,
    Evaluation,
    builtin_sentiments,
    evaluate_predictions,
    normalise_label,
    to_label_set,
)
from cxm.text.language import DEFAULT_LANGUAGES, language_of_tokens
from cxm.text.sentiment import Sentiment, collect_evidence, lexicon_for, score_of
from cxm.text.tokens import tokenise

MODEL_FILE = "model.joblib"
EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True)
class TrainingReport:
    """Cross-validated figures of the trained model and of the built-in analyser."""

    folds: int
    count: int
    labels: tuple[str, ...]
    trained: Evaluation
    builtin: Evaluation | None
    use_trained: bool
    model_path: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "folds": self.folds,
            "count": self.count,
            "labels": list(self.labels),
            "trained": self.trained.as_dict(),
            "builtin": self.builtin.as_dict() if self.builtin else None,
            "use_trained": self.use_trained,
            "model_path": self.model_path,
        }


class TrainedModel:
    """A fitted pipeline that labels texts; a SentimentModel for the analyser."""

    def __init__(self, pipeline: Pipeline, version: str) -> None:
        self.pipeline = pipeline
        self.version = version

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(p) for p in self.pipeline.predict(list(texts))]

    def predict_sentiment(self, texts: Sequence[str]) -> list[Sentiment]:
        """Labels with a score: softmax weight of positive minus that of negative."""
        classes = [str(c) for c in self.pipeline.classes_]
        decision = np.asarray(self.pipeline.decision_function(list(texts)), dtype=float)
        if decision.ndim == 1:
            decision = np.column_stack([-decision, decision])
        shifted = np.exp(decision - decision.max(axis=1, keepdims=True))
        proba = shifted / shifted.sum(axis=1, keepdims=True)
        pos = classes.index("positive") if "positive" in classes else None
        neg = classes.index("negative") if "negative" in classes else None
        out: list[Sentiment] = []
        for row in proba:
            label = classes[int(np.argmax(row))]
            score = (row[pos] if pos is not None else 0.0) - (row[neg] if neg is not None else 0.0)
            out.append(Sentiment(label, round(float(score), 4)))
        return out


class LexiconFeatures(BaseEstimator, TransformerMixin):
    """The built-in analyser's reading of each text as six features: its score, its
    positive and negative evidence (squashed to [0, 1)) and its label, one-hot. Nothing is
    learnt here; the classifier learns how far to trust the lexicon on this company's data."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language

    def fit(self, texts: Sequence[str], labels: object = None) -> LexiconFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows: list[list[float]] = []
        for text in texts:
            tokens = tokenise(text or "")
            language = self.language or language_of_tokens(tokens, DEFAULT_LANGUAGES)
            evidence = collect_evidence(tokens, language, lexicon_for(language))
            sentiment = score_of(evidence)
            rows.append(
                [
                    sentiment.score,
                    math.tanh(evidence.positive / 3),
                    math.tanh(evidence.negative / 3),
                    *(float(sentiment.label == label) for label in SENTIMENT_LABELS),
                ]
            )
        return sparse.csr_matrix(np.asarray(rows, dtype=float).reshape(-1, 6))


#: Regularisation strengths tried on the rows being trained on (never fixed in advance).
C_GRID = (0.1, 0.3, 1.0)
INNER_FOLDS = 3


def build_features(language: str | None = None) -> FeatureUnion:
    """The untrained features: TF-IDF word and character n-grams and the lexicon reading."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=300_000,
                ),
            ),
            ("lexicon", LexiconFeatures(language)),
        ]
    )


def _classifier(c: float, seed: int) -> LinearSVC:
    return LinearSVC(C=c, class_weight="balanced", random_state=seed)


def choose_regularisation(features: sparse.spmatrix, labels: np.ndarray, seed: int = 0) -> float:
    """The C of :data:`C_GRID` with the best mean macro-F1 in an inner stratified k-fold of
    the training rows themselves (the first on a tie)."""
    splitter = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed)
    splits = list(splitter.split(np.zeros(len(labels)), labels))

    def score(c: float) -> float:
        return float(
            np.mean(
                [
                    f1_score(
                        labels[test],
                        _classifier(c, seed)
                        .fit(features[train], labels[train])
                        .predict(features[test]),
                        average="macro",
                    )
                    for train, test in splits
                ]
            )
        )

    return max(C_GRID, key=score)


def fit_pipeline(
    texts: Sequence[str], labels: Sequence[str], seed: int = 0, language: str | None = None
) -> Pipeline:
    """Features fitted on ``texts``, C chosen on them, the classifier fitted: a pipeline."""
    y = np.asarray(labels)
    features = build_features(language)
    x = features.fit_transform(list(texts))
    c = (
        choose_regularisation(x, y, seed)
        if min(np.unique(y, return_counts=True)[1]) >= INNER_FOLDS
        else C_GRID[1]
    )
    return Pipeline([("features", features), ("model", _classifier(c, seed).fit(x, y))])


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    language: str | None = None,
    seed: int = 0,
) -> TrainingReport:
    """k-fold figures of the trainable model and of the built-in analyser on the same folds.

    Labels that are sentiment labels are compared with the built-in analyser; any other
    labelled column (NPS groups, reasons) is learnt, but has no built-in to compare with."""
    texts = [t or "" for t in texts]
    raw = [str(label).strip() for label in labels]
    if len(texts) != len(raw) or len(texts) < folds * 2:
        raise ValidationFailed(f"need at least {folds * 2} labelled texts for {folds} folds")
    try:
        gold = [normalise_label(label) for label in raw]
        order = tuple(label for label in SENTIMENT_LABELS if label in set(gold))
        sentiment_labels = True
    except ValidationFailed:
        gold = raw
        order = tuple(sorted(set(gold)))
        sentiment_labels = False
    if len(order) < 2:
        raise ValidationFailed("need at least two different labels", field="label")
    smallest = min(gold.count(label) for label in order)
    if smallest < folds:
        raise ValidationFailed(f"every label needs at least {folds} rows for {folds} folds")
    y = np.array(gold)
    x = np.array(texts, dtype=object)
    trained_pred = np.empty(len(gold), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(x, y):
        pipeline = fit_pipeline(list(x[train_idx]), y[train_idx], seed, language)
        trained_pred[test_idx] = pipeline.predict(list(x[test_idx]))
    trained = evaluate_predictions(gold, [str(p) for p in trained_pred], order)
    builtin = None
    if sentiment_labels:
        # the built-in analyser is not fitted, so its held-out predictions on every fold
        # are its predictions on every row
        predicted = to_label_set(builtin_sentiments(texts, language), order)
        builtin = evaluate_predictions(gold, predicted, order)
    use_trained = builtin is None or trained.macro_f1 > builtin.macro_f1
    return TrainingReport(folds, len(gold), order, trained, builtin, use_trained)


def train_model(
    texts: Sequence[str],
    labels: Sequence[str],
    out_dir: Path,
    *,
    folds: int = 5,
    language: str | None = None,
    seed: int = 0,
) -> TrainingReport:
    """Cross-validate, fit on every row and save the model and its evaluation in ``out_dir``."""
    report = cross_validate(texts, labels, folds=folds, language=language, seed=seed)
    try:
        gold = [normalise_label(label) for label in labels]
    except ValidationFailed:
        gold = [str(label).strip() for label in labels]
    pipeline = fit_pipeline([t or "" for t in texts], gold, seed, language)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILE
    joblib.dump(pipeline, model_path)
    report = TrainingReport(
        report.folds,
        report.count,
        report.labels,
        report.trained,
        report.builtin,
        report.use_trained,
        str(model_path),
    )
    (out_dir / EVALUATION_FILE).write_text(
        json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return report


def load_trained_model(directory: Path) -> TrainedModel | None:
    """The saved model of ``directory`` when its evaluation says it beats the built-in."""
    evaluation = directory / EVALUATION_FILE
    model_path = directory / MODEL_FILE
    if not evaluation.exists() or not model_path.exists():
        return None
    report = json.loads(evaluation.read_text(encoding="utf-8"))
    if not report.get("use_trained"):
        return None
    if not set(report.get("labels", [])) <= set(SENTIMENT_LABELS):
        return None
    pipeline = joblib.load(model_path)
    f1 = report["trained"]["macro_f1"]
    return TrainedModel(pipeline, f"trained-f1-{f1:.3f}")
