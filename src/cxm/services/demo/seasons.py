"""When things happen in the demo: the fixed date range and the seasonal volume patterns.

Volumes follow a weekly pattern (quiet Sundays), a yearly one (a December peak of sales
and help requests, a summer dip in July–August) and a slight growth; scores never depend
on the season, so seasonality is noise for any analysis of experience."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import numpy as np

#: First and last day of the demo data (inclusive), UTC.
DATE_FROM: Final = date(2024, 1, 1)
DATE_TO: Final = date(2025, 12, 31)

EPOCH: Final = datetime(1970, 1, 1)
DAY: Final = 86_400

#: Relative volume per weekday, Monday first.
WEEKDAY_WEIGHTS: Final = np.array([1.12, 1.05, 1.02, 1.0, 1.04, 0.72, 0.38])
#: Relative volume per month, January first: summer dip, December peak.
MONTH_WEIGHTS: Final = np.array(
    [0.97, 0.93, 1.0, 0.98, 0.97, 0.92, 0.78, 0.76, 0.98, 1.03, 1.12, 1.38]
)
#: Relative volume per hour of the day (local business hours, evenings for digital).
HOUR_WEIGHTS: Final = np.array(
    [0.1, 0.05, 0.03, 0.03, 0.05, 0.15, 0.4, 0.8, 1.3, 1.6, 1.7, 1.65,
     1.5, 1.55, 1.5, 1.45, 1.4, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, 0.25]
)  # fmt: skip
#: Yearly growth of volumes.
GROWTH_PER_YEAR: Final = 0.06


def range_seconds() -> tuple[int, int]:
    """Start (inclusive) and end (exclusive) of the range, seconds since the epoch."""
    start = int((datetime.combine(DATE_FROM, datetime.min.time()) - EPOCH).total_seconds())
    end = int((datetime.combine(DATE_TO, datetime.min.time()) - EPOCH).total_seconds()) + DAY
    return start, end


def day_weights() -> np.ndarray:
    """Probability of each day of the range carrying a given event (sums to 1)."""
    days = np.arange(np.datetime64(DATE_FROM), np.datetime64(DATE_TO) + 1)
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
    month = days.astype("datetime64[M]").astype("int64") % 12
    years = np.arange(days.size) / 365.25
    weights = WEEKDAY_WEIGHTS[weekday] * MONTH_WEIGHTS[month] * (1 + GROWTH_PER_YEAR * years)
    return np.asarray(weights / weights.sum())


def sample_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` seasonal timestamps in the range, seconds since the epoch (int64)."""
    start, _ = range_seconds()
    weights = day_weights()
    day = rng.choice(weights.size, size=n, p=weights)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = rng.integers(0, 3600, size=n)
    return np.asarray(start + day.astype(np.int64) * DAY + hour * 3600 + second, dtype=np.int64)
