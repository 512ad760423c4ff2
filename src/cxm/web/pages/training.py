"""Customer-service training: my courses (what is due) and, for managers (their
department), analysts and administrators, coverage by department with the back-office
departments marked."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cxm.services.people import common, training
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render

router = APIRouter()
STATUS_NAMES = {
    "current": N_("current"),
    "expiring": N_("expires soon"),
    "due": N_("due"),
    "optional": N_("optional"),
}


@dataclass(frozen=True)
class MyCourse:
    title: str
    status: str
    status_key: str
    completed_on: str
    valid_until: str


@dataclass(frozen=True)
class CoverageRow:
    department: str
    back_office: bool
    employees: int
    trained: int
    share: str


@dataclass(frozen=True)
class TrainingContext:
    linked: bool
    mine: tuple[MyCourse, ...]
    coverage: tuple[CoverageRow, ...]
    courses: tuple[str, ...]


@router.get("/training", response_class=Response, include_in_schema=False)
async def training_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    own = await call_service(rt, common.my_employee, rt, principal)
    mine: tuple[MyCourse, ...] = ()
    if own is not None:
        statuses = await call_service(rt, training.employee_training, rt, own.external_id)
        mine = tuple(
            MyCourse(
                s.course.title(language),
                i18n.gettext(language, STATUS_NAMES[s.status]),
                s.status,
                i18n.format_day(s.completed_on, language) if s.completed_on else "—",
                i18n.format_day(s.valid_until, language) if s.valid_until else "—",
            )
            for s in statuses
        )
    rows: tuple[CoverageRow, ...] = ()
    if principal.role in ("admin", "analyst", "manager"):
        found = await call_service(rt, training.coverage, rt, None, principal.department_scope)
        labels = rt.taxonomy.labels("department", language)
        rows = tuple(
            CoverageRow(
                labels.get(c.department, c.department),
                c.back_office,
                c.employees,
                c.trained,
                i18n.format_number(c.share, language, 1) if c.share is not None else "—",
            )
            for c in found
        )
    courses = await call_service(rt, training.list_courses, rt)
    ctx = TrainingContext(own is not None, mine, rows, tuple(c.title(language) for c in courses))
    chrome = build_chrome(request, principal, language, N_("Training"))
    return render(request, "training.html", chrome, ctx)
