"""The closed loop in the demo: default rules plus an invoice-complaint rule for billing,
routing to the demo users, cases from the most recent feedback with a realistic history
(acknowledged, worked on, resolved or closed — some late and escalated, some still open),
complaint records, standards with twelve months of compliance, and the notifications of
that history marked delivered (the demo has no mail server)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.domain.loop_sla import DEFAULT_CALENDAR, due_times
from cxm.services.loop import cases, complaints, rules, setup, sla, standards
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls
from cxm.store.tables import Response

#: How many days of the newest feedback the demo's rules look at.
RECENT_DAYS = 21
DEMO_ROUTES = (
    ("billing", "invoice", "pracownik", "kierownik"),
    ("customer_service", None, "agent", "kierownik"),
    ("complaints", None, "agent", "kierownik"),
)
ACTOR = Principal(0, "demo", "admin")


def generate_loop_demo(rt: Runtime, seed: int = 7) -> dict[str, int]:
    """Rules, routing, cases with SLA history and standards; returns counts."""
    rng = random.Random(seed)
    r = Response.__table__.c
    with rt.db.read() as conn:
        end = conn.execute(select(func.max(r.responded_at))).scalar()
    if end is None:
        return {"cases": 0}
    start_time = end - timedelta(days=60)
    setup.install_defaults(rt, now=start_time)
    for department, touchpoint, owner, manager in DEMO_ROUTES:
        setup.add_route(rt, department, touchpoint=touchpoint, owner=owner,
                        owner_email=f"{owner}@demo.cxm.local", manager=manager,
                        manager_email=f"{manager}@demo.cxm.local", now=start_time)  # fmt: skip
    rules.add_rule(rt, "Reklamacja faktury / Invoice complaint", "detractor", priority="high",
                   scope={"touchpoint": ["invoice"]}, params={"max_nps": 3}, complaint=True,
                   now=start_time)  # fmt: skip
    # only the last weeks' feedback opens demo cases (keeps the demo fast)
    rules.evaluate_feedback(rt, now=end, since=end - timedelta(days=RECENT_DAYS))
    opened = _backdate(rt)
    _play_history(rt, rng, end)
    sla.escalate_breaches(rt, now=end)
    with rt.db.write() as conn:  # the demo's history was delivered (there is no mail server)
        conn.execute(
            ls.OUTBOX.update()
            .where(ls.OUTBOX.c.status == "pending")
            .values(status="delivered", attempts=1, delivered_at=end)
        )
    run = standards.evaluate_standards(rt, now=end + timedelta(seconds=1))
    return {"cases": opened, "standards": run.standards, "breaches": run.breaches}


def _backdate(rt: Runtime) -> int:
    """Open each case when its response arrived (plus half an hour), clocks to match."""
    r = Response.__table__.c
    c = ls.CASES.c
    with rt.db.write() as conn:
        rows = conn.execute(
            select(c.id, c.priority, c.kind, r.responded_at).join(
                Response.__table__, r.id == c.response_id
            )
        ).all()
        for case_id, priority, kind, responded_at in rows:
            opened = responded_at + timedelta(minutes=30)
            first, resolution = due_times(opened, priority, complaint=kind == "complaint")
            conn.execute(
                ls.CASES.update()
                .where(c.id == case_id)
                .values(
                    opened_at=opened,
                    first_response_due=first,
                    resolution_due=resolution,
                    updated_at=opened,
                )
            )
            conn.execute(
                ls.EVENTS.update()
                .where(ls.EVENTS.c.case_id == case_id, ls.EVENTS.c.kind == "created")
                .values(at=opened)
            )
            conn.execute(
                ls.COMPLAINTS.update()
                .where(ls.COMPLAINTS.c.case_id == case_id)
                .values(received_at=opened, acknowledged_at=opened, updated_at=opened)
            )
    return len(rows)


def _play_history(rt: Runtime, rng: random.Random, end: datetime) -> None:
    """Walk each case through its statuses at business-hour moments; most on time, some
    late, the newest still open."""
    c = ls.CASES.c
    with rt.db.read() as conn:
        rows = conn.execute(select(c.id, c.opened_at, c.kind).order_by(c.opened_at)).all()
    causes = ("process", "system", "communication", "people", "price")
    for case_id, opened, kind in rows:

        def hours(h: float, opened: datetime = opened) -> datetime:
            return DEFAULT_CALENDAR.add_business_minutes(opened, h * 60)

        late = rng.random() < 0.18
        steps = [("acknowledged", hours(rng.uniform(0.3, 6 if late else 3)))]
        steps.append(("in_progress", hours(rng.uniform(4, 8))))
        resolved_at = hours(rng.uniform(45, 90) if late else rng.uniform(8, 36))
        steps += [("resolved", resolved_at), ("closed", resolved_at + timedelta(days=2))]
        try:
            for status, at in steps:
                if at > end:
                    break
                if status == "resolved":
                    done = [
                        item["key"]
                        for item in cases.get_case(rt, case_id, ACTOR)["checklist"]["items"]
                        if rng.random() < 0.93
                    ]
                    cases.update_case(rt, case_id, ACTOR, root_cause=rng.choice(causes),
                                      resolution="Wyjaśniono i skorygowano / Explained and fixed",
                                      checklist_done=done, now=at)  # fmt: skip
                    if kind == "complaint":
                        complaints.record_assessment(rt, case_id, ACTOR, assessment="zasadna",
                                                     cause_category=rng.choice(causes),
                                                     now=at)  # fmt: skip
                        complaints.respond_to_complaint(
                            rt, case_id, ACTOR, "Korekta faktury wystawiona.", now=at
                        )
                        continue
                sla.escalate_case(rt, case_id, now=at)
                cases.change_status(rt, case_id, status, ACTOR, now=at)
        except CxmError:
            continue
