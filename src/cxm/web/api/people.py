"""API of the people area: ideas (workflow, comments, votes, follows, attachments, search,
duplicate suggestions, measured outcome), notifications and e-mail preferences, the
anonymous employee pulse (results only for groups of at least ``CXM_PULSE_MIN_GROUP``),
training coverage, scorecards and programme news."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, File, UploadFile
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.domain.errors import NotFound
from cxm.domain.surveys import form_values
from cxm.services.people import (
    attachments,
    common,
    ideas,
    news,
    notifications,
    outcomes,
    pulse,
    pulse_rounds,
    scorecards,
    search,
    training,
)
from cxm.services.runtime import Runtime
from cxm.web.deps import AdminDep, PrincipalDep, RuntimeDep, call_service, require_roles

router = APIRouter(tags=["people"])
ReviewerDep = Depends(require_roles("admin", "analyst", "manager"))
EditorDep = Depends(require_roles("admin", "analyst"))


def deliver_later(background: BackgroundTasks, rt: Runtime) -> None:
    """Send the e-mails a change queued after the answer (never inside the request's
    write transaction); the scheduler retries whatever fails."""
    background.add_task(run_in_threadpool, notifications.deliver_outbox, rt)


class IdeaIn(BaseModel):
    title: str = Field(max_length=200)
    description: str = Field(max_length=10_000)
    touchpoint: str | None = None
    pain_point: str | None = None
    department: str | None = None


class StatusIn(BaseModel):
    status: str
    note: str | None = None
    merged_into: int | None = None
    implemented_on: date | None = None


class CommentIn(BaseModel):
    body: str = Field(max_length=10_000)


class ActionIn(BaseModel):
    title: str
    touchpoints: list[str]
    owner: str | None = None


class PreferencesIn(BaseModel):
    email_mode: str
    email: str | None = None


class RoundIn(BaseModel):
    title: str
    opens_on: date
    closes_on: date
    survey: str | None = Field(None, description="an employee_pulse survey (default one if empty)")
    repeat_days: int | None = Field(None, description="the next round opens this many days later")


class PulseAnswerIn(BaseModel):
    answers: dict[str, Any] = Field(
        description="per question key of the round's survey: a value (or a list of values)"
    )
    language: Literal["pl", "en"] = "pl"


class NewsIn(BaseModel):
    title: str
    body: str


class LinkIn(BaseModel):
    username: str
    employee_external_id: str | None


@router.get("/ideas", summary="Ideas, newest first; `q` searches by lemma (pl/en)")
async def list_ideas(
    rt: RuntimeDep,
    principal: PrincipalDep,
    q: str | None = None,
    status: str | None = None,
    mine: bool = False,
) -> list[Any]:
    return await call_service(rt, ideas.list_ideas, rt, principal, status=status, q=q, mine=mine)


@router.get("/ideas/similar", summary="Likely duplicates of an idea being written")
async def similar(
    rt: RuntimeDep, principal: PrincipalDep, title: str, description: str = ""
) -> list[Any]:
    return await call_service(rt, search.similar_ideas, rt, title, description)


@router.post("/ideas", status_code=201, summary="Submit an idea")
async def submit(rt: RuntimeDep, principal: PrincipalDep, body: IdeaIn) -> dict[str, Any]:
    idea_id = await call_service(
        rt,
        ideas.submit_idea,
        rt,
        principal,
        body.title,
        body.description,
        touchpoint=body.touchpoint,
        pain_point=body.pain_point,
        department=body.department,
    )
    return {"id": idea_id}


@router.get("/ideas/{idea_id}", summary="One idea with its history, comments and files")
async def get_idea(rt: RuntimeDep, principal: PrincipalDep, idea_id: int) -> Any:
    view = await call_service(rt, ideas.get_idea, rt, principal, idea_id)
    return {**dataclasses.asdict(view), "target_touchpoints": view.target_touchpoints}


@router.post("/ideas/{idea_id}/status", summary="Move an idea in the workflow (reviewers)")
async def change_status(
    rt: RuntimeDep,
    idea_id: int,
    body: StatusIn,
    background: BackgroundTasks,
    principal: Principal = ReviewerDep,
) -> dict[str, str]:
    await call_service(
        rt,
        ideas.change_status,
        rt,
        principal,
        idea_id,
        body.status,
        note=body.note,
        merged_into=body.merged_into,
        implemented_on=body.implemented_on,
    )
    deliver_later(background, rt)
    return {"status": body.status}


@router.post("/ideas/{idea_id}/comments", status_code=201, summary="Comment on an idea")
async def comment(
    rt: RuntimeDep,
    principal: PrincipalDep,
    idea_id: int,
    body: CommentIn,
    background: BackgroundTasks,
) -> dict[str, bool]:
    await call_service(rt, ideas.comment_idea, rt, principal, idea_id, body.body)
    deliver_later(background, rt)
    return {"ok": True}


@router.put("/ideas/{idea_id}/vote", summary="Vote for an idea")
async def vote(rt: RuntimeDep, principal: PrincipalDep, idea_id: int) -> dict[str, bool]:
    await call_service(rt, ideas.set_vote, rt, principal, idea_id, True)
    return {"voted": True}


@router.delete("/ideas/{idea_id}/vote", summary="Take a vote back")
async def unvote(rt: RuntimeDep, principal: PrincipalDep, idea_id: int) -> dict[str, bool]:
    await call_service(rt, ideas.set_vote, rt, principal, idea_id, False)
    return {"voted": False}


@router.put("/ideas/{idea_id}/follow", summary="Follow an idea (be notified)")
async def follow(rt: RuntimeDep, principal: PrincipalDep, idea_id: int) -> dict[str, bool]:
    await call_service(rt, ideas.set_follow, rt, principal, idea_id, True)
    return {"following": True}


@router.delete("/ideas/{idea_id}/follow", summary="Stop following an idea")
async def unfollow(rt: RuntimeDep, principal: PrincipalDep, idea_id: int) -> dict[str, bool]:
    await call_service(rt, ideas.set_follow, rt, principal, idea_id, False)
    return {"following": False}


@router.post("/ideas/{idea_id}/action", summary="Make an accepted idea an improvement action")
async def make_action(
    rt: RuntimeDep,
    idea_id: int,
    body: ActionIn,
    background: BackgroundTasks,
    principal: Principal = ReviewerDep,
) -> dict[str, bool]:
    await call_service(
        rt,
        ideas.create_action,
        rt,
        principal,
        idea_id,
        body.title,
        tuple(body.touchpoints),
        body.owner,
    )
    deliver_later(background, rt)
    return {"ok": True}


@router.get("/ideas/{idea_id}/outcome", summary="Measured change after implementation")
async def outcome(rt: RuntimeDep, principal: PrincipalDep, idea_id: int) -> dict[str, Any]:
    view = await call_service(rt, ideas.get_idea, rt, principal, idea_id)
    if view.status != "implemented" or view.implemented_on is None:
        return {"status": view.status, "measurable": False, "reason": "not implemented"}
    result = await run_in_threadpool(
        outcomes.measure_outcome, rt, view.target_touchpoints, view.implemented_on
    )
    return {"status": view.status, **dataclasses.asdict(result)}


@router.post("/ideas/{idea_id}/attachments", status_code=201, summary="Attach a file")
async def attach(
    rt: RuntimeDep, principal: PrincipalDep, idea_id: int, file: UploadFile = File(...)
) -> dict[str, int]:
    data = await file.read(attachments.MAX_ATTACHMENT_BYTES + 1)
    attachment_id = await call_service(
        rt, attachments.add_attachment, rt, principal, idea_id, file.filename or "", data
    )
    return {"id": attachment_id}


@router.get("/ideas/{idea_id}/attachments/{attachment_id}", summary="Download a file")
async def download(
    rt: RuntimeDep, principal: PrincipalDep, idea_id: int, attachment_id: int
) -> FileResponse:
    path, content_type, filename = await call_service(
        rt, attachments.attachment_file, rt, idea_id, attachment_id
    )
    if not path.exists():
        raise NotFound("the file is missing from the data directory", field="attachment_id")
    return FileResponse(path, media_type=content_type, filename=filename)


@router.get("/notifications", summary="My notifications and the unread count")
async def my_notifications(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    items = await call_service(rt, notifications.list_notifications, rt, principal)
    unread = await call_service(rt, notifications.unread_count, rt, principal)
    return {"unread": unread, "items": items}


@router.post("/notifications/read", summary="Mark all (or `id`) read")
async def read(rt: RuntimeDep, principal: PrincipalDep, id: int | None = None) -> dict[str, int]:
    done = await call_service(rt, notifications.mark_read, rt, principal, id)
    return {"marked": done}


@router.get("/notifications/preferences", summary="My e-mail preference")
async def get_preferences(rt: RuntimeDep, principal: PrincipalDep) -> Any:
    return await call_service(rt, notifications.get_preferences, rt, principal)


@router.put("/notifications/preferences", summary="immediate, digest (daily) or off")
async def set_preferences(rt: RuntimeDep, principal: PrincipalDep, body: PreferencesIn) -> Any:
    await call_service(
        rt, notifications.set_preferences, rt, principal, body.email_mode, body.email
    )
    return await call_service(rt, notifications.get_preferences, rt, principal)


@router.get("/pulse/rounds", summary="Pulse rounds and how many answered")
async def rounds(rt: RuntimeDep, principal: PrincipalDep) -> list[Any]:
    return await call_service(rt, pulse_rounds.list_rounds, rt)


@router.post("/pulse/rounds", status_code=201, summary="Open a pulse round (admin)")
async def new_round(rt: RuntimeDep, principal: AdminDep, body: RoundIn) -> dict[str, int]:
    round_id = await call_service(
        rt,
        pulse_rounds.create_round,
        rt,
        body.title,
        body.opens_on,
        body.closes_on,
        survey=body.survey,
        repeat_days=body.repeat_days,
    )
    return {"id": round_id}


@router.post("/pulse/rounds/{round_id}/answers", status_code=201, summary="Answer (anonymous)")
async def answer(
    rt: RuntimeDep, principal: PrincipalDep, round_id: int, body: PulseAnswerIn
) -> dict[str, bool]:
    form = form_values(body.answers)
    await call_service(
        rt, pulse.submit_pulse, rt, principal, round_id, form, language=body.language
    )
    return {"ok": True}


def _pulse_where(department: str | None, role: str | None, tenure: str | None) -> dict[str, str]:
    values = {"department": department, "role": role, "tenure": tenure}
    return {k: v for k, v in values.items() if v}


@router.get("/pulse/rounds/{round_id}/results", summary="Results; small groups suppressed")
async def results(
    rt: RuntimeDep,
    principal: PrincipalDep,
    round_id: int,
    department: str | None = None,
    role: str | None = None,
    tenure: str | None = None,
    by: str | None = None,
) -> Any:
    return await call_service(
        rt,
        pulse.pulse_results,
        rt,
        principal,
        round_id,
        _pulse_where(department, role, tenure),
        by,
    )


@router.get("/pulse/rounds/{round_id}/export.csv", summary="Results as CSV (same suppression)")
async def export(
    rt: RuntimeDep,
    principal: PrincipalDep,
    round_id: int,
    department: str | None = None,
    role: str | None = None,
    tenure: str | None = None,
    by: str | None = None,
) -> PlainTextResponse:
    result = await call_service(
        rt,
        pulse.pulse_results,
        rt,
        principal,
        round_id,
        _pulse_where(department, role, tenure),
        by,
    )
    return PlainTextResponse(pulse.export_csv(result), media_type="text/csv")


@router.get("/training/courses", summary="Customer-service courses")
async def courses(rt: RuntimeDep, principal: PrincipalDep) -> list[Any]:
    return await call_service(rt, training.list_courses, rt)


@router.get("/training/coverage", summary="Coverage by department (back office flagged)")
async def training_coverage(rt: RuntimeDep, principal: Principal = ReviewerDep) -> list[Any]:
    scope = principal.department_scope
    return await call_service(rt, training.coverage, rt, None, scope)


@router.get("/training/me", summary="My courses and what is due")
async def my_training(rt: RuntimeDep, principal: PrincipalDep) -> list[Any]:
    own = await call_service(rt, common.my_employee, rt, principal)
    if own is None:
        raise NotFound("your account is not linked to an employee", field="employee")
    return await call_service(rt, training.employee_training, rt, own.external_id)


@router.get("/scorecards/me", summary="My scorecard")
async def my_scorecard(rt: RuntimeDep, principal: PrincipalDep) -> Any:
    return await run_in_threadpool(scorecards.employee_scorecard, rt, principal, None)


@router.get("/scorecards/employees/{external_id}", summary="An employee's scorecard")
async def employee_scorecard(rt: RuntimeDep, principal: PrincipalDep, external_id: str) -> Any:
    return await run_in_threadpool(scorecards.employee_scorecard, rt, principal, external_id)


@router.get("/scorecards/departments/{department}", summary="A department's scorecard")
async def department_scorecard(rt: RuntimeDep, principal: PrincipalDep, department: str) -> Any:
    return await run_in_threadpool(scorecards.department_scorecard, rt, principal, department)


@router.get("/news", summary="Programme news and implemented ideas")
async def list_news(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    items = await call_service(rt, news.list_news, rt)
    done = await run_in_threadpool(news.implemented_ideas, rt)
    return {"news": items, "implemented": done}


@router.post("/news", status_code=201, summary="Publish news (admin, analyst)")
async def publish(rt: RuntimeDep, body: NewsIn, principal: Principal = EditorDep) -> dict[str, int]:
    news_id = await call_service(rt, news.publish_news, rt, principal, body.title, body.body)
    return {"id": news_id}


@router.put("/people/links", summary="Link a user to the employee they are (admin)")
async def link(rt: RuntimeDep, principal: AdminDep, body: LinkIn) -> dict[str, bool]:
    await call_service(rt, common.link_user, rt, body.username, body.employee_external_id)
    return {"ok": True}
