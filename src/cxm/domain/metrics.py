"""Metric definitions and results: what NPS, CSAT and CES are, and how a report is asked for.

Engines compute sufficient statistics (counts, sums); the intervals are finished here, in
pure Python, so every engine gives identical numbers. A value with fewer responses than the
minimum is *insufficient*: it carries no number at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Metric = Literal["nps", "csat", "ces"]
Grain = Literal["day", "week", "month", "quarter"]
METRICS: tuple[Metric, ...] = ("nps", "csat", "ces")
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter")
MAX_BREAKDOWN_DIMENSIONS = 3


@dataclass(frozen=True)
class MetricQuery:
    """A report request: metrics, up to three dimensions, an optional time grain, filters."""

    metrics: tuple[Metric, ...] = METRICS
    by: tuple[str, ...] = ()
    grain: Grain | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    min_n: int | None = None  # None: the configured minimum


@dataclass(frozen=True)
class MetricValue:
    """One metric in one cell. ``value`` and the interval are None when insufficient.

    NPS: value in [-100, 100], ``margin`` the 95 % margin of error from the NPS variance.
    CSAT: value the mean 1–5, ``top2`` the top-2-box share in % with its Wilson interval.
    CES: value the mean 1–7 with a t interval."""

    metric: Metric
    n: int
    value: float | None
    low: float | None
    high: float | None
    margin: float | None
    insufficient: bool
    top2: float | None = None
    top2_low: float | None = None
    top2_high: float | None = None


@dataclass(frozen=True)
class MetricRow:
    keys: Mapping[str, str | date | None]
    n: int
    values: Mapping[Metric, MetricValue]


@dataclass(frozen=True)
class MetricReport:
    query: MetricQuery
    rows: tuple[MetricRow, ...]
    total: MetricRow
