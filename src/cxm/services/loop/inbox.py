"""Reading cases within the principal's department scope: the access checks every case
operation uses, the filtered list (the inbox), one case with its history, counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from cxm.domain import loop as domain
from cxm.domain.access import Principal
from cxm.domain.errors import NotFound, PermissionDenied, ValidationFailed
from cxm.services.loop import complaints
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls

CASE_WORKERS = ("admin", "analyst", "manager", "agent")


# --- access ------------------------------------------------------------------------------------
def check_worker(principal: Principal) -> None:
    if principal.role not in CASE_WORKERS:
        raise PermissionDenied(f"role '{principal.role}' does not handle cases")


def visible(principal: Principal, row: dict[str, Any]) -> bool:
    scope = principal.department_scope
    return scope is None or row.get("department") in scope


def load_case(conn: Connection, case_id: int, principal: Principal | None) -> dict[str, Any]:
    row = ls.case_row(conn, case_id)
    if row is None or (principal is not None and not visible(principal, row)):
        raise NotFound(f"no case {case_id}")
    return row


# --- reading -----------------------------------------------------------------------------------
def list_cases(
    rt: Runtime,
    principal: Principal,
    *,
    status: str | None = None,
    department: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    kind: str | None = None,
    breached: bool | None = None,
    open_only: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    check_worker(principal)
    c = ls.CASES.c
    query = select(ls.CASES).order_by(c.opened_at.desc(), c.id.desc()).limit(limit)
    scope = principal.department_scope
    if scope is not None:
        query = query.where(c.department.in_(scope))
    if status:
        if status not in domain.CASE_STATUSES:
            raise ValidationFailed(f"unknown status '{status}'", field="status")
        query = query.where(c.status == status)
    if open_only:
        query = query.where(c.status.in_(domain.OPEN_STATUSES))
    if department:
        query = query.where(c.department == department)
    if owner:
        query = query.where(c.owner == owner)
    if priority:
        query = query.where(c.priority == priority)
    if kind:
        query = query.where(c.kind == kind)
    if breached is not None:
        hit = c.first_response_breached_at.is_not(None) | c.resolution_breached_at.is_not(None)
        query = query.where(hit if breached else ~hit)
    with rt.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def get_case(rt: Runtime, case_id: int, principal: Principal) -> dict[str, Any]:
    check_worker(principal)
    with rt.db.read() as conn:
        row = load_case(conn, case_id, principal)
        row["events"] = [
            dict(e._mapping)
            for e in conn.execute(
                select(ls.EVENTS).where(ls.EVENTS.c.case_id == case_id).order_by(ls.EVENTS.c.id)
            )
        ]
        row["complaint"] = complaints.complaint_of(conn, case_id)
    return row


def case_counts(rt: Runtime, principal: Principal) -> dict[str, int]:
    c = ls.CASES.c
    query = select(c.status, func.count()).group_by(c.status)
    scope = principal.department_scope
    if scope is not None:
        query = query.where(c.department.in_(scope))
    with rt.db.read() as conn:
        return {str(s): int(n) for s, n in conn.execute(query)}
