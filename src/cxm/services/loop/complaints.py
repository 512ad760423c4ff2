"""Complaint handling as ISO 10002 asks: receipt recorded, acknowledgement sent to the
customer (with a reference), tracking through assessment and investigation, a response to
the customer, closure, and analysis of causes (per category and department)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from cxm.domain import loop as domain
from cxm.domain.access import Principal
from cxm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from cxm.services.loop import notifications
from cxm.services.loop.clock import utc_now
from cxm.services.loop.messages import message
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls

#: case status → the complaint step it completes.
_STATUS_STEPS = {
    "acknowledged": "acknowledged",
    "in_progress": "investigated",
    "resolved": "responded",
    "closed": "closed",
}


def reference_of(case_id: int, opened_at: datetime) -> str:
    return f"R/{opened_at:%Y}/{case_id:06d}"


def open_complaint(
    rt: Runtime,
    conn: Connection,
    case: dict[str, Any],
    customer_email: str | None,
    customer_language: str | None,
    now: datetime,
) -> None:
    """Record the complaint and queue its acknowledgement to the customer (service message:
    sent to any known address, marketing consent is not needed)."""
    reference = reference_of(case["id"], case["opened_at"])
    conn.execute(
        ls.COMPLAINTS.insert().values(
            case_id=case["id"],
            reference=reference,
            step="acknowledged" if customer_email else "received",
            customer_email=customer_email,
            received_at=now,
            acknowledged_at=now if customer_email else None,
            updated_at=now,
        )
    )
    if customer_email:
        subject, text = message(
            customer_language,
            "complaint_ack",
            reference=reference,
            resolution_due=case["resolution_due"].date().isoformat(),
        )
        notifications.enqueue_event(
            conn,
            event="complaint.acknowledged",
            key=f"case:{case['id']}:complaint_ack",
            payload={"case_id": case["id"], "reference": reference},
            now=now,
            emails=[(customer_email, subject, text)],
            case_id=case["id"],
        )


def track_status(conn: Connection, case_id: int, status: str, now: datetime) -> None:
    step = _STATUS_STEPS.get(status)
    if step is None:
        return
    values: dict[str, Any] = {"step": step, "updated_at": now}
    if step == "closed":
        values["closed_at"] = now
    conn.execute(ls.COMPLAINTS.update().where(ls.COMPLAINTS.c.case_id == case_id).values(values))


def complaint_of(conn: Connection, case_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(ls.COMPLAINTS).where(ls.COMPLAINTS.c.case_id == case_id)).first()
    return dict(row._mapping) if row is not None else None


def record_assessment(
    rt: Runtime,
    case_id: int,
    principal: Principal,
    *,
    assessment: str | None = None,
    cause_category: str | None = None,
    cause_analysis: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Assessment and cause analysis of a complaint."""
    now = now or utc_now()
    if cause_category is not None and cause_category not in domain.ROOT_CAUSES:
        raise ValidationFailed(f"unknown cause '{cause_category}'", field="cause_category")
    with rt.db.write() as conn:
        record = _record(conn, case_id, principal)
        values: dict[str, Any] = {"updated_at": now}
        if assessment is not None:
            values.update(assessment=assessment, step=max(record["step"], "assessed", key=_order))
        if cause_category is not None:
            values["cause_category"] = cause_category
            conn.execute(
                ls.CASES.update().where(ls.CASES.c.id == case_id).values(root_cause=cause_category)
            )
        if cause_analysis is not None:
            values["cause_analysis"] = cause_analysis
        conn.execute(
            ls.COMPLAINTS.update().where(ls.COMPLAINTS.c.id == record["id"]).values(values)
        )
        out = complaint_of(conn, case_id)
    assert out is not None
    return out


def respond_to_complaint(
    rt: Runtime, case_id: int, principal: Principal, text: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Send the answer to the customer and record it (the case moves to resolved)."""
    from cxm.services.loop import cases

    now = now or utc_now()
    if not text.strip():
        raise ValidationFailed("the answer needs text", field="text")
    with rt.db.write() as conn:
        record = _record(conn, case_id, principal)
        if record["responded_at"] is not None:
            raise Conflict("this complaint was already answered", field="text")
        case = ls.case_row(conn, case_id)
        assert case is not None
        language = None
        if case["customer_id"] is not None:
            language = conn.execute(
                select(cases.CUSTOMERS.c.language).where(
                    cases.CUSTOMERS.c.id == case["customer_id"]
                )
            ).scalar()
        conn.execute(
            ls.COMPLAINTS.update()
            .where(ls.COMPLAINTS.c.id == record["id"])
            .values(response_text=text.strip(), responded_at=now, step="responded", updated_at=now)
        )
        conn.execute(
            ls.CASES.update().where(ls.CASES.c.id == case_id).values(resolution=text.strip())
        )
        if record["customer_email"]:
            subject, body = message(
                language, "complaint_response", reference=record["reference"], response=text.strip()
            )
            notifications.enqueue_event(
                conn,
                event="complaint.responded",
                key=f"case:{case_id}:complaint_response",
                payload={"case_id": case_id, "reference": record["reference"]},
                now=now,
                emails=[(record["customer_email"], subject, body)],
                case_id=case_id,
            )
    if case["status"] != "resolved":
        cases.change_status(rt, case_id, "resolved", principal, note=text.strip()[:500], now=now)
    with rt.db.read() as conn:
        out = complaint_of(conn, case_id)
    assert out is not None
    return out


def cause_analysis(rt: Runtime, principal: Principal) -> list[dict[str, Any]]:
    """Complaints per department and cause category (the analysis of causes)."""
    c, k = ls.CASES.c, ls.COMPLAINTS.c
    query = (
        select(c.department, k.cause_category, func.count().label("complaints"))
        .select_from(ls.COMPLAINTS.join(ls.CASES, ls.CASES.c.id == k.case_id))
        .group_by(c.department, k.cause_category)
        .order_by(func.count().desc())
    )
    scope = principal.department_scope
    if scope is not None:
        query = query.where(c.department.in_(scope))
    with rt.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _record(conn: Connection, case_id: int, principal: Principal) -> dict[str, Any]:
    if principal.role not in ("admin", "analyst", "manager", "agent"):
        raise PermissionDenied(f"role '{principal.role}' does not handle complaints")
    case = ls.case_row(conn, case_id)
    scope = principal.department_scope
    if case is None or (scope is not None and case["department"] not in scope):
        raise NotFound(f"no case {case_id}")
    record = complaint_of(conn, case_id)
    if record is None:
        raise NotFound(f"case {case_id} is not a complaint")
    return record


def _order(step: str) -> int:
    return domain.COMPLAINT_STEPS.index(step)
