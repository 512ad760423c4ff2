"""Measuring sentiment predictions against labels: accuracy, macro-F1, confusion matrix.

Labels are compared as negative / neutral / positive (case-insensitive; "neg", "neu",
"pos" and the Polish "negatywny", "neutralny", "pozytywny" are understood). For a
two-class set (negative/positive only) the built-in analyser's neutral is mapped to the
side its score leans to: score >= 0 is positive, below 0 negative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from cxm.domain.errors import ValidationFailed
from cxm.text.language import DEFAULT_LANGUAGES, language_of_tokens
from cxm.text.sentiment import Sentiment, collect_evidence, lexicon_for, score_of
from cxm.text.tokens import tokenise

SENTIMENT_LABELS = ("negative", "neutral", "positive")
_ALIASES = {
    "negative": "negative", "neg": "negative", "negatywny": "negative", "negatywna": "negative",
    "neutral": "neutral", "neu": "neutral", "neutralny": "neutral", "neutralna": "neutral",
    "positive": "positive", "pos": "positive", "pozytywny": "positive", "pozytywna": "positive",
}  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    """How well predictions match labels."""

    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    confusion: tuple[tuple[int, ...], ...]  # rows: true label, columns: predicted
    count: int

    def as_dict(self) -> dict[str, object]:
        return {
            "labels": list(self.labels),
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "confusion": [list(row) for row in self.confusion],
            "count": self.count,
        }


def normalise_label(label: str) -> str:
    """A sentiment label in canonical form; ValidationFailed for anything else."""
    found = _ALIASES.get(str(label).strip().lower())
    if found is None:
        raise ValidationFailed(
            f"label {label!r} is not a sentiment label (negative/neutral/positive)",
            field="label",
        )
    return found


def evaluate_predictions(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> Evaluation:
    """Accuracy, macro-F1 and the confusion matrix of ``predicted`` against ``gold``."""
    if len(gold) != len(predicted) or not gold:
        raise ValidationFailed("need as many predictions as labels, and at least one")
    order = tuple(labels) if labels else tuple(sorted(set(gold)))
    matrix = confusion_matrix(list(gold), list(predicted), labels=list(order))
    return Evaluation(
        labels=order,
        accuracy=round(float(accuracy_score(gold, predicted)), 4),
        macro_f1=round(
            float(f1_score(gold, predicted, labels=list(order), average="macro", zero_division=0)),
            4,
        ),
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
        count=len(gold),
    )


def builtin_sentiments(
    texts: Sequence[str],
    language: str | None = None,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
) -> list[Sentiment]:
    """The built-in analyser's sentiment of each text (``language`` skips detection)."""
    out: list[Sentiment] = []
    for text in texts:
        tokens = tokenise(text or "")
        lang = language or language_of_tokens(tokens, languages)
        out.append(score_of(collect_evidence(tokens, lang, lexicon_for(lang, languages))))
    return out


def to_label_set(sentiments: Sequence[Sentiment], labels: Sequence[str]) -> list[str]:
    """Sentiment labels fitted to a label set: on a two-class set neutral follows its score."""
    two_class = "neutral" not in labels
    out: list[str] = []
    for s in sentiments:
        label = s.label
        if two_class and label == "neutral":
            label = "positive" if s.score >= 0 else "negative"
        out.append(label)
    return out


def evaluate_builtin(
    texts: Sequence[str], gold: Sequence[str], language: str | None = None
) -> Evaluation:
    """The built-in analyser measured on labelled texts."""
    normalised = [normalise_label(g) for g in gold]
    labels = tuple(label for label in SENTIMENT_LABELS if label in set(normalised))
    predicted = to_label_set(builtin_sentiments(texts, language), labels)
    return evaluate_predictions(normalised, predicted, labels)
