"""Survey invitations: creating them, the answer fast path (one short write that inserts
the response and closes the invitation together), the e-mail outbox claims and the funnel.

The completion writes with driver SQL inside the responses write lock, like
:func:`cxm.store.bulk.save_response`; the invitation is closed by a conditional UPDATE in the
same transaction, so a second submission can never add a second response."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, insert, or_, select, update

from cxm.store.bulk import _mark, format_timestamp, utc_now
from cxm.store.database import Database
from cxm.store.survey_tables import SurveyInvitation
from cxm.store.tables import Customer, Interaction

invitations = cast(Table, SurveyInvitation.__table__)
customers = cast(Table, Customer.__table__)
interactions = cast(Table, Interaction.__table__)

ANSWER_COLUMNS = (
    "id",
    "nonce",
    "survey_id",
    "version",
    "customer_id",
    "interaction_id",
    "touchpoint",
    "context",
    "language",
    "email",
    "status",
    "expires_at",
    "opened_at",
    "started_at",
    "completed_at",
    "partial_answers",
)


class AlreadyCompleted(Exception):
    """The invitation was completed by an earlier submission (raised to roll back)."""


def insert_invitations(db: Database, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert invitations in one transaction; their ids in order."""
    ids: list[int] = []
    with db.write() as conn:
        for row in rows:
            ids.append(
                int(conn.execute(insert(invitations).returning(invitations.c.id), row).scalar_one())
            )
    return ids


def insert_invitations_bulk(conn: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(invitations), list(rows))


def fetch_for_answer(db: Database, nonce: str) -> dict[str, Any] | None:
    """The columns the answer page needs, by the token's nonce (driver SQL: hot path)."""
    with db.read() as conn:
        mark = _mark(conn)
        row = conn.exec_driver_sql(
            f"SELECT {', '.join(ANSWER_COLUMNS)} FROM survey_invitations WHERE nonce = {mark}",
            (nonce,),
        ).first()
    if row is None:
        return None
    found = dict(zip(ANSWER_COLUMNS, row, strict=True))
    for name in ("context", "partial_answers"):
        if isinstance(found[name], str):
            found[name] = json.loads(found[name])
    for name in ("expires_at", "opened_at", "started_at", "completed_at"):
        if isinstance(found[name], str):
            found[name] = datetime.fromisoformat(found[name])
    return found


def fetch_invitation(db: Database, invitation_id: int) -> dict[str, Any] | None:
    with db.read() as conn:
        row = (
            conn.execute(select(invitations).where(invitations.c.id == invitation_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def mark_opened(db: Database, invitation_id: int, now: datetime) -> None:
    with db.write() as conn:
        conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id, invitations.c.opened_at.is_(None))
            .values(opened_at=now)
        )


def save_partial(db: Database, invitation_id: int, answers: dict[str, Any], now: datetime) -> bool:
    """Keep the answers so far (resumable); False if the invitation was completed meanwhile."""
    with db.write() as conn:
        done = conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id, invitations.c.completed_at.is_(None))
            .values(
                partial_answers=answers,
                status="started",
                started_at=func.coalesce(invitations.c.started_at, now),
                opened_at=func.coalesce(invitations.c.opened_at, now),
            )
        ).rowcount
    return bool(done)


