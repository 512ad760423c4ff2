"""SLA clocks in business hours: working days Monday–Friday, a daily opening window, Polish
public holidays (the ``holidays`` package) off. Times in and out are naive UTC (as stored);
the calendar works in its local time zone (Europe/Warsaw by default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import holidays

#: Business minutes per priority: (first response, resolution).
SLA_MINUTES: Final[dict[str, tuple[int, int]]] = {
    "critical": (60, 8 * 60),
    "high": (2 * 60, 16 * 60),
    "normal": (4 * 60, 40 * 60),
    "low": (8 * 60, 80 * 60),
}
#: Complaints: acknowledge within one business day, answer within ten (ISO 10002 asks for
#: prompt acknowledgement and a stated time for the answer).
COMPLAINT_SLA_MINUTES: Final = (8 * 60, 80 * 60)


@lru_cache(maxsize=64)
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours ``opens``–``closes`` on weekdays that are not public holidays."""

    opens: time = time(8, 0)
    closes: time = time(16, 0)
    timezone: str = "Europe/Warsaw"
    extra_days_off: frozenset[date] = field(default_factory=frozenset)

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in _polish_holidays(day.year)
            and day not in self.extra_days_off
        )

    def _local(self, utc_naive: datetime) -> datetime:
        return utc_naive.replace(tzinfo=UTC).astimezone(self._zone).replace(tzinfo=None)

    def _utc(self, local_naive: datetime) -> datetime:
        return local_naive.replace(tzinfo=self._zone).astimezone(UTC).replace(tzinfo=None)

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment (naive UTC) when ``minutes`` of business time have passed from ``start``."""
        current = self._local(start)
        remaining = timedelta(minutes=minutes)
        while True:
            day = current.date()
            day_open = datetime.combine(day, self.opens)
            day_close = datetime.combine(day, self.closes)
            if not self.is_working_day(day) or current >= day_close:
                current = datetime.combine(day + timedelta(days=1), self.opens)
                continue
            current = max(current, day_open)
            available = day_close - current
            if remaining <= available:
                return self._utc(current + remaining)
            remaining -= available
            current = datetime.combine(day + timedelta(days=1), self.opens)

    def business_minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes from ``start`` to ``end`` (naive UTC); 0 when end ≤ start."""
        if end <= start:
            return 0.0
        a, b = self._local(start), self._local(end)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo = max(a, datetime.combine(day, self.opens))
                hi = min(b, datetime.combine(day, self.closes))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60.0


DEFAULT_CALENDAR: Final = BusinessCalendar()


def sla_minutes(priority: str, *, complaint: bool = False) -> tuple[int, int]:
    if complaint:
        return COMPLAINT_SLA_MINUTES
    return SLA_MINUTES.get(priority, SLA_MINUTES["normal"])


def due_times(
    opened_at: datetime,
    priority: str,
    *,
    complaint: bool = False,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> tuple[datetime, datetime]:
    """(first response due, resolution due) of a case opened at ``opened_at`` (naive UTC)."""
    first, resolution = sla_minutes(priority, complaint=complaint)
    return (
        calendar.add_business_minutes(opened_at, first),
        calendar.add_business_minutes(opened_at, resolution),
    )
