"""Journey analytics: query specs and results for journey maps (with the emotion curve),
common paths, stage-to-stage conversion and time between stages, and moments of truth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import MetricValue

EmotionSource = Literal["comments", "score"]
PathLevel = Literal["touchpoint", "stage"]
MomentOutcome = Literal["churn", "nps"]
MAX_PATH_STEPS = 8
#: The mirror's table of every customer's first ``MAX_PATH_STEPS`` steps, per path level and
#: journey (written by ``cxm.store.mirror_customers``, read by ``cxm.analytics.paths``).
CUSTOMER_PATHS = "customer_paths"
#: The mirror's table of every customer's first interaction at each (journey, stage,
#: touch-point) they used, its time as ``occurred_at`` (written by
#: ``cxm.store.mirror_customers``; journey maps read it as they read the interactions).
CUSTOMER_FIRSTS = "customer_firsts"
#: CSAT at or below this is a bad experience, at or above GOOD_MIN a good one.
BAD_MAX, GOOD_MIN = 2, 4
#: Touch-points whose interaction means the customer left.
CHURN_TOUCHPOINTS: tuple[str, ...] = ("cancellation",)


@dataclass(frozen=True)
class JourneyQuery:
    """A journey (or all, ``None``) in a time window, filtered by dimensions."""

    journey: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    min_n: int | None = None

    def validate(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValidationFailed("'since' is after 'until'", field="since")

    @property
    def journey_only(self) -> bool:
        """No time window and no dimension filter: every interaction, or one journey's."""
        return not (self.since or self.until or self.where)


@dataclass(frozen=True)
class PathQuery:
    """The most common paths: the first ``steps`` distinct consecutive touch-points (or
    stages) of each customer's interactions in the window; the ``top`` most frequent."""

    journey: JourneyQuery = field(default_factory=JourneyQuery)
    level: PathLevel = "touchpoint"
    steps: int = 4
    top: int = 10

    def validate(self) -> None:
        self.journey.validate()
        if self.level not in ("touchpoint", "stage"):
            raise ValidationFailed("the path level is touchpoint or stage", field="level")
        if not 2 <= self.steps <= MAX_PATH_STEPS:
            raise ValidationFailed(f"steps between 2 and {MAX_PATH_STEPS}", field="steps")
        if not 1 <= self.top <= 100:
            raise ValidationFailed("top between 1 and 100", field="top")


@dataclass(frozen=True)
class Emotion:
    """The emotion at a point of the journey: mean sentiment score (−1…1) and intensities.

    ``source="comments"``: from the analyses of ``n`` comments; ``"score"``: no analysed
    comments, a valence from the scores, (CSAT − 3) / 2, and no intensities."""

    source: EmotionSource
    n: int
    valence: float | None
    intensities: Mapping[str, float]


@dataclass(frozen=True)
class MapCell:
    """A stage or a touch-point of the map (``touchpoint`` None for a stage row)."""

    journey: str
    stage: str
    touchpoint: str | None
    interactions: int
    customers: int
    responses: int
    nps: MetricValue
    csat: MetricValue
    ces: MetricValue
    emotion: Emotion


@dataclass(frozen=True)
class Transition:
    """Stage i → stage i+1: customers who reached i, of them those who later reached i+1,
    and the time between first arrivals (seconds; None without conversions)."""

    source: str
    target: str
    reached: int
    converted: int
    median_seconds: float | None
    p90_seconds: float | None

    @property
    def conversion(self) -> float | None:
        return self.converted / self.reached if self.reached else None

    @property
    def drop_off(self) -> int:
        return self.reached - self.converted


@dataclass(frozen=True)
class JourneyMap:
    query: JourneyQuery
    emotion_source: EmotionSource
    stages: tuple[MapCell, ...]  # in journey order
    touchpoints: tuple[MapCell, ...]  # in journey order
    transitions: tuple[Transition, ...]


@dataclass(frozen=True)
class PathCount:
    steps: tuple[str, ...]
    customers: int
    share: float  # of the customers with a path


@dataclass(frozen=True)
class PathReport:
    query: PathQuery
    customers: int  # customers with a path: an interaction at the level, in the window
    paths: tuple[PathCount, ...]


@dataclass(frozen=True)
class MomentQuery:
    """Moments of truth: for each touch-point, customers with a bad experience there
    (a CSAT ≤ 2) against those with only good ones (CSAT ≥ 4): the share who cancelled
    afterwards (``churn``) and their relationship NPS (``nps``)."""

    journey: JourneyQuery = field(default_factory=JourneyQuery)
    outcome: MomentOutcome = "churn"
    min_customers: int = 20

    def validate(self) -> None:
        self.journey.validate()
        if self.outcome not in ("churn", "nps"):
            raise ValidationFailed("the outcome is churn or nps", field="outcome")
        if self.min_customers < 1:
            raise ValidationFailed("min_customers at least 1", field="min_customers")


@dataclass(frozen=True)
class OutcomeGap:
    """An outcome for the bad and the good group, their difference (bad − good) and its
    95 % interval (None when a group is too small)."""

    bad_n: int
    good_n: int
    bad: float | None
    good: float | None
    difference: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Moment:
    touchpoint: str
    journey: str | None
    stage: str | None
    churn: OutcomeGap  # cancellation after the experience, in %
    nps: OutcomeGap  # relationship NPS of the customers, points


@dataclass(frozen=True)
class MomentReport:
    query: MomentQuery
    moments: tuple[Moment, ...]  # the strongest effect first
