"""The invitation funnel per survey and touch-point: invited, reminded, opened, started,
completed and the response rate (completed / invited)."""

from __future__ import annotations

from dataclasses import dataclass

from cxm.services.runtime import Runtime
from cxm.services.surveys import designer
from cxm.store import surveys_invitations as store

STEPS = ("invited", "reminded", "opened", "started", "completed")


@dataclass(frozen=True)
class FunnelRow:
    survey: str
    touchpoint: str | None
    invited: int
    reminded: int
    opened: int
    started: int
    completed: int
    total: bool = False

    @property
    def response_rate(self) -> float | None:
        return self.completed / self.invited if self.invited else None

    def as_dict(self) -> dict[str, object]:
        return {
            "survey": self.survey,
            "touchpoint": self.touchpoint,
            **{step: getattr(self, step) for step in STEPS},
            "response_rate": self.response_rate,
            "total": self.total,
        }


def survey_funnel(rt: Runtime, survey_key: str | None = None) -> list[FunnelRow]:
    """Rows per (survey, touch-point), plus one total row per survey (touch-point None)."""
    keys = {s["id"]: s["key"] for s in designer.list_surveys(rt)}
    survey_id = designer.get_survey(rt, survey_key)["id"] if survey_key else None
    rows = [
        FunnelRow(
            keys.get(r["survey_id"], str(r["survey_id"])),
            r["touchpoint"],
            invited=int(r["invited"] or 0),
            reminded=int(r["reminded"] or 0),
            opened=int(r["opened"] or 0),
            started=int(r["started"] or 0),
            completed=int(r["completed"] or 0),
        )
        for r in store.funnel_counts(rt.db, survey_id)
    ]
    totals: dict[str, list[int]] = {}
    for row in rows:
        acc = totals.setdefault(row.survey, [0] * len(STEPS))
        for i, step in enumerate(STEPS):
            acc[i] += getattr(row, step)
    rows.sort(key=lambda r: (r.survey, r.touchpoint or ""))
    summary = [
        FunnelRow(key, None, acc[0], acc[1], acc[2], acc[3], acc[4], total=True)
        for key, acc in sorted(totals.items())
    ]
    return summary + rows
