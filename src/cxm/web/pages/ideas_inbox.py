"""Notifications about the ideas one wrote or follows (unread first marked), and the
e-mail preference: immediately, a daily digest, or none."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.errors import CxmError
from cxm.services.people import notifications
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option

router = APIRouter()
MODE_NAMES = {
    "immediate": N_("Immediately"),
    "digest": N_("Daily digest"),
    "off": N_("No e-mail"),
}


@dataclass(frozen=True)
class NotificationRow:
    id: int
    idea_id: int
    text: str
    when: str
    read: bool


@dataclass(frozen=True)
class InboxContext:
    unread: int
    items: tuple[NotificationRow, ...]
    modes: tuple[Option, ...]
    email: str
    effective_email: str
    error: str | None


@router.get("/notifications", response_class=Response, include_in_schema=False)
async def inbox_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    items = await call_service(rt, notifications.list_notifications, rt, principal)
    unread = await call_service(rt, notifications.unread_count, rt, principal)
    prefs = await call_service(rt, notifications.get_preferences, rt, principal)
    ctx = InboxContext(
        unread=unread,
        items=tuple(
            NotificationRow(
                n.id, n.idea_id, n.text, i18n.format_day(n.created_at, language), n.read
            )
            for n in items
        ),
        modes=tuple(
            Option(k, i18n.gettext(language, v), None, k == prefs.email_mode)
            for k, v in MODE_NAMES.items()
        ),
        email=prefs.email or "",
        effective_email=prefs.effective_email or "",
        error=request.query_params.get("error"),
    )
    chrome = build_chrome(request, principal, language, N_("Notifications"))
    return render(request, "notifications.html", chrome, ctx)


@router.post("/notifications/read", response_class=Response, include_in_schema=False)
async def mark_read(rt: RuntimeDep, principal: PrincipalDep, id: str = Form("")) -> Response:
    await call_service(
        rt, notifications.mark_read, rt, principal, int(id) if id.isdigit() else None
    )
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/preferences", response_class=Response, include_in_schema=False)
async def save_preferences(
    rt: RuntimeDep,
    principal: PrincipalDep,
    email_mode: str = Form(...),
    email: str = Form(""),
) -> Response:
    try:
        await call_service(rt, notifications.set_preferences, rt, principal, email_mode, email)
    except CxmError as exc:
        return RedirectResponse(f"/notifications?error={exc.code}", status_code=303)
    return RedirectResponse("/notifications", status_code=303)
