"""The idea board: submit, comment, vote, follow, and the reviewers' workflow
(new → under review → accepted → in progress → implemented, or declined with a reason, or
merged as a duplicate). Status changes and reviewers' comments notify the author and
followers (:mod:`cxm.services.people.notifications`) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from cxm.domain.access import Principal
from cxm.domain.errors import NotFound, PermissionDenied, ValidationFailed
from cxm.domain.people import (
    MAX_TEXT,
    MAX_TITLE,
    REVIEWER_ROLES,
    check_transition,
)
from cxm.services.people import search
from cxm.services.people.common import T, employee_of_user, now
from cxm.services.people.notifications import notify_event
from cxm.services.runtime import Runtime

IDEAS = T["ideas"]
COMMENTS = T["idea_comments"]
VOTES = T["idea_votes"]
FOLLOWERS = T["idea_followers"]
EVENTS = T["idea_events"]
ATTACHMENTS = T["idea_attachments"]
ACTIONS = T["improvement_actions"]
USERS = T["users"]


@dataclass(frozen=True)
class IdeaSummary:
    id: int
    title: str
    status: str
    touchpoint: str | None
    department: str | None
    votes: int
    author: str
    created_at: datetime
    score: float | None = None


@dataclass(frozen=True)
class CommentView:
    author: str
    body: str
    by_reviewer: bool
    created_at: datetime


@dataclass(frozen=True)
class EventView:
    kind: str
    from_status: str | None
    to_status: str | None
    note: str | None
    actor: str
    created_at: datetime


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ActionView:
    title: str
    touchpoints: tuple[str, ...]
    owner: str | None


@dataclass(frozen=True)
class IdeaView:
    id: int
    title: str
    description: str
    status: str
    touchpoint: str | None
    pain_point: str | None
    department: str | None
    author: str
    author_user_id: int
    decline_reason: str | None
    merged_into_id: int | None
    implemented_on: date | None
    created_at: datetime
    votes: int
    followers: int
    voted: bool
    following: bool
    comments: tuple[CommentView, ...]
    events: tuple[EventView, ...]
    attachments: tuple[AttachmentView, ...]
    action: ActionView | None

    @property
    def target_touchpoints(self) -> tuple[str, ...]:
        if self.action is not None and self.action.touchpoints:
            return self.action.touchpoints
        return (self.touchpoint,) if self.touchpoint else ()


def is_reviewer(principal: Principal) -> bool:
    return principal.role in REVIEWER_ROLES


def _require_reviewer(principal: Principal) -> None:
    if not is_reviewer(principal):
        raise PermissionDenied("only reviewers (admin, analyst, manager) may do this")


def _check_text(title: str, description: str) -> tuple[str, str]:
    title, description = title.strip(), description.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(f"a title needs 1–{MAX_TITLE} characters", field="title")
    if not description or len(description) > MAX_TEXT:
        raise ValidationFailed(f"a description needs 1–{MAX_TEXT} characters", field="description")
    return title, description


def _check_key(rt: Runtime, dimension: str, key: str | None) -> str | None:
    if not key:
        return None
    if key not in rt.taxonomy.keys(dimension):
        raise ValidationFailed(f"unknown {dimension} '{key}'", field=dimension)
    return key


def submit_idea(
    rt: Runtime,
    principal: Principal,
    title: str,
    description: str,
    *,
    touchpoint: str | None = None,
    pain_point: str | None = None,
    department: str | None = None,
    created_at: datetime | None = None,
) -> int:
    """A new idea by the principal, who follows it from then on."""
    title, description = _check_text(title, description)
    touchpoint = _check_key(rt, "touchpoint", touchpoint)
    department = _check_key(rt, "department", department)
    pain_point = (pain_point or "").strip()[:200] or None
    stamp = created_at or now()
    with rt.db.write() as conn:
        employee = employee_of_user(conn, principal.user_id)
        result = conn.execute(
            IDEAS.insert().values(
                title=title,
                description=description,
                author_user_id=principal.user_id,
                author_employee_external_id=employee.external_id if employee else None,
                touchpoint=touchpoint,
                pain_point=pain_point,
                department=department,
                status="new",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        idea_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        conn.execute(FOLLOWERS.insert().values(idea_id=idea_id, user_id=principal.user_id))
        conn.execute(
            EVENTS.insert().values(
                idea_id=idea_id,
                kind="status",
                from_status=None,
                to_status="new",
                actor_user_id=principal.user_id,
                created_at=stamp,
            )
        )
        search.index_idea(conn, idea_id, f"{title} {description} {pain_point or ''}")
    return idea_id


def idea_row(conn: Connection, idea_id: int) -> Any:
    row = conn.execute(select(IDEAS).where(IDEAS.c.id == idea_id)).first()
    if row is None:
        raise NotFound(f"no idea {idea_id}", field="idea_id")
    return row


def _add_event(
    rt: Runtime,
    conn: Connection,
    idea_id: int,
    actor: int,
    kind: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> int:
    result = conn.execute(
        EVENTS.insert().values(
            idea_id=idea_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            note=note,
            actor_user_id=actor,
            created_at=at or now(),
        )
    )
    event_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    notify_event(rt, conn, idea_id, event_id, actor)
    return event_id


def change_status(
    rt: Runtime,
    principal: Principal,
    idea_id: int,
    status: str,
    *,
    note: str | None = None,
    merged_into: int | None = None,
    implemented_on: date | None = None,
    at: datetime | None = None,
) -> None:
    """Move an idea on in the workflow. Declining needs a reason (``note``, shown to the
    author); merging needs the idea it duplicates; implementing records the day."""
    _require_reviewer(principal)
    note = (note or "").strip() or None
    if status == "declined" and not note:
        raise ValidationFailed("say why the idea is declined", field="note")
    with rt.db.write() as conn:
        row = idea_row(conn, idea_id)
        current = row.status
        check_transition(current, status)
        values: dict[str, object] = {"status": status, "updated_at": at or now()}
        if status == "declined":
            values["decline_reason"] = note
        if status == "merged":
            if merged_into is None or merged_into == idea_id:
                raise ValidationFailed("name the idea this one duplicates", field="merged_into")
            target = idea_row(conn, merged_into)
            if target.status == "merged":
                raise ValidationFailed(
                    "merge into an idea that is not merged itself", field="merged_into"
                )
            values["merged_into_id"] = merged_into
            _follow(conn, merged_into, row.author_user_id)
            note = note or f"#{merged_into}"
        if status == "implemented":
            values["implemented_on"] = implemented_on or (at or now()).date()
        conn.execute(update(IDEAS).where(IDEAS.c.id == idea_id).values(**values))
        _add_event(
            rt,
            conn,
            idea_id,
            principal.user_id,
            "status",
            from_status=current,
            to_status=status,
            note=note,
            at=at,
        )


def comment_idea(rt: Runtime, principal: Principal, idea_id: int, body: str) -> None:
    """A comment; a reviewer's comment notifies the author and followers."""
    body = body.strip()
    if not body or len(body) > MAX_TEXT:
        raise ValidationFailed(f"a comment needs 1–{MAX_TEXT} characters", field="body")
    reviewer = is_reviewer(principal)
    with rt.db.write() as conn:
        idea_row(conn, idea_id)
        conn.execute(
            COMMENTS.insert().values(
                idea_id=idea_id,
                user_id=principal.user_id,
                body=body,
                by_reviewer=reviewer,
                created_at=now(),
            )
        )
        if reviewer:
            _add_event(rt, conn, idea_id, principal.user_id, "comment", note=body)


