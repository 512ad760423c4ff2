"""Notifications administration: webhooks (registered, with the secret shown once, and
deactivated), the outbox by status, the delivery log (one row per attempt) and the dead
letters, which an administrator can replay. Also the public recontact page a customer
reaches from the follow-up e-mail (a signed link, no login)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.services.loop import notifications as notification_service
from cxm.services.loop import recontact
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render

router = APIRouter()
Admin = Depends(require_roles("admin"))


@dataclass(frozen=True)
class MessageRow:
    id: int
    channel: str
    event: str
    target: str
    status: str
    attempts: int
    next_attempt: str
    error: str


@dataclass(frozen=True)
class DeliveryRow:
    outbox_id: int
    attempt: int
    at: str
    ok: bool
    status_code: str
    event: str
    target: str
    error: str


@dataclass(frozen=True)
class NotificationsContext:
    counts: dict[str, int]
    webhooks: tuple[dict[str, object], ...]
    dead: tuple[MessageRow, ...]
    pending: tuple[MessageRow, ...]
    deliveries: tuple[DeliveryRow, ...]
    message: str | None
    events: tuple[str, ...]
    new_webhook: dict[str, object] | None  # just registered: its secret, shown this once


def _message(row: dict[str, object]) -> MessageRow:
    return MessageRow(
        id=int(row["id"]),  # type: ignore[call-overload]
        channel=str(row["channel"]),
        event=str(row["event"]),
        target=str(row["target"]),
        status=str(row["status"]),
        attempts=int(row["attempts"]),  # type: ignore[call-overload]
        next_attempt=str(row["next_attempt_at"])[:16],
        error=str(row["last_error"] or ""),
    )


@router.get("/admin/notifications", response_class=Response, include_in_schema=False)
async def notifications_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Admin
) -> Response:
    return await _page(request, rt, language, principal, None)


@router.post("/admin/notifications/webhooks", response_class=Response, include_in_schema=False)
async def add_webhook(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Admin,
    name: str = Form(...),
    url: str = Form(...),
    events: str = Form("*"),
) -> Response:
    """Register a webhook (as ``POST /api/v1/webhooks``); the page shows its secret once."""
    hook = await call_service(
        rt, notification_service.add_webhook, rt, name.strip(), url.strip(),
        events=events.strip() or "*",
    )  # fmt: skip
    return await _page(request, rt, language, principal, hook)


@router.post(
    "/admin/notifications/webhooks/{hook_id}/deactivate",
    response_class=Response,
    include_in_schema=False,
)
async def deactivate_webhook(
    rt: RuntimeDep, hook_id: int, principal: Principal = Admin
) -> Response:
    await call_service(rt, notification_service.remove_webhook, rt, hook_id)
    return RedirectResponse("/admin/notifications", status_code=303)


async def _page(
    request: Request,
    rt: RuntimeDep,
    language: str,
    principal: Principal,
    new_webhook: dict[str, object] | None,
) -> Response:
    dead = await call_service(rt, notification_service.list_outbox, rt, status="dead")
    pending = await call_service(rt, notification_service.list_outbox, rt, status="pending")
    log = await call_service(rt, notification_service.list_deliveries, rt, limit=100)
    ctx = NotificationsContext(
        counts=await call_service(rt, notification_service.outbox_counts, rt),
        webhooks=tuple(await call_service(rt, notification_service.list_webhooks, rt)),
        dead=tuple(_message(r) for r in dead),
        pending=tuple(_message(r) for r in pending[:100]),
        deliveries=tuple(
            DeliveryRow(
                d["outbox_id"],
                d["attempt"],
                str(d["at"])[:19],
                bool(d["ok"]),
                str(d["status_code"] or "—"),
                d["event"],
                d["target"],
                d["error"] or "",
            )
            for d in log
        ),
        message=request.query_params.get("message"),
        events=notification_service.EVENTS,
        new_webhook=new_webhook,
    )
    chrome = build_chrome(request, principal, language, N_("Notifications"))
    return render(request, "notifications_admin.html", chrome, ctx)


@router.post("/admin/notifications/replay", response_class=Response, include_in_schema=False)
async def replay(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Admin
) -> Response:
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
    count = await call_service(rt, notification_service.replay_dead, rt, ids or None)
    text = i18n.gettext(language, N_("Queued again: {count}")).format(count=count)
    return RedirectResponse(f"/admin/notifications?message={text}", status_code=303)


@dataclass(frozen=True)
class RecontactContext:
    token: str
    title: str
    done: bool
    error: str | None


@router.get("/loop/recontact/{token}", response_class=Response, include_in_schema=False)
async def recontact_page(
    request: Request, token: str, rt: RuntimeDep, language: LanguageDep
) -> Response:
    await call_service(rt, recontact.recontact_case, rt, token)  # NotFound for a forged link
    done = request.query_params.get("done") == "1"
    ctx = RecontactContext(token, "", done, None)
    chrome = build_chrome(request, None, language, N_("How did we do?"))
    return render(request, "recontact.html", chrome, ctx)


@router.post("/loop/recontact/{token}", response_class=Response, include_in_schema=False)
async def recontact_answer(
    request: Request,
    token: str,
    rt: RuntimeDep,
    language: LanguageDep,
    nps: int = Form(...),
    comment: str = Form(""),
) -> Response:
    try:
        await call_service(rt, recontact.record_recontact, rt, token, nps, comment)
    except CxmError as exc:
        if exc.http_status == 404:
            raise
        chrome = build_chrome(request, None, language, N_("How did we do?"))
        ctx = RecontactContext(token, "", exc.code == "conflict", exc.message)
        return render(request, "recontact.html", chrome, ctx, status_code=exc.http_status)
    return RedirectResponse(f"/loop/recontact/{token}?done=1", status_code=303)
