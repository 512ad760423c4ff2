"""The public answer page (no login): ``/s/{token}`` (an invitation's one-time link),
``/s/l/{token}`` (a touch-point link, QR code or embedded form) and ``/s/u/{token}``
(unsubscribe).

Server-rendered, works without JavaScript, one self-contained page (inline CSS, no external
assets, well under 50 KB), in the invitation's language or the browser's. Handlers are
``async def`` and call the service inline on SQLite: the answer lands through the short
write path of DESIGN.md §1. A bad, expired or used link is a page with its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cxm.services.surveys import answering, distribution
from cxm.services.surveys.answering import AnswerState
from cxm.web import i18n
from cxm.web.deps import RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import Chrome, render
from cxm.web.pages.survey_questions import QuestionView, question_view

router = APIRouter(include_in_schema=False)

STATE_TEXTS = {
    "tampered": (
        N_("This link is not valid"),
        N_(
            "The address looks incomplete or changed. Please open the link from your message again."
        ),
    ),
    "unknown": (
        N_("This link is not valid"),
        N_("We could not find this survey invitation."),
    ),
    "expired": (
        N_("This survey has closed"),
        N_("The link has expired. Thank you for your interest."),
    ),
    "used": (
        N_("You have already answered"),
        N_("Thank you — your answers were recorded earlier, so this link cannot be used again."),
    ),
    "closed": (
        N_("This survey has closed"),
        N_("The survey is not collecting answers at the moment."),
    ),
}


@dataclass(frozen=True)
class AnswerContext:
    state: str
    language: str
    title: str
    intro: str
    heading: str
    message: str
    questions: tuple[QuestionView, ...]
    errors: tuple[tuple[str, str], ...]
    progress_done: int
    progress_total: int
    action: str
    switch_href: str
    switch_label: str
    embed: bool


def _context(request: Request, state: AnswerState, action: str) -> AnswerContext:
    language = state.language
    definition = state.definition
    heading, message = "", ""
    if state.state in STATE_TEXTS:
        h, m = STATE_TEXTS[state.state]
        heading, message = i18n.gettext(language, h), i18n.gettext(language, m)
    elif state.state == "thanks" and definition is not None:
        heading, message = (
            i18n.gettext(language, N_("Thank you!")),
            definition.thank_you.get(language),
        )
    questions = (
        tuple(question_view(q, language, state.answers, state.errors) for q in state.step)
        if state.state in ("question", "invalid")
        else ()
    )
    other = "en" if language == "pl" else "pl"
    embed = request.query_params.get("embed") == "1"
    query = f"?lang={other}" + ("&embed=1" if embed else "")
    return AnswerContext(
        state=state.state,
        language=language,
        title=definition.title.get(language) if definition else "cxm",
        intro=definition.intro.get(language)
        if definition and definition.intro and not state.answers
        else "",
        heading=heading,
        message=message,
        questions=questions,
        errors=tuple((q.key, q.error) for q in questions if q.error),
        progress_done=state.progress[0],
        progress_total=state.progress[1],
        action=action + ("?embed=1" if embed else "") if action else "",
        switch_href=request.url.path + query,
        switch_label=i18n.LANGUAGE_NAMES[other],
        embed=embed,
    )


def _page(request: Request, state: AnswerState, action: str) -> Response:
    ctx = _context(request, state, action)
    chrome = Chrome(
        ctx.title, state.language, (), request.url.path, request.url.path, "", None, None, None, ()
    )
    response = render(request, "answer.html", chrome, ctx, status_code=state.status)
    response.headers["Content-Language"] = state.language
    if ctx.embed:
        response.headers["Content-Security-Policy"] = "frame-ancestors *"
        response.headers["X-Frame-Options"] = "ALLOWALL"
    return response


def _hints(request: Request) -> tuple[str | None, str | None]:
    hint = i18n.normalise(request.query_params.get("lang"))
    return hint, i18n.parse_accept_language(request.headers.get("accept-language"))


async def _form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > 64_000:
        return {}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=False)


@router.get("/s/{token}", response_class=Response)
async def answer_page(request: Request, token: str, rt: RuntimeDep) -> Response:
    hint, browser = _hints(request)
    state = await call_service(rt, answering.open_answer, rt, token, hint, browser)
    return _page(request, state, f"/s/{token}")


@router.post("/s/{token}", response_class=Response)
async def answer_submit(request: Request, token: str, rt: RuntimeDep) -> Response:
    hint, browser = _hints(request)
    form = await _form(request)
    state = await call_service(rt, answering.submit_answer, rt, token, form, hint, browser)
    return _page(request, state, f"/s/{token}")


@router.get("/s/l/{token}", response_class=Response)
async def link_page(request: Request, token: str, rt: RuntimeDep) -> Response:
    hint, browser = _hints(request)
    state = await call_service(rt, answering.open_link, rt, token, hint, browser)
    return _page(request, state, f"/s/l/{token}")


@router.post("/s/l/{token}", response_class=Response)
async def link_submit(request: Request, token: str, rt: RuntimeDep) -> Response:
    hint, browser = _hints(request)
    form = await _form(request)
    started = await call_service(rt, answering.submit_link, rt, token, form, hint, browser)
    if started.invitation_token and started.state.state == "question":
        embed = "&embed=1" if request.query_params.get("embed") == "1" else ""
        target = f"/s/{started.invitation_token}?lang={started.state.language}{embed}"
        return RedirectResponse(target, status_code=303)
    return _page(request, started.state, f"/s/l/{token}")


@dataclass(frozen=True)
class UnsubscribeContext:
    state: str
    language: str
    title: str
    heading: str
    message: str
    action: str
    switch_href: str
    switch_label: str
    embed: bool = False
    questions: tuple[Any, ...] = ()
    errors: tuple[Any, ...] = ()
    intro: str = ""
    progress_done: int = 0
    progress_total: int = 0


async def _unsubscribe(request: Request, token: str, rt: Any, confirm: bool) -> Response:
    hint, browser = _hints(request)
    language = hint or browser or "pl"
    if confirm:
        done = await call_service(rt, distribution.unsubscribe, rt, token)
        valid = done is not None
    else:
        valid = distribution.check_unsubscribe(rt, token)
    if not valid:
        state, heading, message = "tampered", STATE_TEXTS["tampered"][0], STATE_TEXTS["tampered"][1]
    elif confirm:
        state, heading = "unsubscribed", N_("You will not receive more surveys")
        message = N_("We have recorded your choice.")
    else:
        state, heading = "unsubscribe", N_("Stop receiving surveys?")
        message = N_("Confirm and we will not send you survey invitations any more.")
    other = "en" if language == "pl" else "pl"
    ctx = UnsubscribeContext(
        state=state,
        language=language,
        title="cxm",
        heading=i18n.gettext(language, heading),
        message=i18n.gettext(language, message),
        action=f"/s/u/{token}",
        switch_href=f"{request.url.path}?lang={other}",
        switch_label=i18n.LANGUAGE_NAMES[other],
    )
    chrome = Chrome(
        "cxm", language, (), request.url.path, request.url.path, "", None, None, None, ()
    )
    return render(request, "answer.html", chrome, ctx, status_code=400 if not valid else 200)


@router.get("/s/u/{token}", response_class=Response)
async def unsubscribe_page(request: Request, token: str, rt: RuntimeDep) -> Response:
    return await _unsubscribe(request, token, rt, confirm=False)


@router.post("/s/u/{token}", response_class=Response)
async def unsubscribe_confirm(request: Request, token: str, rt: RuntimeDep) -> Response:
    return await _unsubscribe(request, token, rt, confirm=True)
