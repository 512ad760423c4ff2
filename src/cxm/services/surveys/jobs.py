"""The survey work the server does on a schedule: judge new interactions against the
trigger rules, then send due invitations and reminders (also ``cxm surveys triggers run``
and ``cxm surveys send``)."""

from __future__ import annotations

from typing import Any

from cxm.services.runtime import Runtime
from cxm.services.surveys import distribution, triggers

SURVEY_JOB_INTERVAL_SECONDS = 60.0


def run_survey_jobs(rt: Runtime) -> dict[str, Any]:
    decisions = triggers.evaluate_triggers(rt)
    sent = distribution.send_due(rt)
    return {"decisions": decisions, "sending": sent}
