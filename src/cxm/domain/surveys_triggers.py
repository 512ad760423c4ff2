"""Trigger rules and the pure decision for one interaction: does it earn a survey invitation,
and if not, why.

Sampling is seeded: a hash of (rule, interaction) decides, so the same data always gives
the same invitations. Contact fatigue is measured on the planned send times, so a batch of
historical interactions is judged exactly as it would have been live."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

#: Why an interaction got no invitation (stable codes, shown translated in the decision log).
REASONS = (
    "invited",
    "no_rule",
    "too_old",
    "sampled_out",
    "no_customer",
    "no_consent",
    "opted_out",
    "no_email",
    "fatigue_global",
    "fatigue_survey",
    "survey_not_live",
)


@dataclass(frozen=True)
class TriggerRule:
    id: int
    survey_id: int
    touchpoint: str
    channel: str | None = None
    product: str | None = None
    outcome: str | None = None
    segment: str | None = None
    delay_minutes: int = 60
    sampling_percent: float = 100.0
    quiet_start: int | None = 21  # hour of day, local
    quiet_end: int | None = 8
    active: bool = True

    def matches(self, interaction: dict[str, Any]) -> bool:
        if not self.active or interaction.get("touchpoint") != self.touchpoint:
            return False
        wanted = {
            "channel": self.channel,
            "product": self.product,
            "outcome": self.outcome,
            "segment": self.segment,
        }
        return all(v is None or interaction.get(k) == v for k, v in wanted.items())


def sample_bucket(rule_id: int, interaction_key: str) -> float:
    """A number in [0, 100) fixed by (rule, interaction): sampled in when below the percent."""
    digest = hashlib.sha256(f"{rule_id}:{interaction_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 1_000_000 / 10_000


def sampled_in(rule: TriggerRule, interaction_key: str) -> bool:
    return sample_bucket(rule.id, interaction_key) < rule.sampling_percent


def outside_quiet_hours(at: datetime, start: int | None, end: int | None) -> datetime:
    """``at``, or the end of the quiet hours it falls into (hours wrap past midnight)."""
    if start is None or end is None or start == end:
        return at
    hour = at.hour
    quiet = start <= hour < end if start < end else hour >= start or hour < end
    if not quiet:
        return at
    day = at.date() if hour < end else at.date() + timedelta(days=1)
    return datetime.combine(day, time(end))


@dataclass
class FatigueLedger:
    """The planned send times of each customer's invitations, overall and per survey."""

    global_days: int
    survey_days: dict[int, int]
    last_any: dict[int, datetime]
    last_by_survey: dict[tuple[int, int], datetime]

    def reason(self, customer_id: int, survey_id: int, at: datetime) -> str | None:
        last = self.last_any.get(customer_id)
        if (
            self.global_days > 0
            and last is not None
            and abs(at - last) < timedelta(days=self.global_days)
        ):
            return "fatigue_global"
        days = self.survey_days.get(survey_id, 0)
        last_here = self.last_by_survey.get((customer_id, survey_id))
        if days > 0 and last_here is not None and abs(at - last_here) < timedelta(days=days):
            return "fatigue_survey"
        return None

    def record(self, customer_id: int, survey_id: int, at: datetime) -> None:
        if customer_id not in self.last_any or at > self.last_any[customer_id]:
            self.last_any[customer_id] = at
        key = (customer_id, survey_id)
        if key not in self.last_by_survey or at > self.last_by_survey[key]:
            self.last_by_survey[key] = at
