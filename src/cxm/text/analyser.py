"""The built-in text analyser: one call gives language, sentiment, emotions, CX readings,
themes and the redacted text of a comment, stamped with the analyser's version.

The version is "builtin-<major>+<digest of the lexicon files>", so a changed lexicon or
rule gives a new version and stored results can be re-run. A trained domain model (see
:mod:`cxm.text.training`) may replace the sentiment label and score."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, Protocol

from cxm.text.emotions import CxReadings, Emotions, cx_readings_of, emotions_of
from cxm.text.language import DEFAULT_LANGUAGES, language_of_tokens
from cxm.text.redaction import redact
from cxm.text.sentiment import Sentiment, collect_evidence, lexicon_for, score_of
from cxm.text.themes import ThemeDictionary, default_theme_dictionary, match_themes
from cxm.text.tokens import tokenise

ANALYSER_MAJOR = "1"


class SentimentModel(Protocol):
    """A trained model that labels texts negative/neutral/positive with a score."""

    version: str

    def predict_sentiment(self, texts: Sequence[str]) -> list[Sentiment]: ...


@dataclass(frozen=True)
class TextAnalysis:
    """Everything the analyser says about one comment."""

    language: str
    sentiment: str
    sentiment_score: float
    emotions: Emotions
    cx: CxReadings
    themes: tuple[str, ...]
    redacted: str
    analyser_version: str

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["themes"] = list(self.themes)
        return data


@lru_cache(maxsize=1)
def analyser_version() -> str:
    """The built-in analyser's version: its major number and a digest of its data files."""
    digest = hashlib.sha256()
    folder = files("cxm.text").joinpath("lexicons")
    for name in ("en.tsv", "pl.tsv", "rules.yaml", "themes.yaml", "stopwords.yaml"):
        digest.update(folder.joinpath(name).read_bytes())
    return f"builtin-{ANALYSER_MAJOR}+{digest.hexdigest()[:10]}"


def analyse(
    text: str,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    *,
    themes: ThemeDictionary | None = None,
    model: SentimentModel | None = None,
) -> TextAnalysis:
    """Analyse one comment among the configured ``languages``."""
    return analyse_batch([text], languages, themes=themes, model=model)[0]


def analyse_batch(
    texts: Iterable[str],
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    *,
    themes: ThemeDictionary | None = None,
    model: SentimentModel | None = None,
) -> list[TextAnalysis]:
    """Analyse many comments; a trained ``model`` (if any) labels them in one call."""
    items = list(texts)
    dictionary = themes or default_theme_dictionary()
    trained = model.predict_sentiment(items) if model is not None and items else None
    version = analyser_version() if model is None else f"{analyser_version()}/{model.version}"
    out: list[TextAnalysis] = []
    for n, text in enumerate(items):
        text = text or ""
        tokens = tokenise(text)
        language = language_of_tokens(tokens, languages)
        evidence = collect_evidence(tokens, language, lexicon_for(language, languages))
        sentiment = trained[n] if trained is not None else score_of(evidence)
        emotions = emotions_of(evidence)
        out.append(
            TextAnalysis(
                language=language,
                sentiment=sentiment.label,
                sentiment_score=sentiment.score,
                emotions=emotions,
                cx=cx_readings_of(emotions),
                themes=match_themes(tokens, language, dictionary),
                redacted=redact(text),
                analyser_version=version,
            )
        )
    return out
