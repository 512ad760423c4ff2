"""Progress reported back: an idea's status changes and reviewers' comments notify its
author and followers in the app and by e-mail (immediately, in a daily digest, or not),
through the outbox (:mod:`cxm.store.people_outbox`) so nothing is lost or sent twice."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, and_, func, select, update

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.people import EMAIL_MODES, status_name
from cxm.services import mailer
from cxm.services.people.common import PREFERENCES, Recipient, T, now, recipients
from cxm.services.runtime import Runtime
from cxm.store import people_outbox

log = logging.getLogger(__name__)
IDEAS = T["ideas"]
EVENTS = T["idea_events"]
FOLLOWERS = T["idea_followers"]
NOTIFICATIONS = T["notifications"]


def _event_text(event: object, title: str, language: str) -> str:
    kind = event.kind  # type: ignore[attr-defined]
    note = event.note  # type: ignore[attr-defined]
    en = language == "en"
    if kind == "status":
        status = status_name(event.to_status, language)  # type: ignore[attr-defined]
        text = (
            f'Idea "{title}" is now: {status}.'
            if en
            else f"Pomysł „{title}” ma teraz status: {status}."
        )
        if note:
            text += f"\n{'Reviewer' if en else 'Recenzent'}: {note}"
        return text
    if kind == "action":
        return (
            f'Idea "{title}" became an improvement action: {note}'
            if en
            else f"Pomysł „{title}” stał się działaniem doskonalącym: {note}"
        )
    return (
        f'A reviewer commented on idea "{title}":\n{note}'
        if en
        else f"Recenzent skomentował pomysł „{title}”:\n{note}"
    )


def _link(rt: Runtime, idea_id: int) -> str:
    return f"{rt.settings.public_base_url.rstrip('/')}/ideas/{idea_id}"


def notify_event(rt: Runtime, conn: Connection, idea_id: int, event_id: int, actor: int) -> int:
    """Inside the event's transaction: a notification for the author and every follower
    (not the actor), and an outbox e-mail for those who want one immediately."""
    idea = conn.execute(select(IDEAS).where(IDEAS.c.id == idea_id)).one()
    event = conn.execute(select(EVENTS).where(EVENTS.c.id == event_id)).one()
    followers = {
        r.user_id
        for r in conn.execute(select(FOLLOWERS.c.user_id).where(FOLLOWERS.c.idea_id == idea_id))
    }
    targets = ({idea.author_user_id} | followers) - {actor}
    stamp = now()
    for person in recipients(conn, targets):
        conn.execute(
            NOTIFICATIONS.insert().values(
                user_id=person.user_id, idea_id=idea_id, event_id=event_id, created_at=stamp
            )
        )
        if person.mode == "immediate" and person.email:
            body = _event_text(event, idea.title, person.language) + f"\n\n{_link(rt, idea_id)}\n"
            subject = f"cxm: {idea.title}"
            people_outbox.enqueue(
                conn, f"idea-event:{event_id}:{person.user_id}", person.email, subject, body, stamp
            )
    return len(targets)


@dataclass(frozen=True)
class NotificationView:
    id: int
    idea_id: int
    idea_title: str
    text: str
    created_at: datetime
    read: bool


def list_notifications(
    rt: Runtime, principal: Principal, *, limit: int = 100
) -> list[NotificationView]:
    query = (
        select(NOTIFICATIONS, EVENTS.c.kind, EVENTS.c.to_status, EVENTS.c.note, IDEAS.c.title)
        .join(EVENTS, EVENTS.c.id == NOTIFICATIONS.c.event_id)
        .join(IDEAS, IDEAS.c.id == NOTIFICATIONS.c.idea_id)
        .where(NOTIFICATIONS.c.user_id == principal.user_id)
        .order_by(NOTIFICATIONS.c.id.desc())
        .limit(limit)
    )
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    return [
        NotificationView(
            r.id,
            r.idea_id,
            r.title,
            _event_text(r, r.title, principal.language),
            r.created_at,
            r.read_at is not None,
        )
        for r in rows
    ]


def unread_count(rt: Runtime, principal: Principal) -> int:
    with rt.db.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(NOTIFICATIONS)
                .where(
                    NOTIFICATIONS.c.user_id == principal.user_id, NOTIFICATIONS.c.read_at.is_(None)
                )
            ).scalar()
            or 0
        )


def mark_read(rt: Runtime, principal: Principal, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) notification of the principal read."""
    condition = and_(
        NOTIFICATIONS.c.user_id == principal.user_id, NOTIFICATIONS.c.read_at.is_(None)
    )
    if notification_id is not None:
        condition = and_(condition, NOTIFICATIONS.c.id == notification_id)
    with rt.db.write() as conn:
        return int(
            conn.execute(update(NOTIFICATIONS).where(condition).values(read_at=now())).rowcount
        )


@dataclass(frozen=True)
class Preferences:
    email_mode: str
    email: str | None
    effective_email: str | None