def complete_invitation(
    db: Database,
    invitation_id: int,
    response: dict[str, Any],
    keep_link: bool,
    now: datetime | None = None,
) -> int:
    """Insert the response and close the invitation in one short transaction; the response
    id. Raises :class:`AlreadyCompleted` (nothing written) if it was already closed."""
    row = dict(response)
    for name, value in row.items():
        if isinstance(value, datetime):
            row[name] = format_timestamp(value)
    row["answers"] = json.dumps(row["answers"], ensure_ascii=False)
    stamp = format_timestamp(now or utc_now())
    with db.write(lock_key="responses") as conn:
        mark = _mark(conn)
        row["change_seq"] = db.next_change_seq(conn, "responses")
        row["updated_at"] = format_timestamp(utc_now())
        names = list(row)
        response_id = conn.exec_driver_sql(
            f"INSERT INTO responses ({', '.join(names)}) "
            f"VALUES ({', '.join([mark] * len(names))}) RETURNING id",
            tuple(row.values()),
        ).scalar_one()
        closed = conn.exec_driver_sql(
            f"UPDATE survey_invitations SET status = 'completed', completed_at = {mark}, "
            f"started_at = COALESCE(started_at, {mark}), opened_at = COALESCE(opened_at, {mark}), "
            f"partial_answers = NULL, response_id = {mark} "
            f"WHERE id = {mark} AND completed_at IS NULL",
            (stamp, stamp, stamp, response_id if keep_link else None, invitation_id),
        ).rowcount
        if closed != 1:
            raise AlreadyCompleted  # rolls the response back
    return int(response_id)


# --- e-mail outbox ---------------------------------------------------------------------------


