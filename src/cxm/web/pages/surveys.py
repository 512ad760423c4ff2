"""Survey pages of the dashboard: the list (with the funnel of every survey and a form to
start one) and the designer of one survey (texts and questions in Polish and English,
branching, publishing, distribution settings, links and QR codes, a manual invitation, the
funnel chart per touch-point)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.domain.surveys import EMOTIONS, QUESTION_TYPES
from cxm.services.people import pulse_rounds
from cxm.services.surveys import designer, distribution, funnel, invitations
from cxm.services.surveys.designer import PULSE_KIND
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, form_fields, render
from cxm.web.pages.surveys_forms import OPERATORS, QuestionRow, definition_from_form, rows_of

router = APIRouter(include_in_schema=False)
Designer = Depends(require_roles("admin", "analyst"))

TYPE_NAMES = {
    "nps": N_("NPS 0–10"),
    "csat": N_("CSAT 1–5"),
    "ces": N_("CES 1–7"),
    "rating": N_("Rating scale"),
    "single": N_("Single choice"),
    "multiple": N_("Multiple choice"),
    "text": N_("Free text"),
    "emotion": N_("Emotion"),
}
STATUS_NAMES = {"draft": N_("draft"), "live": N_("live"), "archived": N_("archived")}
STEP_NAMES = {
    "invited": N_("Invited"),
    "reminded": N_("Reminded"),
    "opened": N_("Opened"),
    "started": N_("Started"),
    "completed": N_("Completed"),
}


@dataclass(frozen=True)
class FunnelView:
    survey: str
    touchpoint: str
    invited: int
    reminded: int
    opened: int
    started: int
    completed: int
    rate: str


@dataclass(frozen=True)
class SurveyItem:
    key: str
    name: str
    kind: str
    status: str
    version: int
    invited: int
    completed: int
    rate: str


@dataclass(frozen=True)
class SurveysContext:
    surveys: tuple[SurveyItem, ...]
    error: str | None


def _funnel_views(rt: Any, rows: list[funnel.FunnelRow], language: str) -> tuple[FunnelView, ...]:
    taxonomy = rt.taxonomy
    return tuple(
        FunnelView(
            survey=r.survey,
            touchpoint=i18n.gettext(language, N_("All touch-points"))
            if r.total
            else (taxonomy.label("touchpoint", r.touchpoint, language) if r.touchpoint else "—"),
            invited=r.invited,
            reminded=r.reminded,
            opened=r.opened,
            started=r.started,
            completed=r.completed,
            rate=i18n.format_number(100 * r.response_rate, language, 1) + " %"
            if r.response_rate is not None
            else "—",
        )
        for r in rows
    )


async def _list_page(
    request: Request, rt: Any, principal: Principal, language: str, error: str | None = None
) -> Response:
    rows = await call_service(rt, designer.list_surveys, rt)
    totals = {r.survey: r for r in await call_service(rt, funnel.survey_funnel, rt) if r.total}
    items = []
    for s in rows:
        t = totals.get(s["key"])
        items.append(
            SurveyItem(
                key=s["key"],
                name=s["name"],
                kind=s["kind"],
                status=i18n.gettext(language, STATUS_NAMES.get(s["status"], s["status"])),
                version=s["current_version"],
                invited=t.invited if t else 0,
                completed=t.completed if t else 0,
                rate=i18n.format_number(100 * t.response_rate, language, 1) + " %"
                if t and t.response_rate is not None
                else "—",
            )
        )
    chrome = build_chrome(request, principal, language, N_("Surveys"))
    status = 422 if error else 200
    return render(request, "surveys.html", chrome, SurveysContext(tuple(items), error), status)


@router.get("/surveys", response_class=Response)
async def surveys_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Designer
) -> Response:
    return await _list_page(request, rt, principal, language)


STARTERS = {
    "transactional": {
        "key": "csat",
        "type": "csat",
        "required": True,
        "text": {
            "pl": "Jak oceniasz ten kontakt?",
            "en": "How satisfied are you with this contact?",
        },
    },
    "relationship": {
        "key": "nps",
        "type": "nps",
        "required": True,
        "text": {
            "pl": "Jak bardzo prawdopodobne jest, że polecisz nas znajomym?",
            "en": "How likely are you to recommend us to a friend?",
        },
    },
}


@router.post("/surveys", response_class=Response)
async def create_survey(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Designer
) -> Response:
    form = await form_fields(request)
    key = (form.get("key") or [""])[0].strip()
    kind = (form.get("kind") or ["transactional"])[0]
    title = (form.get("title_pl") or [""])[0].strip() or key
    definition = {
        "title": {"pl": title, "en": (form.get("title_en") or [""])[0].strip()},
        "questions": pulse_rounds.default_questions()
        if kind == PULSE_KIND
        else [STARTERS.get(kind, STARTERS["transactional"])],
    }
    try:
        await call_service(
            rt,
            designer.create_survey,
            rt,
            key,
            (form.get("name") or [key])[0],
            definition,
            kind=kind,
        )
    except CxmError as exc:
        return await _list_page(request, rt, principal, language, exc.message)
    return RedirectResponse(f"/surveys/{key}", status_code=303)


# --- the designer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class VersionView:
    number: int
    published: str
    by: str
    questions: tuple[str, ...]  # each question's text and type, in the page's language


@dataclass(frozen=True)
class DesignerContext:
    key: str
    name: str
    kind: str
    status: str
    status_key: str
    version: int
    versions: tuple[VersionView, ...]
    channels: tuple[str, ...]
    title_pl: str
    title_en: str
    intro_pl: str
    intro_en: str
    thank_you_pl: str
    thank_you_en: str
    anonymous: bool
    questions: tuple[QuestionRow, ...]
    types: tuple[Option, ...]
    operators: tuple[str, ...]
    emotions: tuple[Option, ...]
    distribution: dict[str, Any]
    touchpoints: tuple[Option, ...]
    touchpoint: str
    link: dict[str, str] | None
    qr_svg: str
    funnel: tuple[FunnelView, ...]
    figure: dict[str, Any]
    message: str | None
    error: str | None


def _figure(rows: tuple[FunnelView, ...], language: str) -> dict[str, Any]:
    if not rows:
        return {"data": [], "layout": {}}
    total = rows[0]  # the survey's total row comes first
    steps = list(STEP_NAMES)
    return {
        "data": [
            {
                "type": "funnel",
                "y": [i18n.gettext(language, STEP_NAMES[s]) for s in steps],
                "x": [getattr(total, s) for s in steps],
                "textinfo": "value+percent initial",
                "marker": {"color": "#0b4f9c"},
            }
        ],
        "layout": {"margin": {"l": 110, "r": 20, "t": 10, "b": 30}, "height": 300},
    }


async def _designer(
    request: Request,
    rt: Any,
    principal: Principal,
    language: str,
    key: str,
    *,
    message: str | None = None,
    error: str | None = None,
    draft: dict[str, Any] | None = None,
) -> Response:
    survey = await call_service(rt, designer.get_survey, rt, key)
    definition = draft or survey["draft"]
    taxonomy = rt.taxonomy
    touchpoints = tuple(
        Option(k, taxonomy.label("touchpoint", k, language)) for k in taxonomy.keys("touchpoint")
    )
    chosen = request.query_params.get("touchpoint") or (touchpoints[0].value if touchpoints else "")
    link: dict[str, str] | None = None
    qr_svg = ""
    if chosen and survey["status"] == "live":
        found = await call_service(rt, distribution.touchpoint_link, rt, key, chosen)
        link = {
            "url": found.url,
            "qr_url": found.qr_url,
            "snippet": found.snippet,
            "png": f"/api/v1/surveys/{key}/qr/{chosen}.png",
            "svg": f"/api/v1/surveys/{key}/qr/{chosen}.svg",
        }
        qr_svg = (await call_service(rt, distribution.qr_code, rt, key, chosen, "svg")).decode()
    rows = _funnel_views(rt, await call_service(rt, funnel.survey_funnel, rt, key), language)
    published = {
        v["version"]: await call_service(rt, designer.version_definition, rt, survey, v["version"])
        for v in survey["versions"]
    }

    def text(name: str, lang: str) -> str:
        return str((definition.get(name) or {}).get(lang, ""))

    ctx = DesignerContext(
        key=key,
        name=survey["name"],
        kind=survey["kind"],
        status=i18n.gettext(language, STATUS_NAMES.get(survey["status"], survey["status"])),
        status_key=survey["status"],
        version=survey["current_version"],
        versions=tuple(
            VersionView(
                v["version"],
                i18n.format_day(v["published_at"], language),
                v["published_by"] or "",
                tuple(
                    f"{q.text.get(language)} ({i18n.gettext(language, TYPE_NAMES[q.type])})"
                    for q in published[v["version"]].questions
                ),
            )
            for v in survey["versions"]
        ),
        channels=invitations.CHANNELS,
        title_pl=text("title", "pl"),
        title_en=text("title", "en"),
        intro_pl=text("intro", "pl"),
        intro_en=text("intro", "en"),
        thank_you_pl=text("thank_you", "pl"),
        thank_you_en=text("thank_you", "en"),
        anonymous=bool(definition.get("anonymous")),
        questions=rows_of(definition),
        types=tuple(Option(t, i18n.gettext(language, TYPE_NAMES[t])) for t in QUESTION_TYPES),
        operators=OPERATORS,
        emotions=tuple(Option(k, v[1] if language == "en" else v[0]) for k, v in EMOTIONS.items()),
        distribution=dict(survey["distribution"]),
        touchpoints=touchpoints,
        touchpoint=chosen,
        link=link,
        qr_svg=qr_svg,
        funnel=rows,
        figure=_figure(rows, language),
        message=message,
        error=error,
    )
    chrome = build_chrome(request, principal, language, N_("Survey designer"))
    return render(request, "survey_designer.html", chrome, ctx, 422 if error else 200)


@router.get("/surveys/{key}", response_class=Response)
async def designer_page(
    request: Request,
    key: str,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Designer,
) -> Response:
    saved = request.query_params.get("saved")
    message = i18n.gettext(language, N_("Saved.")) if saved else None
    return await _designer(request, rt, principal, language, key, message=message)


@router.post("/surveys/{key}/design", response_class=Response)
async def save_design(
    request: Request,
    key: str,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Designer,
) -> Response:
    form = await form_fields(request)
    definition = definition_from_form(form)
    try:
        await call_service(
            rt,
            designer.update_survey,
            rt,
            key,
            definition=definition,
            name=(form.get("name") or [""])[0].strip() or None,
            by=principal.username,
        )
    except CxmError as exc:
        return await _designer(
            request, rt, principal, language, key, error=exc.message, draft=definition
        )
    return RedirectResponse(f"/surveys/{key}?saved=1", status_code=303)


@router.post("/surveys/{key}/publish", response_class=Response)
async def publish(key: str, rt: RuntimeDep, principal: Principal = Designer) -> Response:
    await call_service(rt, designer.publish_survey, rt, key, principal.username)
    return RedirectResponse(f"/surveys/{key}?saved=1", status_code=303)


@router.post("/surveys/{key}/archive", response_class=Response)
async def archive(key: str, rt: RuntimeDep, principal: Principal = Designer) -> Response:
    """Stop collecting answers (open invitations expire); publishing again revives it."""
    await call_service(rt, designer.archive_survey, rt, key)
    return RedirectResponse(f"/surveys/{key}?saved=1", status_code=303)


@router.post("/surveys/{key}/distribution", response_class=Response)
async def save_distribution(
    request: Request,
    key: str,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Designer,
) -> Response:
    form = await form_fields(request)
    values = {k: v[0] for k, v in form.items() if k in designer.DEFAULT_DISTRIBUTION}
    try:
        await call_service(rt, designer.update_distribution, rt, key, values)
    except CxmError as exc:
        return await _designer(request, rt, principal, language, key, error=exc.message)
    return RedirectResponse(f"/surveys/{key}?saved=1", status_code=303)


@router.post("/surveys/{key}/invite", response_class=Response)
async def invite(
    request: Request,
    key: str,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Designer,
) -> Response:
    form = await form_fields(request)

    def field(name: str) -> str | None:
        return (form.get(name) or [""])[0].strip() or None

    email = field("email")
    try:
        made = await call_service(
            rt,
            invitations.invite,
            rt,
            key,
            customer_external_id=field("customer"),
            interaction_external_id=field("interaction"),
            email=email,
            language=field("invite_language") or "pl",
            channel=field("channel") or ("email" if email else "manual"),
        )
    except CxmError as exc:
        return await _designer(request, rt, principal, language, key, error=exc.message)
    message = i18n.gettext(language, N_("Invitation created:")) + " " + made["link"]
    return await _designer(request, rt, principal, language, key, message=message)
