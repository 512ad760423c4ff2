"""Surveys, versions, trigger rules, the trigger state, decisions and opt-outs (Core)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, desc, func, insert, select, update

from cxm.store.database import Database
from cxm.store.survey_tables import (
    Survey,
    SurveyOptOut,
    SurveyTriggerDecision,
    SurveyTriggerRule,
    SurveyTriggerState,
    SurveyVersion,
)

surveys = cast(Table, Survey.__table__)
versions = cast(Table, SurveyVersion.__table__)
rules = cast(Table, SurveyTriggerRule.__table__)
state = cast(Table, SurveyTriggerState.__table__)
decisions = cast(Table, SurveyTriggerDecision.__table__)
opt_outs = cast(Table, SurveyOptOut.__table__)


def insert_survey(db: Database, values: dict[str, Any]) -> int:
    with db.write() as conn:
        return int(conn.execute(insert(surveys).returning(surveys.c.id), values).scalar_one())


def fetch_survey(db: Database, key: str) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(surveys).where(surveys.c.key == key)).mappings().first()
    return dict(row) if row else None


def fetch_survey_by_id(db: Database, survey_id: int) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(surveys).where(surveys.c.id == survey_id)).mappings().first()
    return dict(row) if row else None


def list_surveys(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(select(surveys).order_by(surveys.c.key)).mappings()]


def update_survey(db: Database, survey_id: int, values: dict[str, Any]) -> None:
    with db.write() as conn:
        conn.execute(update(surveys).where(surveys.c.id == survey_id).values(**values))


def publish_version(
    db: Database, survey_id: int, definition: dict[str, Any], by: str | None, now: datetime
) -> int:
    """Store the next version and make it current, in one transaction; its number."""
    with db.write() as conn:
        top = conn.execute(
            select(func.max(versions.c.version)).where(versions.c.survey_id == survey_id)
        ).scalar()
        number = int(top or 0) + 1
        conn.execute(
            insert(versions),
            {
                "survey_id": survey_id,
                "version": number,
                "definition": definition,
                "published_at": now,
                "published_by": by,
            },
        )
        conn.execute(
            update(surveys)
            .where(surveys.c.id == survey_id)
            .values(current_version=number, status="live", draft=definition, updated_at=now)
        )
    return number


def fetch_version(db: Database, survey_id: int, version: int) -> dict[str, Any] | None:
    with db.read() as conn:
        row = (
            conn.execute(
                select(versions).where(
                    versions.c.survey_id == survey_id, versions.c.version == version
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def list_versions(db: Database, survey_id: int) -> list[dict[str, Any]]:
    with db.read() as conn:
        query = (
            select(versions.c.version, versions.c.published_at, versions.c.published_by)
            .where(versions.c.survey_id == survey_id)
            .order_by(desc(versions.c.version))
        )
        return [dict(r) for r in conn.execute(query).mappings()]


# --- trigger rules and state -----------------------------------------------------------------


def insert_rule(db: Database, values: dict[str, Any]) -> int:
    with db.write() as conn:
        return int(conn.execute(insert(rules).returning(rules.c.id), values).scalar_one())


def update_rule(db: Database, rule_id: int, values: dict[str, Any]) -> int:
    with db.write() as conn:
        return conn.execute(update(rules).where(rules.c.id == rule_id).values(**values)).rowcount


def delete_rule(db: Database, rule_id: int) -> int:
    with db.write() as conn:
        return conn.execute(delete(rules).where(rules.c.id == rule_id)).rowcount


def list_rules(db: Database) -> list[dict[str, Any]]:
    query = (
        select(rules, surveys.c.key.label("survey_key"))
        .join(surveys, surveys.c.id == rules.c.survey_id)
        .order_by(rules.c.id)
    )
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def fetch_state(db: Database) -> dict[str, Any]:
    """The single trigger-state row (created with defaults on first use)."""
    with db.read() as conn:
        row = conn.execute(select(state).where(state.c.id == 1)).mappings().first()
    if row is not None:
        return dict(row)
    with db.write() as conn:
        if conn.execute(select(state.c.id).where(state.c.id == 1)).first() is None:
            conn.execute(
                insert(state),
                {"id": 1, "last_interaction_id": 0, "global_fatigue_days": 30, "max_age_days": 7},
            )
    return fetch_state(db)


def update_state(db: Database, values: dict[str, Any]) -> None:
    fetch_state(db)
    with db.write() as conn:
        conn.execute(update(state).where(state.c.id == 1).values(**values))


def list_decisions(
    db: Database, limit: int = 200, reason: str | None = None
) -> list[dict[str, Any]]:
    query = select(decisions).order_by(desc(decisions.c.id)).limit(limit)
    if reason:
        query = query.where(decisions.c.reason == reason)
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count_decisions(db: Database) -> dict[str, int]:
    query = select(decisions.c.reason, func.count()).group_by(decisions.c.reason)
    with db.read() as conn:
        return {str(r): int(n) for r, n in conn.execute(query)}


# --- opt-outs --------------------------------------------------------------------------------


def add_opt_out(db: Database, customer_id: int | None, email: str | None, now: datetime) -> bool:
    """Record an opt-out (idempotent); True when it is new."""
    with db.write() as conn:
        clauses = []
        if customer_id is not None:
            clauses.append(opt_outs.c.customer_id == customer_id)
        if email:
            clauses.append(opt_outs.c.email == email)
        for clause in clauses:
            if conn.execute(select(opt_outs.c.id).where(clause)).first() is not None:
                return False
        conn.execute(
            insert(opt_outs), {"customer_id": customer_id, "email": email, "created_at": now}
        )
    return True


def opted_out(db: Database) -> tuple[set[int], set[str]]:
    with db.read() as conn:
        rows = conn.execute(select(opt_outs.c.customer_id, opt_outs.c.email)).all()
    return {r[0] for r in rows if r[0] is not None}, {r[1].lower() for r in rows if r[1]}


def insert_decisions(conn: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(decisions), list(rows))


class WatermarkMoved(Exception):
    """Another evaluator (a second server worker) judged this batch first."""


def write_trigger_batch(
    db: Database,
    new_invitations: Sequence[dict[str, Any]],
    decided: list[dict[str, Any]],
    previous: int,
    watermark: int,
) -> None:
    """Invitations, decisions and the watermark in one transaction: a crash re-judges the
    whole batch, never half of it. A decision's ``_invitation`` (an index into
    ``new_invitations``) becomes its ``invitation_id``. The watermark moves only from
    ``previous`` (compare and set): if another process moved it, nothing is written and
    :class:`WatermarkMoved` is raised."""
    from cxm.store.surveys_invitations import invitations

    with db.write() as conn:
        moved = conn.execute(
            update(state)
            .where(state.c.id == 1, state.c.last_interaction_id == previous)
            .values(last_interaction_id=watermark)
        ).rowcount
        if moved != 1:
            raise WatermarkMoved
        ids = [
            int(conn.execute(insert(invitations).returning(invitations.c.id), row).scalar_one())
            for row in new_invitations
        ]
        for d in decided:
            index = d.pop("_invitation", None)
            if index is not None:
                d["invitation_id"] = ids[index]
        insert_decisions(conn, decided)
