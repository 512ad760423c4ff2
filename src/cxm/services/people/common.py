"""What the people services share: the clock, tables, who a user is as an employee, and
where their e-mail goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select

from cxm.domain.access import Principal
from cxm.domain.errors import NotFound, ValidationFailed
from cxm.services.runtime import Runtime
from cxm.store.tables import Base

T = Base.metadata.tables
USERS = T["users"]
EMPLOYEES = T["employees"]
LINKS = T["user_employees"]
PREFERENCES = T["notification_preferences"]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class EmployeeView:
    external_id: str
    name: str
    email: str | None
    department: str
    role: str
    manager_external_id: str | None
    hired_on: datetime | None
    active: bool


def _employee(row: object) -> EmployeeView:
    return EmployeeView(
        external_id=row.external_id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        email=row.email,  # type: ignore[attr-defined]
        department=row.department,  # type: ignore[attr-defined]
        role=row.role,  # type: ignore[attr-defined]
        manager_external_id=row.manager_external_id,  # type: ignore[attr-defined]
        hired_on=row.hired_on,  # type: ignore[attr-defined]
        active=bool(row.active),  # type: ignore[attr-defined]
    )


def link_user(rt: Runtime, username: str, employee_external_id: str | None) -> None:
    """Say which employee a user is (None: unlink)."""
    with rt.db.write() as conn:
        user_id = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).scalar()
        if user_id is None:
            raise NotFound(f"no user '{username}'", field="username")
        conn.execute(delete(LINKS).where(LINKS.c.user_id == user_id))
        if employee_external_id is None:
            return
        found = conn.execute(
            select(EMPLOYEES.c.id).where(EMPLOYEES.c.external_id == employee_external_id)
        ).first()
        if found is None:
            raise NotFound(f"no employee '{employee_external_id}'", field="employee")
        taken = conn.execute(
            select(LINKS.c.user_id).where(LINKS.c.employee_external_id == employee_external_id)
        ).first()
        if taken is not None:
            raise ValidationFailed(
                f"employee '{employee_external_id}' is linked to another user", field="employee"
            )
        conn.execute(
            LINKS.insert().values(user_id=user_id, employee_external_id=employee_external_id)
        )


def user_links(rt: Runtime) -> dict[str, str]:
    """Username → the external id of the employee the user is (linked users only)."""
    query = select(USERS.c.username, LINKS.c.employee_external_id).join(
        LINKS, LINKS.c.user_id == USERS.c.id
    )
    with rt.db.read() as conn:
        return {r.username: r.employee_external_id for r in conn.execute(query)}


def employee_of_user(conn: Connection, user_id: int) -> EmployeeView | None:
    row = conn.execute(
        select(EMPLOYEES)
        .join(LINKS, LINKS.c.employee_external_id == EMPLOYEES.c.external_id)
        .where(LINKS.c.user_id == user_id)
    ).first()
    return _employee(row) if row is not None else None


def my_employee(rt: Runtime, principal: Principal) -> EmployeeView | None:
    with rt.db.read() as conn:
        return employee_of_user(conn, principal.user_id)


def find_employee(conn: Connection, external_id: str) -> EmployeeView:
    row = conn.execute(select(EMPLOYEES).where(EMPLOYEES.c.external_id == external_id)).first()
    if row is None:
        raise NotFound(f"no employee '{external_id}'", field="employee")
    return _employee(row)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    language: str
    email: str | None
    mode: str


def recipients(conn: Connection, user_ids: set[int]) -> list[Recipient]:
    """Each user's language, address (own preference, else their employee's) and mode."""
    if not user_ids:
        return []
    query = (
        select(
            USERS.c.id,
            USERS.c.username,
            USERS.c.language,
            PREFERENCES.c.email_mode,
            PREFERENCES.c.email.label("own_email"),
            EMPLOYEES.c.email.label("employee_email"),
        )
        .select_from(USERS)
        .outerjoin(PREFERENCES, PREFERENCES.c.user_id == USERS.c.id)
        .outerjoin(LINKS, LINKS.c.user_id == USERS.c.id)
        .outerjoin(EMPLOYEES, EMPLOYEES.c.external_id == LINKS.c.employee_external_id)
        .where(USERS.c.id.in_(sorted(user_ids)), USERS.c.active.is_(True))
    )
    return [
        Recipient(
            r.id,
            r.username,
            r.language or "pl",
            r.own_email or r.employee_email,
            r.email_mode or "immediate",
        )
        for r in conn.execute(query).all()
    ]
