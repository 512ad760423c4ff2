"""The idea board page: search (Polish and English, any inflection), the list, and the
form to submit an idea; similar ideas are suggested before a likely duplicate is sent."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.domain.people import IDEA_STATUSES
from cxm.services.people import attachments, ideas, notifications, search
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option

router = APIRouter()
STATUS_NAMES = {
    "new": N_("New"),
    "under_review": N_("Under review"),
    "accepted": N_("Accepted"),
    "in_progress": N_("In progress"),
    "implemented": N_("Implemented"),
    "declined": N_("Declined"),
    "merged": N_("Merged as a duplicate"),
}


def status_label(status: str, language: str) -> str:
    return i18n.gettext(language, STATUS_NAMES.get(status, status))


@dataclass(frozen=True)
class IdeaRow:
    id: int
    title: str
    status: str
    status_key: str
    touchpoint: str
    votes: int
    author: str
    created: str


@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    status: str


@dataclass(frozen=True)
class IdeasContext:
    ideas: tuple[IdeaRow, ...]
    q: str
    status: str
    mine: bool
    statuses: tuple[Option, ...]
    touchpoints: tuple[Option, ...]
    departments: tuple[Option, ...]
    unread: int
    reviewer: bool
    suggestions: tuple[Suggestion, ...]
    draft: dict[str, str]
    error: str | None


def _options(rt: Runtime, dimension: str, language: str) -> tuple[Option, ...]:
    return tuple(
        Option(k, v, None, False) for k, v in rt.taxonomy.labels(dimension, language).items()
    )


async def _page(
    request: Request,
    rt: Runtime,
    principal: Principal,
    language: str,
    *,
    suggestions: tuple[Suggestion, ...] = (),
    draft: dict[str, str] | None = None,
    error: CxmError | None = None,
) -> Response:
    q = request.query_params.get("q", "")
    status = request.query_params.get("status", "")
    mine = request.query_params.get("mine") == "1"
    found = await call_service(
        rt, ideas.list_ideas, rt, principal, status=status or None, q=q or None, mine=mine
    )
    unread = await call_service(rt, notifications.unread_count, rt, principal)
    labels = rt.taxonomy.labels("touchpoint", language)
    ctx = IdeasContext(
        ideas=tuple(
            IdeaRow(
                i.id,
                i.title,
                status_label(i.status, language),
                i.status,
                labels.get(i.touchpoint, "") if i.touchpoint else "",
                i.votes,
                i.author,
                i18n.format_day(i.created_at, language),
            )
            for i in found
        ),
        q=q,
        status=status,
        mine=mine,
        statuses=tuple(
            Option(s, status_label(s, language), None, s == status) for s in IDEA_STATUSES
        ),
        touchpoints=_options(rt, "touchpoint", language),
        departments=_options(rt, "department", language),
        unread=unread,
        reviewer=ideas.is_reviewer(principal),
        suggestions=suggestions,
        draft=draft or {},
        error=error.message if error else None,
    )
    chrome = build_chrome(request, principal, language, N_("Ideas"))
    return render(
        request, "ideas.html", chrome, ctx, status_code=error.http_status if error else 200
    )


@router.get("/ideas", response_class=Response, include_in_schema=False)
async def ideas_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    return await _page(request, rt, principal, language)


@router.post("/ideas", response_class=Response, include_in_schema=False)
async def submit_idea(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
    title: str = Form(""),
    description: str = Form(""),
    touchpoint: str = Form(""),
    department: str = Form(""),
    pain_point: str = Form(""),
    confirm: str = Form(""),
    attachment: UploadFile | None = File(None),
) -> Response:
    draft = {
        "title": title,
        "description": description,
        "touchpoint": touchpoint,
        "department": department,
        "pain_point": pain_point,
    }
    if not confirm:
        similar = await call_service(rt, search.similar_ideas, rt, title, description)
        if similar:
            shown = tuple(
                Suggestion(m.idea_id, m.title, status_label(m.status, language)) for m in similar
            )
            return await _page(request, rt, principal, language, suggestions=shown, draft=draft)
    try:
        idea_id = await call_service(
            rt,
            ideas.submit_idea,
            rt,
            principal,
            title,
            description,
            touchpoint=touchpoint or None,
            department=department or None,
            pain_point=pain_point or None,
        )
        if attachment is not None and attachment.filename:
            data = await attachment.read(attachments.MAX_ATTACHMENT_BYTES + 1)
            await call_service(
                rt, attachments.add_attachment, rt, principal, idea_id, attachment.filename, data
            )
    except CxmError as exc:
        return await _page(request, rt, principal, language, draft=draft, error=exc)
    return RedirectResponse(f"/ideas/{idea_id}", status_code=303)
