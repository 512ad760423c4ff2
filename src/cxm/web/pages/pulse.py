"""The employee pulse: the open round's three questions for an employee, and the results
for managers (their department), analysts and administrators — filters and a breakdown,
with every group under the minimum size (or isolable by difference) shown without numbers."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.domain.people import PULSE_DIMENSIONS, TENURE_BANDS, PulseCell
from cxm.services.people import pulse
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option

router = APIRouter()
DIMENSION_NAMES = {"department": N_("Department"), "role": N_("Role"), "tenure": N_("Tenure")}
TENURE_NAMES = {
    "under_1y": N_("under 1 year"),
    "1_3y": N_("1–3 years"),
    "over_3y": N_("over 3 years"),
}


@dataclass(frozen=True)
class CellView:
    label: str
    suppressed: bool
    n: str
    enps: str
    serve: str
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class PulseContext:
    round_id: int | None
    round_title: str
    can_answer: bool
    answered: bool
    sees_results: bool
    k: int
    filters: tuple[tuple[str, str, tuple[Option, ...]], ...]
    by: tuple[Option, ...]
    total: CellView | None
    rows: tuple[CellView, ...]
    export_link: str
    message: str | None
    error: str | None


def _dimension_name(dimension: str, language: str) -> str:
    return i18n.gettext(language, DIMENSION_NAMES[dimension])


def _label(rt: Runtime, dimension: str, value: str, language: str) -> str:
    if dimension == "department":
        return rt.taxonomy.labels("department", language).get(value, value)
    if dimension == "tenure":
        return i18n.gettext(language, TENURE_NAMES[value]) if value in TENURE_NAMES else value
    return value


def _cell(rt: Runtime, cell: PulseCell, label: str, language: str) -> CellView:
    if cell.suppressed:
        return CellView(label, True, "", "", "", ())
    return CellView(
        label,
        False,
        str(cell.n),
        i18n.format_signed(cell.enps, language, 1) if cell.enps is not None else "—",
        i18n.format_number(cell.serve_mean, language, 2) if cell.serve_mean is not None else "—",
        cell.blockers[:10],
    )


async def _page(
    request: Request,
    rt: Runtime,
    principal: Principal,
    language: str,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    rounds = await call_service(rt, pulse.list_rounds, rt)
    current = await call_service(rt, pulse.open_round, rt)
    chosen_id = request.query_params.get("round")
    chosen = next(
        (r for r in rounds if str(r.id) == chosen_id), current or (rounds[0] if rounds else None)
    )
    answered = (
        await call_service(rt, pulse.has_answered, rt, principal, current.id) if current else False
    )
    sees = principal.role in pulse.RESULT_ROLES
    where = {d: request.query_params[d] for d in PULSE_DIMENSIONS if request.query_params.get(d)}
    by = request.query_params.get("by") or None
    total: CellView | None = None
    rows: tuple[CellView, ...] = ()
    if sees and chosen is not None:
        try:
            result = await call_service(
                rt, pulse.pulse_results, rt, principal, chosen.id, where, by
            )
        except CxmError as exc:
            error = exc.message
        else:
            total = _cell(rt, result.total, i18n.gettext(language, "Selected group"), language)
            rows = tuple(
                _cell(rt, c, _label(rt, by or "", c.where.get(by or "", ""), language), language)
                for c in result.rows
            )
    departments = tuple(
        Option(k, v, None, where.get("department") == k)
        for k, v in rt.taxonomy.labels("department", language).items()
    )
    tenure = tuple(
        Option(k, _label(rt, "tenure", k, language), None, where.get("tenure") == k)
        for k in TENURE_BANDS
    )
    roles = tuple(
        Option(k, k, None, where.get("role") == k)
        for k in ("agent", "specialist", "team_lead", "manager", "director", "staff")
    )
    query = "&".join(f"{k}={v}" for k, v in {**where, **({"by": by} if by else {})}.items())
    ctx = PulseContext(
        round_id=chosen.id if chosen else None,
        round_title=chosen.title if chosen else "",
        can_answer=current is not None and not answered,
        answered=answered,
        sees_results=sees,
        k=pulse.min_group(rt),
        filters=tuple(
            (d, _dimension_name(d, language), options)
            for d, options in (("department", departments), ("role", roles), ("tenure", tenure))
        ),
        by=tuple(Option(d, _dimension_name(d, language), None, d == by) for d in PULSE_DIMENSIONS),
        total=total,
        rows=rows,
        export_link=f"/api/v1/pulse/rounds/{chosen.id}/export.csv?{query}" if chosen else "",
        message=message,
        error=error,
    )
    chrome = build_chrome(request, principal, language, N_("Employee pulse"))
    return render(request, "pulse.html", chrome, ctx)


@router.get("/pulse", response_class=Response, include_in_schema=False)
async def pulse_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    message = i18n.gettext(language, "Thank you!") if request.query_params.get("thanks") else None
    return await _page(request, rt, principal, language, message)


@router.post("/pulse", response_class=Response, include_in_schema=False)
async def answer_pulse(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
    round_id: int = Form(...),
    enps: int = Form(...),
    serve: int = Form(...),
    blockers: str = Form(""),
) -> Response:
    try:
        await call_service(rt, pulse.submit_pulse, rt, principal, round_id, enps, serve, blockers)
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc.message)
    return RedirectResponse("/pulse?thanks=1", status_code=303)
