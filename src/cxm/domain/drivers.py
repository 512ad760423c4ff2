"""Key-driver analysis: which ratings drive an outcome (NPS likelihood to recommend, CSAT).

Relative importance is the Shapley-value decomposition of R² (LMG): the R² of the linear
regression of the outcome on all drivers, split among the drivers as the average over all
orderings of each driver's increment of R². Bootstrap percentile intervals come from
resampling the responses (seeded, so every run and every engine gives the same numbers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cxm.domain.errors import ValidationFailed

DriverSource = Literal["answers", "touchpoints"]
DriverOutcome = Literal["nps", "csat"]
#: LMG visits every subset of drivers: 2^k regressions per bootstrap replicate.
MAX_DRIVERS = 12
MIN_BOOTSTRAP, MAX_BOOTSTRAP = 0, 5000
_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class DriverQuery:
    """What to explain and by what.

    ``source="answers"``: drivers are numeric answers of the same responses (attribute
    ratings, e.g. a relationship survey's ``reliability``, ``price`` …) and the outcome is
    that response's ``nps`` or ``csat``. ``source="touchpoints"``: drivers are touch-points;
    a customer's value is their mean CSAT there, the outcome their mean relationship NPS
    (responses without an interaction) or mean CSAT overall; customers with every driver
    and the outcome are used (complete cases)."""

    outcome: DriverOutcome = "nps"
    source: DriverSource = "answers"
    drivers: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None  # inclusive
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bootstrap: int = 500
    seed: int = 7
    confidence: float = 0.95
    #: a rating at or above this counts into the top-2-box performance (1–5 scales: 4)
    top_box_min: float = 4.0

    def validate(self) -> None:
        if self.outcome not in ("nps", "csat"):
            raise ValidationFailed("the outcome is nps or csat", field="outcome")
        if self.source not in ("answers", "touchpoints"):
            raise ValidationFailed("the source is answers or touchpoints", field="source")
        if not 2 <= len(self.drivers) <= MAX_DRIVERS:
            raise ValidationFailed(f"give between 2 and {MAX_DRIVERS} drivers", field="drivers")
        if len(set(self.drivers)) != len(self.drivers):
            raise ValidationFailed("a driver is repeated", field="drivers")
        for key in self.drivers:
            if not _KEY.match(key):
                raise ValidationFailed(f"invalid driver name '{key}'", field="drivers")
        if not MIN_BOOTSTRAP <= self.bootstrap <= MAX_BOOTSTRAP:
            raise ValidationFailed(
                f"bootstrap replicates between {MIN_BOOTSTRAP} and {MAX_BOOTSTRAP}",
                field="bootstrap",
            )
        if not 0.5 <= self.confidence < 1:
            raise ValidationFailed("confidence between 0.5 and 1", field="confidence")
        if self.since and self.until and self.since > self.until:
            raise ValidationFailed("'since' is after 'until'", field="since")


@dataclass(frozen=True)
class DriverImportance:
    """One driver: its share of R² (``importance``, raw LMG) and ``share`` of the total
    (0–1), their bootstrap intervals, its correlation with the outcome and performance."""

    driver: str
    importance: float
    low: float | None
    high: float | None
    share: float
    share_low: float | None
    share_high: float | None
    correlation: float
    mean: float
    top_box: float  # share of ratings ≥ top_box_min, 0–1
    rank: int


@dataclass(frozen=True)
class DriverReport:
    query: DriverQuery
    n: int
    r2: float
    r2_low: float | None
    r2_high: float | None
    outcome_mean: float
    drivers: tuple[DriverImportance, ...]  # by importance, largest first