def _follow(conn: Connection, idea_id: int, user_id: int) -> None:
    exists = conn.execute(
        select(FOLLOWERS.c.user_id).where(
            FOLLOWERS.c.idea_id == idea_id, FOLLOWERS.c.user_id == user_id
        )
    ).first()
    if exists is None:
        conn.execute(FOLLOWERS.insert().values(idea_id=idea_id, user_id=user_id))


def set_vote(rt: Runtime, principal: Principal, idea_id: int, on: bool = True) -> None:
    with rt.db.write() as conn:
        idea_row(conn, idea_id)
        conn.execute(
            delete(VOTES).where(VOTES.c.idea_id == idea_id, VOTES.c.user_id == principal.user_id)
        )
        if on:
            conn.execute(VOTES.insert().values(idea_id=idea_id, user_id=principal.user_id))


def set_follow(rt: Runtime, principal: Principal, idea_id: int, on: bool = True) -> None:
    with rt.db.write() as conn:
        idea_row(conn, idea_id)
        if on:
            _follow(conn, idea_id, principal.user_id)
        else:
            conn.execute(
                delete(FOLLOWERS).where(
                    FOLLOWERS.c.idea_id == idea_id, FOLLOWERS.c.user_id == principal.user_id
                )
            )


def create_action(
    rt: Runtime,
    principal: Principal,
    idea_id: int,
    title: str,
    touchpoints: tuple[str, ...],
    owner: str | None = None,
) -> None:
    """Turn an accepted (or later) idea into an improvement action on touch-points."""
    _require_reviewer(principal)
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(
            f"an action needs a title of 1–{MAX_TITLE} characters", field="title"
        )
    if not touchpoints:
        raise ValidationFailed("name the touch-points the action targets", field="touchpoints")
    for key in touchpoints:
        _check_key(rt, "touchpoint", key)
    with rt.db.write() as conn:
        row = idea_row(conn, idea_id)
        if row.status not in ("accepted", "in_progress", "implemented"):
            raise ValidationFailed("only an accepted idea can become an action", field="status")
        values = {"title": title, "touchpoints": "|".join(touchpoints), "owner": owner}
        exists = conn.execute(select(ACTIONS.c.id).where(ACTIONS.c.idea_id == idea_id)).first()
        if exists is None:
            conn.execute(ACTIONS.insert().values(idea_id=idea_id, created_at=now(), **values))
        else:
            conn.execute(update(ACTIONS).where(ACTIONS.c.idea_id == idea_id).values(**values))
        _add_event(rt, conn, idea_id, principal.user_id, "action", note=title)


