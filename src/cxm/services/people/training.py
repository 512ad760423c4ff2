"""Customer-service training: courses, completions per employee, coverage by department
(back-office departments shown explicitly: they serve customers too, through others), and
e-mail reminders for employees who are due (once a month per employee, via the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from cxm.domain.errors import NotFound, ValidationFailed
from cxm.services.people.common import EMPLOYEES, T, find_employee, now
from cxm.services.runtime import Runtime
from cxm.store import people_outbox

COURSES = T["training_courses"]
COMPLETIONS = T["training_completions"]
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Course:
    id: int
    key: str
    title_pl: str
    title_en: str
    required: bool
    valid_months: int | None
    hours: float | None

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_pl


@dataclass(frozen=True)
class CourseStatus:
    course: Course
    completed_on: date | None
    valid_until: date | None
    status: str  # current | expiring | due | optional


@dataclass(frozen=True)
class DepartmentCoverage:
    department: str
    back_office: bool
    employees: int
    trained: int  # every required course current
    share: float | None
    by_course: dict[str, float]


def ensure_course(
    rt: Runtime,
    key: str,
    title_pl: str,
    title_en: str,
    *,
    required: bool = True,
    valid_months: int | None = None,
    hours: float | None = None,
) -> int:
    if not key or len(key) > 64 or not title_pl.strip() or not title_en.strip():
        raise ValidationFailed("a course needs a key and Polish and English titles", field="key")
    values = {
        "title_pl": title_pl,
        "title_en": title_en,
        "required": required,
        "valid_months": valid_months,
        "hours": hours,
    }
    with rt.db.write() as conn:
        found = conn.execute(select(COURSES.c.id).where(COURSES.c.key == key)).scalar()
        if found is not None:
            conn.execute(COURSES.update().where(COURSES.c.id == found).values(**values))
            return int(found)
        result = conn.execute(COURSES.insert().values(key=key, **values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_courses(rt: Runtime) -> list[Course]:
    with rt.db.read() as conn:
        rows = conn.execute(select(COURSES).order_by(COURSES.c.key)).all()
    return [
        Course(r.id, r.key, r.title_pl, r.title_en, bool(r.required), r.valid_months, r.hours)
        for r in rows
    ]


def record_completions(rt: Runtime, course_key: str, completions: list[tuple[str, date]]) -> int:
    """Record (employee external id, day) completions of a course; repeats are ignored."""
    with rt.db.write() as conn:
        course_id = conn.execute(select(COURSES.c.id).where(COURSES.c.key == course_key)).scalar()
        if course_id is None:
            raise NotFound(f"no course '{course_key}'", field="course")
        known = {r.external_id for r in conn.execute(select(EMPLOYEES.c.external_id)).all()}
        existing = {
            (r.employee_external_id, r.completed_on)
            for r in conn.execute(
                select(COMPLETIONS.c.employee_external_id, COMPLETIONS.c.completed_on).where(
                    COMPLETIONS.c.course_id == course_id
                )
            ).all()
        }
        rows = []
        for external_id, day in completions:
            if external_id not in known:
                raise NotFound(f"no employee '{external_id}'", field="employee")
            if (external_id, day) not in existing:
                existing.add((external_id, day))
                rows.append(
                    {
                        "course_id": course_id,
                        "employee_external_id": external_id,
                        "completed_on": day,
                    }
                )
        if rows:
            conn.execute(COMPLETIONS.insert(), rows)
    return len(rows)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def _status(course: Course, last: date | None, today: date) -> CourseStatus:
    valid_until = _add_months(last, course.valid_months) if last and course.valid_months else None
    if last is None or (valid_until is not None and valid_until < today):
        status = "due" if course.required else "optional"
    elif valid_until is not None and valid_until < today + timedelta(days=EXPIRING_DAYS):
        status = "expiring"
    else:
        status = "current"
    return CourseStatus(course, last, valid_until, status)


def _latest(rt: Runtime) -> dict[tuple[str, int], date]:
    latest: dict[tuple[str, int], date] = {}
    with rt.db.read() as conn:
        for r in conn.execute(
            select(
                COMPLETIONS.c.employee_external_id,
                COMPLETIONS.c.course_id,
                COMPLETIONS.c.completed_on,
            )
        ).all():
            key = (r.employee_external_id, r.course_id)
            if key not in latest or latest[key] < r.completed_on:
                latest[key] = r.completed_on
    return latest


def employee_training(
    rt: Runtime, external_id: str, today: date | None = None
) -> list[CourseStatus]:
    today = today or now().date()
    with rt.db.read() as conn:
        find_employee(conn, external_id)
        rows = conn.execute(
            select(COMPLETIONS.c.course_id, COMPLETIONS.c.completed_on).where(
                COMPLETIONS.c.employee_external_id == external_id
            )
        ).all()
    last: dict[int, date] = {}
    for r in rows:
        last[r.course_id] = max(last.get(r.course_id, r.completed_on), r.completed_on)
    return [_status(c, last.get(c.id), today) for c in list_courses(rt)]


def coverage(
    rt: Runtime, today: date | None = None, departments: tuple[str, ...] | None = None
) -> list[DepartmentCoverage]:
    """Per department (every department of the CX model, back office flagged): the share of
    active employees with every required course current, and the share per course."""
    today = today or now().date()
    courses = list_courses(rt)
    latest = _latest(rt)
    with rt.db.read() as conn:
        staff = conn.execute(
            select(EMPLOYEES.c.external_id, EMPLOYEES.c.department).where(
                EMPLOYEES.c.active.is_(True)
            )
        ).all()
    by_department: dict[str, list[str]] = {}
    for s in staff:
        by_department.setdefault(s.department, []).append(s.external_id)
    taxonomy = rt.taxonomy
    back_office = set(taxonomy.back_office_departments())
    out = []
    for department in taxonomy.keys("department"):
        if departments is not None and department not in departments:
            continue
        people = by_department.get(department, [])
        ok_per_course = {
            c.key: sum(
                1
                for p in people
                if _status(c, latest.get((p, c.id)), today).status in ("current", "expiring")
            )
            for c in courses
        }
        required = [c for c in courses if c.required]
        trained = sum(
            1
            for p in people
            if all(
                _status(c, latest.get((p, c.id)), today).status in ("current", "expiring")
                for c in required
            )
        )
        out.append(
            DepartmentCoverage(
                department=department,
                back_office=department in back_office,
                employees=len(people),
                trained=trained,
                share=100.0 * trained / len(people) if people else None,
                by_course={k: 100.0 * v / len(people) for k, v in ok_per_course.items()}
                if people
                else {},
            )
        )
    return out


def due_employees(
    rt: Runtime, today: date | None = None
) -> list[tuple[str, str | None, str, list[Course]]]:
    """(external id, e-mail, name, courses due) of active employees with a required course due."""
    today = today or now().date()
    courses = [c for c in list_courses(rt) if c.required]
    latest = _latest(rt)
    with rt.db.read() as conn:
        staff = conn.execute(
            select(EMPLOYEES.c.external_id, EMPLOYEES.c.email, EMPLOYEES.c.name).where(
                EMPLOYEES.c.active.is_(True)
            )
        ).all()
    out = []
    for s in staff:
        due = [
            c
            for c in courses
            if _status(c, latest.get((s.external_id, c.id)), today).status == "due"
        ]
        if due:
            out.append((s.external_id, s.email, s.name, due))
    return out


def queue_reminders(rt: Runtime, today: date | None = None) -> int:
    """One reminder e-mail per due employee and month (key ``training:<id>:<YYYY-MM>``)."""
    today = today or now().date()
    due = due_employees(rt, today)
    made = 0
    stamp = now()
    with rt.db.write() as conn:
        for external_id, email, name, courses in due:
            if not email:
                continue
            titles = "\n".join(f"- {c.title_pl} / {c.title_en}" for c in courses)
            body = (
                f"Dzień dobry {name},\nczekają na Ciebie szkolenia z obsługi klienta:\n{titles}\n\n"
                f"Hello {name},\ncustomer-service training is due:\n{titles}\n\n"
                f"{rt.settings.public_base_url.rstrip('/')}/training\n"
            )
            key = f"training:{external_id}:{today:%Y-%m}"
            if people_outbox.enqueue(
                conn, key, email, "cxm: szkolenia / training due", body, stamp
            ):
                made += 1
    return made
