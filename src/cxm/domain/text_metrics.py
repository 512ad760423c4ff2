"""Text metrics: how comment sentiment, emotions and themes are asked for and finished.

Engines compute exact integer statistics per cell (counts, and sums of scores and
intensities scaled by :data:`SCORE_SCALE` — the analyser stores them with at most four
decimals, so the scaled values are whole numbers); shares and means are finished here, so
every engine gives identical numbers. Cells with fewer comments than the minimum are
*insufficient* and carry no numbers, as in :mod:`cxm.domain.metrics`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from cxm.domain.metrics import CellStats, Grain, MetricValue, finish_nps

SENTIMENTS: Final = ("negative", "neutral", "positive")
BASIC_EMOTIONS: Final = (
    "joy",
    "trust",
    "fear",
    "surprise",
    "sadness",
    "disgust",
    "anger",
    "anticipation",
)
CX_READINGS: Final = ("frustration", "disappointment", "delight")
#: Every intensity a comment carries: the eight basic emotions and the three CX readings.
EMOTIONS: Final = (*BASIC_EMOTIONS, *CX_READINGS)
#: Scores and intensities are summed as integers after multiplying by this.
SCORE_SCALE: Final = 10_000
#: A comment "shows" an emotion (the drill-down filter) from this intensity up.
EMOTION_PRESENT: Final = 0.3


@dataclass(frozen=True)
class TextQuery:
    """Which comments, cut how: up to three dimensions, an optional time grain, filters on
    dimensions and on a theme, a sentiment label or an emotion being present."""

    by: tuple[str, ...] = ()
    grain: Grain | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    theme: str | None = None
    sentiment: str | None = None
    emotion: str | None = None
    min_n: int | None = None  # None: the configured minimum


@dataclass(frozen=True)
class TextStats:
    """What an engine computes for one cell (every field an exact integer)."""

    n: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    score_sum: int = 0
    emotion_sums: tuple[int, ...] = (0,) * len(EMOTIONS)
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: TextStats) -> TextStats:
        return TextStats(
            self.n + other.n,
            self.negative + other.negative,
            self.neutral + other.neutral,
            self.positive + other.positive,
            self.score_sum + other.score_sum,
            tuple(a + b for a, b in zip(self.emotion_sums, other.emotion_sums, strict=True)),
            self.nps_n + other.nps_n,
            self.promoters + other.promoters,
            self.detractors + other.detractors,
        )


@dataclass(frozen=True)
class TextRow:
    """One cell: comment count, sentiment shares (%) and mean score in [-1, 1], mean
    intensities in [0, 1], and the NPS of the responses behind the comments. Numbers are
    None when ``insufficient``."""

    keys: Mapping[str, str | date | None]
    n: int
    insufficient: bool
    shares: Mapping[str, float | None]
    mean_score: float | None
    emotions: Mapping[str, float | None]
    nps: MetricValue


@dataclass(frozen=True)
class TextReport:
    query: TextQuery
    rows: tuple[TextRow, ...]
    total: TextRow


def finish_text_row(keys: Mapping[str, str | date | None], stats: TextStats, min_n: int) -> TextRow:
    """A report row from a cell's statistics."""
    nps = finish_nps(
        CellStats(
            n=stats.n, nps_n=stats.nps_n, promoters=stats.promoters, detractors=stats.detractors
        ),
        min_n,
    )
    n = stats.n
    if n < max(1, min_n):
        return TextRow(
            dict(keys),
            n,
            True,
            dict.fromkeys(SENTIMENTS),
            None,
            dict.fromkeys(EMOTIONS),
            nps,
        )
    counts = {"negative": stats.negative, "neutral": stats.neutral, "positive": stats.positive}
    return TextRow(
        keys=dict(keys),
        n=n,
        insufficient=False,
        shares={s: 100.0 * counts[s] / n for s in SENTIMENTS},
        mean_score=stats.score_sum / (SCORE_SCALE * n),
        emotions={
            e: total / (SCORE_SCALE * n)
            for e, total in zip(EMOTIONS, stats.emotion_sums, strict=True)
        },
        nps=nps,
    )
