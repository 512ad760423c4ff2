"""The employee pulse: the open round's survey (rendered like every survey of the survey
engine) for an employee, the rounds and a form to open one (administrators), and the
results for managers (their department), analysts and administrators — filters and a
breakdown, with every group under the minimum size (or isolable by difference) shown
without numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError, PermissionDenied, ValidationFailed
from cxm.domain.people import PULSE_DIMENSIONS, TENURE_BANDS, PulseCell
from cxm.domain.surveys import SurveyDefinition
from cxm.services.people import pulse, pulse_rounds
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, form_fields, render
from cxm.web.pages.filters import Option
from cxm.web.pages.survey_questions import QuestionView, question_view

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
    others: tuple[str, ...]
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class RoundRow:
    id: int
    title: str
    period: str
    survey: str
    repeat_days: str
    answers: int
    selected: bool


@dataclass(frozen=True)
class PulseContext:
    round_id: int | None
    round_title: str
    survey_title: str
    intro: str
    questions: tuple[QuestionView, ...]
    can_answer: bool
    answered: bool
    sees_results: bool
    k: int
    filters: tuple[tuple[str, str, tuple[Option, ...]], ...]
    by: tuple[Option, ...]
    total: CellView | None
    rows: tuple[CellView, ...]
    other_labels: tuple[str, ...]
    rounds: tuple[RoundRow, ...]
    can_open_round: bool
    pulse_surveys: tuple[Option, ...]
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


def _cell(cell: PulseCell, label: str, language: str) -> CellView:
    if cell.suppressed:
        return CellView(label, True, "", "", "", (), ())
    return CellView(
        label,
        False,
        str(cell.n),
        i18n.format_signed(cell.enps, language, 1) if cell.enps is not None else "—",
        i18n.format_number(cell.serve_mean, language, 2) if cell.serve_mean is not None else "—",
        tuple(
            i18n.format_number(mean, language, 2) if mean is not None else "—"
            for _, mean in cell.others
        ),
        cell.blockers[:10],
    )


def _round_row(r: pulse_rounds.RoundView, language: str, selected: bool) -> RoundRow:
    period = f"{i18n.format_day(r.opens_on, language)} – {i18n.format_day(r.closes_on, language)}"
    return RoundRow(
        r.id,
        r.title,
        period,
        f"{r.survey} v{r.survey_version}" if r.survey else "",
        str(r.repeat_days) if r.repeat_days else "—",
        r.answers,
        selected,
    )


def _question_labels(
    definition: SurveyDefinition, keys: tuple[str, ...], language: str
) -> tuple[str, ...]:
    texts = {q.key: q.text.get(language) for q in definition.questions}
    return tuple(texts.get(k, k) for k in keys)


async def _page(
    request: Request,
    rt: Runtime,
    principal: Principal,
    language: str,
    message: str | None = None,
    error: str | None = None,
    given: dict[str, list[str]] | None = None,
) -> Response:
    rounds = await call_service(rt, pulse_rounds.list_rounds, rt)
    current = await call_service(rt, pulse_rounds.open_round, rt)
    chosen_id = request.query_params.get("round")
    chosen = next(
        (r for r in rounds if str(r.id) == chosen_id), current or (rounds[0] if rounds else None)
    )
    answered = (
        await call_service(rt, pulse.has_answered, rt, principal, current.id) if current else False
    )
    can_answer = current is not None and not answered
    questions: tuple[QuestionView, ...] = ()
    survey_title = intro = ""
    if can_answer and current is not None:
        asked = await call_service(rt, pulse_rounds.round_definition, rt, current.id)
        answers = {k: v[0] if len(v) == 1 else v for k, v in (given or {}).items()}
        questions = tuple(question_view(q, language, answers, {}) for q in asked.questions)
        survey_title = asked.title.get(language)
        intro = asked.intro.get(language) if asked.intro else ""
    sees = principal.role in pulse.RESULT_ROLES
    where = {d: request.query_params[d] for d in PULSE_DIMENSIONS if request.query_params.get(d)}
    by = request.query_params.get("by") or None
    total: CellView | None = None
    rows: tuple[CellView, ...] = ()
    other_labels: tuple[str, ...] = ()
    if sees and chosen is not None:
        try:
            result = await call_service(
                rt, pulse.pulse_results, rt, principal, chosen.id, where, by
            )
            definition = await call_service(rt, pulse_rounds.round_definition, rt, chosen.id)
        except CxmError as exc:
            error = exc.message
        else:
            total = _cell(result.total, i18n.gettext(language, "Selected group"), language)
            rows = tuple(
                _cell(c, _label(rt, by or "", c.where.get(by or "", ""), language), language)
                for c in result.rows
            )
            other_labels = _question_labels(definition, result.others, language)
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
    can_open = principal.role == "admin"
    pulse_surveys: tuple[Option, ...] = ()
    if can_open:
        offered = await call_service(rt, pulse_rounds.pulse_surveys, rt)
        pulse_surveys = tuple(
            Option(s["key"], s["name"], None, i == 0) for i, s in enumerate(offered)
        )
    query = "&".join(f"{k}={v}" for k, v in {**where, **({"by": by} if by else {})}.items())
    ctx = PulseContext(
        round_id=chosen.id if chosen else None,
        round_title=chosen.title if chosen else "",
        survey_title=survey_title,
        intro=intro,
        questions=questions,
        can_answer=can_answer,
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
        other_labels=other_labels,
        rounds=tuple(_round_row(r, language, r is chosen) for r in rounds) if sees else (),
        can_open_round=can_open,
        pulse_surveys=pulse_surveys,
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
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    form = await form_fields(request)
    raw = (form.get("round_id") or [""])[0]
    try:
        if not raw.isdigit():
            raise ValidationFailed(f"round_id is not a round number (value '{raw}')")
        await call_service(rt, pulse.submit_pulse, rt, principal, int(raw), form, language=language)
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc.message, given=form)
    return RedirectResponse("/pulse?thanks=1", status_code=303)


@router.post("/pulse/rounds", response_class=Response, include_in_schema=False)
async def open_pulse_round(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    form = {k: v[0].strip() for k, v in (await form_fields(request)).items() if v}
    try:
        if principal.role != "admin":
            raise PermissionDenied("only an administrator opens pulse rounds")
        try:
            opens_on = date.fromisoformat(form.get("opens_on", ""))
            closes_on = date.fromisoformat(form.get("closes_on", ""))
            repeat = int(form["repeat_days"]) if form.get("repeat_days") else None
        except ValueError as exc:
            raise ValidationFailed(f"dates are YYYY-MM-DD, repeat is days: {exc}") from exc
        round_id = await call_service(
            rt,
            pulse_rounds.create_round,
            rt,
            form.get("title", ""),
            opens_on,
            closes_on,
            survey=form.get("survey") or None,
            repeat_days=repeat,
        )
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc.message)
    return RedirectResponse(f"/pulse?round={round_id}", status_code=303)
