"""CX scorecards per employee and per department: interactions handled, NPS and CSAT of
the responses about them, cases resolved within SLA (from the closed loop's cases when
they exist), ideas submitted and implemented, training status.

An employee's scorecard is visible to the employee themself and to the manager of their
department only; a department's to its manager, analysts and administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cxm import analytics
from cxm.domain.access import Principal
from cxm.domain.errors import PermissionDenied, ValidationFailed
from cxm.services.mirror import ensure_fresh
from cxm.services.people.common import EMPLOYEES, EmployeeView, T, employee_of_user, find_employee
from cxm.services.people.training import CourseStatus, coverage, employee_training
from cxm.services.runtime import Runtime

IDEAS = T["ideas"]


@dataclass(frozen=True)
class Scorecard:
    scope: str  # employee | department
    key: str  # employee external id or department key
    name: str
    department: str
    interactions: int
    responses: int
    nps_n: int
    nps: float | None
    csat_n: int
    csat: float | None
    insufficient: bool
    cases_available: bool
    cases_resolved: int | None
    cases_within_sla: int | None
    ideas_submitted: int
    ideas_implemented: int
    training: tuple[CourseStatus, ...]
    training_share: float | None  # department: % fully trained


def can_see_employee(principal: Principal, own: EmployeeView | None, target: EmployeeView) -> bool:
    if own is not None and own.external_id == target.external_id:
        return True
    return principal.role == "manager" and principal.department == target.department


def can_see_department(principal: Principal, department: str) -> bool:
    if principal.role in ("admin", "analyst"):
        return True
    return principal.role == "manager" and principal.department == department


def _experience(
    rt: Runtime, employee_ids: list[int]
) -> tuple[int, int, int, float | None, int, float | None]:
    """(interactions, responses, nps n, nps, csat n, csat mean) of these employees."""
    if not employee_ids:
        return 0, 0, 0, None, 0, None
    if rt.settings.engine != "postgres":
        ensure_fresh(rt)
    engine = analytics.connect(rt.settings)
    with engine.lock:
        inter = engine.table("interactions")
        n_inter = inter.filter(inter.employee_id.isin(employee_ids)).count().execute()
        resp = engine.table("responses")
        mine = resp.filter(resp.employee_id.isin(employee_ids))
        row = mine.aggregate(
            n=mine.count(),
            nps_n=mine.nps.notnull().ifelse(1, 0).sum(),
            prom=(mine.nps >= 9).ifelse(1, 0).sum(),
            det=(mine.nps <= 6).ifelse(1, 0).sum(),
            csat_n=mine.csat.notnull().ifelse(1, 0).sum(),
            csat_sum=mine.csat.cast("float64").sum(),
        ).execute()
    first = row.iloc[0]
    nps_n = int(first["nps_n"] or 0)
    csat_n = int(first["csat_n"] or 0)
    nps = 100.0 * (int(first["prom"] or 0) - int(first["det"] or 0)) / nps_n if nps_n else None
    csat = float(first["csat_sum"]) / csat_n if csat_n else None
    return int(n_inter), int(first["n"] or 0), nps_n, nps, csat_n, csat


def _cases(
    rt: Runtime, *, department: str | None = None, owners: tuple[str, ...] = ()
) -> tuple[bool, int | None, int | None]:
    """(available, resolved, within SLA) from the closed loop's cases, if that area exists."""
    table = T.get("loop_cases")
    needed = ("resolved_at", "resolution_due", "department", "owner")
    if table is None or any(c not in table.c for c in needed):
        return False, None, None
    condition = table.c.resolved_at.is_not(None) & (
        table.c.department == department if department else table.c.owner.in_(owners)
    )
    try:
        with rt.db.read() as conn:
            resolved = conn.execute(
                select(func.count()).select_from(table).where(condition)
            ).scalar()
            within = conn.execute(
                select(func.count())
                .select_from(table)
                .where(condition, table.c.resolved_at <= table.c.resolution_due)
            ).scalar()
    except SQLAlchemyError:
        return False, None, None
    return True, int(resolved or 0), int(within or 0)


