"""The people area's periodic work (inside ``cxm serve``, and one-off from the CLI): open the
next round of recurring pulses and invite employees to open rounds, queue the day's
digests, the week's news digest and the month's training reminders — each keyed so that
running again adds nothing — then deliver the outbox."""

from __future__ import annotations

from datetime import date, timedelta

from cxm.services.people import news, notifications, pulse_rounds, training
from cxm.services.people.common import now
from cxm.services.runtime import Runtime

#: How often ``cxm serve`` runs :func:`run_people_jobs`.
PEOPLE_JOB_INTERVAL_SECONDS = 60.0


def run_people_jobs(rt: Runtime, today: date | None = None) -> dict[str, int]:
    today = today or now().date()
    counts = {
        "pulse_rounds": pulse_rounds.schedule_rounds(rt, today),
        "pulse_invitations": pulse_rounds.queue_invitations(rt, today),
        # yesterday's notifications, once today has begun
        "digests": notifications.queue_digests(rt, today - timedelta(days=1)),
        "news": news.queue_news_digest(rt, today) if today.weekday() == 0 else 0,
        "reminders": training.queue_reminders(rt, today) if today.day == 1 else 0,
    }
    counts.update(notifications.deliver_outbox(rt))
    return counts
