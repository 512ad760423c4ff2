"""SLA clocks and escalation: a case past its first-response or resolution deadline (in
business hours, Polish holidays off — the deadlines were computed when it opened) is
escalated once per clock: its priority goes one level up, the breach is written to its
history, and its manager is notified (e-mail and the ``case.escalated`` webhook event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from cxm.domain import loop as domain
from cxm.services.loop import notifications
from cxm.services.loop.cases import _event, case_link, case_payload
from cxm.services.loop.clock import utc_now
from cxm.services.loop.messages import message
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls

CLOCKS = ("first_response", "resolution")


@dataclass(frozen=True)
class EscalationRun:
    checked: int
    escalated: int


def escalate_breaches(rt: Runtime, *, now: datetime | None = None) -> EscalationRun:
    """Escalate every open case whose clock ran out at ``now`` and was not escalated yet."""
    now = now or utc_now()
    c = ls.CASES.c
    with rt.db.read() as conn:
        candidates = [
            dict(r._mapping)
            for r in conn.execute(
                select(ls.CASES).where(
                    c.status.in_(domain.OPEN_STATUSES),
                    (
                        (
                            c.first_response_at.is_(None)
                            & c.first_response_breached_at.is_(None)
                            & (c.first_response_due <= now)
                        )
                        | (c.resolution_breached_at.is_(None) & (c.resolution_due <= now))
                    ),
                )
            )
        ]
    escalated = 0
    for case in candidates:
        for clock in CLOCKS:
            if _escalate(rt, case["id"], clock, now):
                escalated += 1
    return EscalationRun(len(candidates), escalated)


def escalate_case(rt: Runtime, case_id: int, *, now: datetime | None = None) -> int:
    """Escalate one case's clocks that ran out at ``now`` (0, 1 or 2 escalations)."""
    now = now or utc_now()
    return sum(_escalate(rt, case_id, clock, now) for clock in CLOCKS)


def _escalate(rt: Runtime, case_id: int, clock: str, now: datetime) -> bool:
    c = ls.CASES.c
    breached_col = c[f"{clock}_breached_at"]
    due_col = c[f"{clock}_due"]
    condition = (c.id == case_id) & breached_col.is_(None) & (due_col <= now)
    condition &= c.status.in_(domain.OPEN_STATUSES)
    if clock == "first_response":
        condition &= c.first_response_at.is_(None)
    with rt.db.write() as conn:
        case = conn.execute(select(ls.CASES).where(condition)).first()
        if case is None:
            return False
        row = dict(case._mapping)
        priority = domain.raised_priority(row["priority"])
        level = row["escalation_level"] + 1
        values = {
            f"{clock}_breached_at": now,
            "priority": priority,
            "escalation_level": level,
            "updated_at": now,
        }
        conn.execute(ls.CASES.update().where(c.id == case_id).values(values))
        conn.execute(
            ls.EVENTS.insert(),
            [
                _event(case_id, now, None, "sla_breach", clock, row[f"{clock}_due"].isoformat()),
                _event(
                    case_id,
                    now,
                    None,
                    "escalated",
                    row["priority"],
                    priority,
                    f"manager: {row['manager'] or '—'}",
                ),
            ],
        )
        subject, text = message(
            rt.settings.default_language,
            "case_escalated",
            id=case_id,
            title=row["title"],
            clock=clock,
            priority=priority,
            owner=row["owner"] or "—",
            link=case_link(rt, case_id),
        )
        notifications.enqueue_event(
            conn,
            event="case.escalated",
            key=f"case:{case_id}:escalated:{clock}",
            payload=case_payload(row | values) | {"clock": clock},
            now=now,
            emails=[(row["manager_email"] or "", subject, text)],
            case_id=case_id,
        )
    return True


def sla_summary(rt: Runtime, *, department: str | None = None) -> dict[str, float | int]:
    """Resolved cases: how many met their resolution deadline."""
    c = ls.CASES.c
    query = select(c.resolved_at, c.resolution_due).where(c.resolved_at.is_not(None))
    if department:
        query = query.where(c.department == department)
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    met = sum(1 for resolved, due in rows if resolved <= due)
    return {"resolved": len(rows), "met": met, "share": met / len(rows) if rows else 0.0}
