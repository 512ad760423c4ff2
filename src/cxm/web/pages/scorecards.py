"""CX scorecards: my own, and for a manager their department's and its employees'; an
analyst or administrator sees department scorecards. Nobody else sees an employee's."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.services.people import common, scorecards
from cxm.services.people.scorecards import Scorecard
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option

router = APIRouter()


@dataclass(frozen=True)
class CardView:
    scope: str
    key: str
    name: str
    interactions: str
    responses: str
    nps: str
    csat: str
    insufficient: bool
    cases: str
    ideas: str
    training: str


@dataclass(frozen=True)
class ScorecardsContext:
    cards: tuple[CardView, ...]
    members: tuple[tuple[str, str], ...]
    departments: tuple[Option, ...]


def _card(card: Scorecard, language: str) -> CardView:
    if card.cases_available:
        cases = f"{card.cases_within_sla} / {card.cases_resolved}"
    else:
        cases = i18n.gettext(language, "not available")
    if card.scope == "employee":
        due = sum(1 for s in card.training if s.status == "due")
        training = (
            i18n.gettext(language, "all required courses current")
            if due == 0
            else i18n.gettext(language, "courses due: %(n)s") % {"n": due}
        )
    else:
        training = (
            f"{i18n.format_number(card.training_share, language, 1)} %"
            if card.training_share is not None
            else "—"
        )
    return CardView(
        card.scope,
        card.key,
        card.name,
        i18n.format_number(card.interactions, language, 0),
        i18n.format_number(card.responses, language, 0),
        "—"
        if card.nps is None
        else f"{i18n.format_signed(card.nps, language, 1)} (n={card.nps_n})",
        "—"
        if card.csat is None
        else f"{i18n.format_number(card.csat, language, 2)} (n={card.csat_n})",
        card.insufficient,
        cases,
        f"{card.ideas_implemented} / {card.ideas_submitted}",
        training,
    )


async def _render(
    request: Request, rt: Runtime, principal: Principal, language: str, cards: list[Scorecard]
) -> Response:
    members: tuple[tuple[str, str], ...] = ()
    if principal.role == "manager" and principal.department:
        people = await call_service(
            rt, scorecards.department_members, rt, principal, principal.department
        )
        members = tuple((p.external_id, p.name) for p in people)
    departments: tuple[Option, ...] = ()
    if principal.role in ("admin", "analyst"):
        departments = tuple(
            Option(k, v, None, False) for k, v in rt.taxonomy.labels("department", language).items()
        )
    ctx = ScorecardsContext(tuple(_card(c, language) for c in cards), members, departments)
    chrome = build_chrome(request, principal, language, N_("Scorecards"))
    return render(request, "scorecards.html", chrome, ctx)


@router.get("/scorecards", response_class=Response, include_in_schema=False)
async def scorecards_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    cards: list[Scorecard] = []
    own = await call_service(rt, common.my_employee, rt, principal)
    if own is not None:
        cards.append(await run_in_threadpool(scorecards.employee_scorecard, rt, principal, None))
    department = request.query_params.get("department") or (
        principal.department if principal.role == "manager" else None
    )
    if department:
        cards.append(
            await run_in_threadpool(scorecards.department_scorecard, rt, principal, department)
        )
    return await _render(request, rt, principal, language, cards)


@router.get("/scorecards/{external_id}", response_class=Response, include_in_schema=False)
async def employee_page(
    request: Request,
    external_id: str,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
) -> Response:
    card = await run_in_threadpool(scorecards.employee_scorecard, rt, principal, external_id)
    return await _render(request, rt, principal, language, [card])
