"""What an implemented idea changed: its touch-points' NPS and CSAT after the
implementation day against the same number of days before (with the interval of the
difference), or "not yet measurable" while either side has too few responses.

Company-wide on purpose: the author of an idea sees what it did for customers, whatever
department they work in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cxm.domain.significance import Difference, Group
from cxm.services.analysis.significance import change_windows, compare_groups
from cxm.services.runtime import Runtime

#: The windows after and before the implementation day are at most this long.
MAX_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Outcome:
    touchpoints: tuple[str, ...]
    implemented_on: date
    after: tuple[date | None, date | None]
    before: tuple[date | None, date | None]
    measurable: bool
    differences: tuple[Difference, ...]  # nps, csat_top2, csat: after minus before


def measure_outcome(rt: Runtime, touchpoints: tuple[str, ...], implemented_on: date) -> Outcome:
    """The touch-points' metrics after ``implemented_on`` against before."""
    after, before = change_windows(rt, implemented_on, None)
    if after.since and after.until and (after.until - after.since).days + 1 > MAX_WINDOW_DAYS:
        after, before = change_windows(rt, implemented_on, MAX_WINDOW_DAYS)
    where = {"touchpoint": tuple(touchpoints)}
    comparison = compare_groups(
        rt,
        Group("after", since=after.since, until=after.until, where=where),
        Group("before", since=before.since, until=before.until, where=where),
        metrics=("nps", "csat_top2", "csat"),
    )
    nps = comparison.differences[0]
    return Outcome(
        touchpoints=tuple(touchpoints),
        implemented_on=implemented_on,
        after=(after.since, after.until),
        before=(before.since, before.until),
        measurable=nps.difference is not None,
        differences=comparison.differences,
    )