def claim_due(
    db: Database,
    now: datetime,
    stale_before: datetime,
    limit: int,
    *,
    reminder: bool,
    remind_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Claim invitations to e-mail (or remind) now; claimed rows are returned and marked so
    another sender skips them. A claim older than ``stale_before`` (a crash between claim
    and confirmation) is claimed again."""
    i = invitations.c
    if reminder:
        due = and_(
            i.channel == "email",
            i.sent_at.is_not(None),
            i.sent_at <= (remind_before or now),
            i.completed_at.is_(None),
            i.reminded_at.is_(None),
            i.expires_at > now,
            or_(i.reminder_claimed_at.is_(None), i.reminder_claimed_at < stale_before),
        )
        claim_column = "reminder_claimed_at"
    else:
        due = and_(
            i.channel == "email",
            i.status.in_(("scheduled", "sending")),
            i.send_after <= now,
            i.expires_at > now,
            i.sent_at.is_(None),
            or_(i.send_claimed_at.is_(None), i.send_claimed_at < stale_before),
        )
        claim_column = "send_claimed_at"
    with db.write() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                # PostgreSQL: concurrent senders skip each other's rows (SQLite ignores it;
                # its writers are serialised anyway)
                select(invitations)
                .where(due)
                .order_by(i.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            .mappings()
            .all()
        ]
        if rows:
            values: dict[str, Any] = {claim_column: now}
            if not reminder:
                values["status"] = "sending"
            conn.execute(
                update(invitations).where(i.id.in_([r["id"] for r in rows])).values(**values)
            )
    return rows


def confirm_sent(
    db: Database, invitation_id: int, message_id: str, now: datetime, *, reminder: bool
) -> None:
    values: dict[str, Any] = (
        {"reminded_at": now}
        if reminder
        else {"sent_at": now, "status": "sent", "message_id": message_id}
    )
    with db.write() as conn:
        conn.execute(update(invitations).where(invitations.c.id == invitation_id).values(**values))


def mark_status(db: Database, invitation_ids: Sequence[int], status: str) -> None:
    with db.write() as conn:
        conn.execute(
            update(invitations)
            .where(invitations.c.id.in_(list(invitation_ids)))
            .values(status=status)
        )


# --- funnel ----------------------------------------------------------------------------------


def funnel_counts(db: Database, survey_id: int | None = None) -> list[dict[str, Any]]:
    """Per survey and touch-point: invited, reminded, opened, started, completed."""
    i = invitations.c

    def count_of(column: Any) -> Any:
        return func.sum(case((column.is_not(None), 1), else_=0))

    query = select(
        i.survey_id,
        i.touchpoint,
        func.count().label("invited"),
        count_of(i.reminded_at).label("reminded"),
        count_of(i.opened_at).label("opened"),
        count_of(i.started_at).label("started"),
        count_of(i.completed_at).label("completed"),
    ).group_by(i.survey_id, i.touchpoint)
    if survey_id is not None:
        query = query.where(i.survey_id == survey_id)
    with db.read() as conn:
        return [
            {k: (int(v) if k not in ("touchpoint",) and v is not None else v) for k, v in r.items()}
            for r in conn.execute(query).mappings()
        ]


def recent_invitations(db: Database, survey_id: int, limit: int = 50) -> list[dict[str, Any]]:
    i = invitations.c
    query = (
        select(
            i.id,
            i.touchpoint,
            i.channel,
            i.language,
            i.status,
            i.created_at,
            i.send_after,
            i.sent_at,
            i.reminded_at,
            i.opened_at,
            i.completed_at,
        )
        .where(i.survey_id == survey_id)
        .order_by(i.id.desc())
        .limit(limit)
    )
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


# --- trigger inputs --------------------------------------------------------------------------


def interactions_after(db: Database, last_id: int, limit: int) -> list[dict[str, Any]]:
    """Interactions past the watermark with what the triggers need of their customer."""
    it, c = interactions.c, customers.c
    query = (
        select(
            it.id,
            it.external_id,
            it.customer_id,
            it.employee_id,
            it.occurred_at,
            it.journey,
            it.stage,
            it.touchpoint,
            it.channel,
            it.product,
            it.department,
            it.process,
            it.transaction_type,
            it.segment,
            it.lifecycle_stage,
            it.outcome,
            c.email.label("customer_email"),
            c.language.label("customer_language"),
            c.consent_survey,
            c.consent_email,
            c.segment.label("customer_segment"),
            c.lifecycle_stage.label("customer_lifecycle_stage"),
        )
        .select_from(interactions.outerjoin(customers, c.id == it.customer_id))
        .where(it.id > last_id)
        .order_by(it.id)
        .limit(limit)
    )
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def last_invitation_times(
    db: Database, customer_ids: Sequence[int]
) -> list[tuple[int, int, datetime]]:
    """(customer, survey, latest planned send time) of the given customers."""
    if not customer_ids:
        return []
    i = invitations.c
    found: list[tuple[int, int, datetime]] = []
    ids = sorted(set(customer_ids))
    with db.read() as conn:
        for start in range(0, len(ids), 5000):
            query = (
                select(i.customer_id, i.survey_id, func.max(i.send_after))
                .where(i.customer_id.in_(ids[start : start + 5000]))
                .group_by(i.customer_id, i.survey_id)
            )
            found.extend((int(a), int(b), c) for a, b, c in conn.execute(query))
    return found


def fetch_customer(
    db: Database, *, external_id: str | None = None, customer_id: int | None = None
) -> dict[str, Any] | None:
    """What an invitation needs of a customer, by external id or id."""
    c = customers.c
    query = select(c.id, c.email, c.language, c.segment, c.lifecycle_stage)
    query = query.where(c.external_id == external_id if external_id else c.id == customer_id)
    with db.read() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def release_reminder_claim(db: Database, invitation_id: int) -> None:
    """Give back a reminder claim that is not due yet for its survey."""
    with db.write() as conn:
        conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id)
            .values(reminder_claimed_at=None)
        )


def interaction_bounds(db: Database) -> tuple[int, datetime | None]:
    """The highest interaction id and the latest interaction time (demo, watermarks)."""
    it = interactions.c
    with db.read() as conn:
        top, latest = conn.execute(select(func.max(it.id), func.max(it.occurred_at))).one()
    return int(top or 0), latest


def pending_invitations(db: Database, limit: int = 100_000) -> list[dict[str, Any]]:
    """Invitations not yet completed, oldest first (for simulating a funnel in the demo)."""
    i = invitations.c
    query = (
        select(i.id, i.nonce, i.survey_id, i.language, i.send_after, i.expires_at, i.channel)
        .where(i.completed_at.is_(None))
        .order_by(i.id)
        .limit(limit)
    )
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def expire_open_invitations(db: Database, survey_id: int, now: datetime) -> int:
    """Close the unanswered invitations of an archived survey (their links say expired)."""
    i = invitations.c
    with db.write() as conn:
        return conn.execute(
            update(invitations)
            .where(i.survey_id == survey_id, i.completed_at.is_(None), i.expires_at > now)
            .values(expires_at=now)
        ).rowcount