def _ideas(rt: Runtime, employees: list[str]) -> tuple[int, int]:
    if not employees:
        return 0, 0
    with rt.db.read() as conn:
        rows = conn.execute(
            select(IDEAS.c.status).where(IDEAS.c.author_employee_external_id.in_(employees))
        ).all()
    return len(rows), sum(1 for r in rows if r.status == "implemented")


def _scorecard(
    rt: Runtime,
    scope: str,
    key: str,
    name: str,
    department: str,
    *,
    employee_ids: list[int],
    employee_keys: list[str],
    cases: tuple[bool, int | None, int | None],
    training: tuple[CourseStatus, ...] = (),
    training_share: float | None = None,
) -> Scorecard:
    """The scorecard of these employees: their experience measures and ideas, with the
    given case counts and training."""
    inter, responses, nps_n, nps, csat_n, csat = _experience(rt, employee_ids)
    submitted, implemented = _ideas(rt, employee_keys)
    return Scorecard(
        scope,
        key,
        name,
        department,
        inter,
        responses,
        nps_n,
        nps,
        csat_n,
        csat,
        nps_n < rt.settings.min_responses,
        *cases,
        submitted,
        implemented,
        training,
        training_share,
    )


def employee_scorecard(
    rt: Runtime, principal: Principal, external_id: str | None = None, today: date | None = None
) -> Scorecard:
    """The scorecard of ``external_id`` (default: the principal's own employee)."""
    with rt.db.read() as conn:
        own = employee_of_user(conn, principal.user_id)
        if external_id is None:
            if own is None:
                raise ValidationFailed(
                    "your account is not linked to an employee", field="employee"
                )
            external_id = own.external_id
        target = find_employee(conn, external_id)
        if not can_see_employee(principal, own, target):
            raise PermissionDenied("a scorecard is visible to the employee and their manager only")
        employee_id = conn.execute(
            select(EMPLOYEES.c.id).where(EMPLOYEES.c.external_id == external_id)
        ).scalar()
        usernames = tuple(
            r.username
            for r in conn.execute(
                select(T["users"].c.username)
                .join(T["user_employees"], T["user_employees"].c.user_id == T["users"].c.id)
                .where(T["user_employees"].c.employee_external_id == external_id)
            ).all()
        )
    return _scorecard(
        rt,
        "employee",
        external_id,
        target.name,
        target.department,
        employee_ids=[int(employee_id or 0)],
        employee_keys=[external_id],
        cases=_cases(rt, owners=(external_id, *usernames)),
        training=tuple(employee_training(rt, external_id, today)),
    )


def department_scorecard(
    rt: Runtime, principal: Principal, department: str, today: date | None = None
) -> Scorecard:
    if department not in rt.taxonomy.keys("department"):
        raise ValidationFailed(f"unknown department '{department}'", field="department")
    if not can_see_department(principal, department):
        raise PermissionDenied(
            "a department's scorecard is for its manager, analysts and administrators"
        )
    with rt.db.read() as conn:
        staff = conn.execute(
            select(EMPLOYEES.c.id, EMPLOYEES.c.external_id).where(
                EMPLOYEES.c.department == department
            )
        ).all()
    return _scorecard(
        rt,
        "department",
        department,
        rt.taxonomy.label("department", department, principal.language),
        department,
        employee_ids=[int(s.id) for s in staff],
        employee_keys=[s.external_id for s in staff],
        cases=_cases(rt, department=department),
        training_share=next((c.share for c in coverage(rt, today, (department,))), None),
    )


def department_members(rt: Runtime, principal: Principal, department: str) -> list[EmployeeView]:
    """The employees whose scorecards a manager may open (their department only)."""
    if principal.role != "manager" or principal.department != department:
        raise PermissionDenied("only the department's manager lists its employees' scorecards")
    with rt.db.read() as conn:
        rows = conn.execute(
            select(EMPLOYEES.c.external_id)
            .where(EMPLOYEES.c.department == department, EMPLOYEES.c.active.is_(True))
            .order_by(EMPLOYEES.c.external_id)
        ).all()
        return [find_employee(conn, r.external_id) for r in rows]
