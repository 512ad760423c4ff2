"""One idea: its status and history, comments, votes, follows, files, the improvement
action, the measured change once implemented, and the reviewers' workflow forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Concatenate, ParamSpec

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError, NotFound, ValidationFailed
from cxm.domain.people import TRANSITIONS
from cxm.services.people import attachments, ideas, notifications, outcomes
from cxm.services.runtime import Runtime
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option
from cxm.web.pages.ideas import status_label

router = APIRouter()
P = ParamSpec("P")
METRIC_NAMES = {"nps": N_("NPS"), "csat_top2": N_("CSAT top-2-box, %"), "csat": N_("CSAT mean")}


@dataclass(frozen=True)
class HistoryRow:
    when: str
    who: str
    text: str
    note: str


@dataclass(frozen=True)
class ChangeRow:
    metric: str
    before: str
    after: str
    difference: str
    interval: str
    n: str


@dataclass(frozen=True)
class IdeaContext:
    id: int
    title: str
    description: str
    status: str
    status_key: str
    author: str
    touchpoint: str
    department: str
    pain_point: str
    decline_reason: str | None
    merged_into_id: int | None
    implemented_on: str | None
    votes: int
    followers: int
    voted: bool
    following: bool
    comments: tuple[HistoryRow, ...]
    history: tuple[HistoryRow, ...]
    files: tuple[tuple[int, str], ...]
    action: str | None
    action_touchpoints: str
    reviewer: bool
    next_statuses: tuple[Option, ...]
    touchpoints: tuple[Option, ...]
    measurable: bool | None
    windows: str
    changes: tuple[ChangeRow, ...]
    error: str | None


def _fmt(value: float | None, language: str, digits: int = 1) -> str:
    return "—" if value is None else i18n.format_number(value, language, digits)


async def _page(
    request: Request,
    rt: RuntimeDep,
    principal: Principal,
    language: str,
    idea_id: int,
    error: CxmError | None = None,
) -> Response:
    view = await call_service(rt, ideas.get_idea, rt, principal, idea_id)
    tx = rt.taxonomy
    tps = tx.labels("touchpoint", language)
    measurable: bool | None = None
    windows = ""
    changes: list[ChangeRow] = []
    if view.status == "implemented" and view.implemented_on and view.target_touchpoints:
        result = await run_in_threadpool(
            outcomes.measure_outcome, rt, view.target_touchpoints, view.implemented_on
        )
        measurable = result.measurable
        windows = f"{result.before[0]} – {result.before[1]} → {result.after[0]} – {result.after[1]}"
        for d in result.differences:
            digits = 2 if d.metric == "csat" else 1
            changes.append(
                ChangeRow(
                    i18n.gettext(language, METRIC_NAMES[d.metric]),
                    _fmt(d.value_b, language, digits),
                    _fmt(d.value_a, language, digits),
                    "—"
                    if d.difference is None
                    else i18n.format_signed(d.difference, language, digits),
                    "—"
                    if d.low is None
                    else f"{_fmt(d.low, language, digits)} … {_fmt(d.high, language, digits)}",
                    f"{d.n_b} / {d.n_a}",
                )
            )
    history = []
    for e in view.events:
        if e.kind == "status":
            text = status_label(e.to_status or "", language)
        elif e.kind == "action":
            text = i18n.gettext(language, "Improvement action")
        else:
            text = i18n.gettext(language, "Reviewer's comment")
        history.append(
            HistoryRow(i18n.format_day(e.created_at, language), e.actor, text, e.note or "")
        )
    ctx = IdeaContext(
        id=view.id,
        title=view.title,
        description=view.description,
        status=status_label(view.status, language),
        status_key=view.status,
        author=view.author,
        touchpoint=tps.get(view.touchpoint, view.touchpoint) if view.touchpoint else "",
        department=tx.label("department", view.department, language) if view.department else "",
        pain_point=view.pain_point or "",
        decline_reason=view.decline_reason,
        merged_into_id=view.merged_into_id,
        implemented_on=str(view.implemented_on) if view.implemented_on else None,
        votes=view.votes,
        followers=view.followers,
        voted=view.voted,
        following=view.following,
        comments=tuple(
            HistoryRow(i18n.format_day(c.created_at, language), c.author, "", c.body)
            for c in view.comments
        ),
        history=tuple(history),
        files=tuple((f.id, f.filename) for f in view.attachments),
        action=view.action.title if view.action else None,
        action_touchpoints=", ".join(tps.get(t, t) for t in view.target_touchpoints),
        reviewer=ideas.is_reviewer(principal),
        next_statuses=tuple(
            Option(s, status_label(s, language), None, False) for s in TRANSITIONS[view.status]
        ),
        touchpoints=tuple(Option(k, v, None, k in view.target_touchpoints) for k, v in tps.items()),
        measurable=measurable,
        windows=windows,
        changes=tuple(changes),
        error=error.message if error else None,
    )
    chrome = build_chrome(request, principal, language, N_("Idea"))
    return render(
        request, "idea.html", chrome, ctx, status_code=error.http_status if error else 200
    )


@router.get("/ideas/{idea_id}", response_class=Response, include_in_schema=False)
async def idea_page(
    request: Request, idea_id: int, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    return await _page(request, rt, principal, language, idea_id)


def _back(idea_id: int) -> RedirectResponse:
    return RedirectResponse(f"/ideas/{idea_id}", status_code=303)


async def _change_idea(
    request: Request,
    rt: RuntimeDep,
    principal: Principal,
    language: str,
    background: BackgroundTasks,
    idea_id: int,
    change: Callable[Concatenate[Runtime, Principal, int, P], object],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Response:
    """Run ``change(rt, principal, idea_id, *args, **kwargs)``: on success send its
    notifications after the answer and go back to the idea; a domain error shows the idea
    page with the error instead."""
    try:
        await call_service(rt, change, rt, principal, idea_id, *args, **kwargs)
    except CxmError as exc:
        return await _page(request, rt, principal, language, idea_id, exc)
    background.add_task(run_in_threadpool, notifications.deliver_outbox, rt)
    return _back(idea_id)


@router.post("/ideas/{idea_id}/status", response_class=Response, include_in_schema=False)
async def change_status(
    request: Request,
    idea_id: int,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
    background: BackgroundTasks,
    status: str = Form(...),
    note: str = Form(""),
    merged_into: str = Form(""),
    implemented_on: str = Form(""),
) -> Response:
    try:
        target = int(merged_into) if merged_into.strip() else None
        day = date.fromisoformat(implemented_on) if implemented_on else None
    except ValueError:
        return await _page(
            request, rt, principal, language, idea_id, ValidationFailed("not a number or a date")
        )
    return await _change_idea(
        request,
        rt,
        principal,
        language,
        background,
        idea_id,
        ideas.change_status,
        status,
        note=note,
        merged_into=target,
        implemented_on=day,
    )


@router.post("/ideas/{idea_id}/comment", response_class=Response, include_in_schema=False)
async def comment(
    request: Request,
    idea_id: int,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
    background: BackgroundTasks,
    body: str = Form(""),
) -> Response:
    return await _change_idea(
        request, rt, principal, language, background, idea_id, ideas.comment_idea, body
    )


@router.post("/ideas/{idea_id}/vote", response_class=Response, include_in_schema=False)
async def vote(
    idea_id: int, rt: RuntimeDep, principal: PrincipalDep, on: int = Form(1)
) -> Response:
    await call_service(rt, ideas.set_vote, rt, principal, idea_id, bool(on))
    return _back(idea_id)


@router.post("/ideas/{idea_id}/follow", response_class=Response, include_in_schema=False)
async def follow(
    idea_id: int, rt: RuntimeDep, principal: PrincipalDep, on: int = Form(1)
) -> Response:
    await call_service(rt, ideas.set_follow, rt, principal, idea_id, bool(on))
    return _back(idea_id)


@router.post("/ideas/{idea_id}/action", response_class=Response, include_in_schema=False)
async def make_action(
    request: Request,
    idea_id: int,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
    background: BackgroundTasks,
    title: str = Form(""),
    touchpoints: list[str] = Form([]),
    owner: str = Form(""),
) -> Response:
    return await _change_idea(
        request,
        rt,
        principal,
        language,
        background,
        idea_id,
        ideas.create_action,
        title,
        tuple(touchpoints),
        owner or None,
    )


@router.get("/ideas/{idea_id}/files/{attachment_id}", include_in_schema=False)
async def download(
    idea_id: int, attachment_id: int, rt: RuntimeDep, principal: PrincipalDep
) -> FileResponse:
    path, content_type, filename = await call_service(
        rt, attachments.attachment_file, rt, idea_id, attachment_id
    )
    if not path.exists():
        raise NotFound("the file is missing", field="attachment_id")
    return FileResponse(path, media_type=content_type, filename=filename)