def get_idea(rt: Runtime, principal: Principal, idea_id: int) -> IdeaView:
    with rt.db.read() as conn:
        row = idea_row(conn, idea_id)
        names = dict(conn.execute(select(USERS.c.id, USERS.c.username)).all())
        votes = {
            r.user_id
            for r in conn.execute(select(VOTES.c.user_id).where(VOTES.c.idea_id == idea_id))
        }
        followers = {
            r.user_id
            for r in conn.execute(select(FOLLOWERS.c.user_id).where(FOLLOWERS.c.idea_id == idea_id))
        }
        comments = conn.execute(
            select(COMMENTS).where(COMMENTS.c.idea_id == idea_id).order_by(COMMENTS.c.id)
        ).all()
        events = conn.execute(
            select(EVENTS).where(EVENTS.c.idea_id == idea_id).order_by(EVENTS.c.id)
        ).all()
        files = conn.execute(
            select(ATTACHMENTS).where(ATTACHMENTS.c.idea_id == idea_id).order_by(ATTACHMENTS.c.id)
        ).all()
        action = conn.execute(select(ACTIONS).where(ACTIONS.c.idea_id == idea_id)).first()
    r = row
    return IdeaView(
        id=r.id,
        title=r.title,
        description=r.description,
        status=r.status,
        touchpoint=r.touchpoint,
        pain_point=r.pain_point,
        department=r.department,
        author=names.get(r.author_user_id, "?"),
        author_user_id=r.author_user_id,
        decline_reason=r.decline_reason,
        merged_into_id=r.merged_into_id,
        implemented_on=r.implemented_on,
        created_at=r.created_at,
        votes=len(votes),
        followers=len(followers),
        voted=principal.user_id in votes,
        following=principal.user_id in followers,
        comments=tuple(
            CommentView(names.get(c.user_id, "?"), c.body, bool(c.by_reviewer), c.created_at)
            for c in comments
        ),
        events=tuple(
            EventView(
                e.kind,
                e.from_status,
                e.to_status,
                e.note,
                names.get(e.actor_user_id, "?"),
                e.created_at,
            )
            for e in events
        ),
        attachments=tuple(AttachmentView(f.id, f.filename, f.content_type, f.size) for f in files),
        action=ActionView(
            action.title, tuple(t for t in action.touchpoints.split("|") if t), action.owner
        )
        if action is not None
        else None,
    )


def list_ideas(
    rt: Runtime,
    principal: Principal,
    *,
    status: str | None = None,
    q: str | None = None,
    mine: bool = False,
    limit: int = 200,
) -> list[IdeaSummary]:
    """Ideas, newest first, or by relevance when searching ``q``."""
    scores: dict[int, float] | None = None
    if q and q.strip():
        scores = {m.idea_id: m.score for m in search.match_ideas(rt, q, limit=limit)}
    vote_counts = (
        select(VOTES.c.idea_id, func.count().label("n")).group_by(VOTES.c.idea_id).subquery()
    )
    query = (
        select(IDEAS, USERS.c.username, func.coalesce(vote_counts.c.n, 0).label("votes"))
        .join(USERS, USERS.c.id == IDEAS.c.author_user_id)
        .outerjoin(vote_counts, vote_counts.c.idea_id == IDEAS.c.id)
        .order_by(IDEAS.c.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(IDEAS.c.status == status)
    if mine:
        query = query.where(IDEAS.c.author_user_id == principal.user_id)
    if scores is not None:
        query = query.where(IDEAS.c.id.in_(list(scores)))
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    out = [
        IdeaSummary(
            r.id,
            r.title,
            r.status,
            r.touchpoint,
            r.department,
            int(r.votes),
            r.username,
            r.created_at,
            scores.get(r.id) if scores is not None else None,
        )
        for r in rows
    ]
    if scores is not None:
        out.sort(key=lambda s: (-(s.score or 0), -s.id))
    return out