def get_preferences(rt: Runtime, principal: Principal) -> Preferences:
    with rt.db.read() as conn:
        found = recipients(conn, {principal.user_id})
        row = conn.execute(
            select(PREFERENCES).where(PREFERENCES.c.user_id == principal.user_id)
        ).first()
    person = found[0] if found else None
    return Preferences(
        email_mode=person.mode if person else "immediate",
        email=row.email if row is not None else None,
        effective_email=person.email if person else None,
    )


def set_preferences(
    rt: Runtime, principal: Principal, email_mode: str, email: str | None = None
) -> None:
    if email_mode not in EMAIL_MODES:
        raise ValidationFailed(
            f"e-mail mode must be one of {', '.join(EMAIL_MODES)}", field="email_mode"
        )
    email = (email or "").strip() or None
    if email is not None and ("@" not in email or len(email) > 254 or " " in email):
        raise ValidationFailed("not an e-mail address", field="email")
    with rt.db.write() as conn:
        exists = conn.execute(
            select(PREFERENCES.c.user_id).where(PREFERENCES.c.user_id == principal.user_id)
        ).first()
        values = {"email_mode": email_mode, "email": email}
        if exists is None:
            conn.execute(PREFERENCES.insert().values(user_id=principal.user_id, **values))
        else:
            conn.execute(
                update(PREFERENCES)
                .where(PREFERENCES.c.user_id == principal.user_id)
                .values(**values)
            )


def queue_digests(rt: Runtime, day: date) -> int:
    """One e-mail per digest reader with the notifications not yet digested up to the end
    of ``day`` (key ``digest:<user>:<day>``: running twice adds nothing)."""
    until = datetime.combine(day, time.min) + timedelta(days=1)
    made = 0
    with rt.db.write() as conn:
        pending = conn.execute(
            select(NOTIFICATIONS.c.user_id)
            .where(NOTIFICATIONS.c.digested_at.is_(None), NOTIFICATIONS.c.created_at < until)
            .distinct()
        ).all()
        readers = [p for p in recipients(conn, {r.user_id for r in pending}) if p.mode == "digest"]
        for person in readers:
            made += _queue_digest(rt, conn, person, day, until)
    return made


def _queue_digest(
    rt: Runtime, conn: Connection, person: Recipient, day: date, until: datetime
) -> int:
    rows = conn.execute(
        select(
            NOTIFICATIONS.c.id,
            NOTIFICATIONS.c.idea_id,
            EVENTS.c.kind,
            EVENTS.c.to_status,
            EVENTS.c.note,
            IDEAS.c.title,
        )
        .join(EVENTS, EVENTS.c.id == NOTIFICATIONS.c.event_id)
        .join(IDEAS, IDEAS.c.id == NOTIFICATIONS.c.idea_id)
        .where(
            NOTIFICATIONS.c.user_id == person.user_id,
            NOTIFICATIONS.c.digested_at.is_(None),
            NOTIFICATIONS.c.created_at < until,
        )
        .order_by(NOTIFICATIONS.c.id)
    ).all()
    if not rows:
        return 0
    stamp = now()
    if person.email:
        lines = [
            f"- {_event_text(r, r.title, person.language)}\n  {_link(rt, r.idea_id)}" for r in rows
        ]
        subject = (
            f"cxm: ideas, digest of {day.isoformat()}"
            if person.language == "en"
            else f"cxm: pomysły, podsumowanie z {day.isoformat()}"
        )
        people_outbox.enqueue(
            conn,
            f"digest:{person.user_id}:{day.isoformat()}",
            person.email,
            subject,
            "\n".join(lines) + "\n",
            stamp,
        )
    conn.execute(
        update(NOTIFICATIONS)
        .where(NOTIFICATIONS.c.id.in_([r.id for r in rows]))
        .values(digested_at=stamp)
    )
    return 1


def message_id(key: str) -> str:
    """The stable Message-ID of an outbox message (the same on every retry)."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@cxm>"


def deliver_outbox(rt: Runtime, *, limit: int = 200) -> dict[str, int]:
    """Send claimed messages one by one; a failure is retried on a later run."""
    sent = failed = 0
    for message in people_outbox.claim(rt.db, now(), limit):
        email = mailer.Email(
            to=message.recipient,
            subject=message.subject,
            text=message.body,
            headers=(("Message-ID", message_id(message.key)), ("X-Cxm-Key", message.key)),
        )
        try:
            mailer.send_email(rt.settings, email)
        except Exception as exc:  # SMTP errors are many; each one is retried later
            log.warning("outbox message %s failed: %s", message.key, exc)
            people_outbox.mark_failed(rt.db, message.id, str(exc))
            failed += 1
            continue
        people_outbox.mark_sent(rt.db, message.id, now())
        sent += 1
    return {"sent": sent, "failed": failed}


def outbox_counts(rt: Runtime) -> dict[str, int]:
    return people_outbox.counts(rt.db)
