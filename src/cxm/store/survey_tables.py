"""Tables of the survey area (registered on ``Base.metadata`` by ``cxm.store.tables``):
surveys and their published versions, trigger rules and their decisions, invitations (the
funnel and the one-time links) and opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.tables import Base


class Survey(Base):
    """A survey: its editable draft definition and distribution settings."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="transactional")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    distribution: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SurveyVersion(Base):
    """A published, frozen definition; responses keep the version they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version", name="uq_survey_versions"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    published_by: Mapped[str | None] = mapped_column(String(128))


class SurveyTriggerRule(Base):
    """After an interaction at a touch-point (optionally channel, product, outcome,
    segment), invite to a survey after a delay, with sampling and quiet hours."""

    __tablename__ = "survey_trigger_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    touchpoint: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(64))
    product: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(64))
    delay_minutes: Mapped[int] = mapped_column(Integer, default=60)
    sampling_percent: Mapped[float] = mapped_column(Float, default=100.0)
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SurveyTriggerState(Base):
    """One row: the evaluation watermark (last interaction id judged) and global limits."""

    __tablename__ = "survey_trigger_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_interaction_id: Mapped[int] = mapped_column(Integer, default=0)
    global_fatigue_days: Mapped[int] = mapped_column(Integer, default=30)
    max_age_days: Mapped[int] = mapped_column(Integer, default=7)
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime)


class SurveyTriggerDecision(Base):
    """What the triggers decided for one interaction (and rule): invited or why not."""

    __tablename__ = "survey_trigger_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(Integer, index=True)
    rule_id: Mapped[int | None] = mapped_column(Integer)
    survey_id: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    invitation_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(DateTime)


class SurveyInvitation(Base):
    """One invitation (a one-time link): who, why, its e-mail state and funnel steps."""

    __tablename__ = "survey_invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    interaction_id: Mapped[int | None] = mapped_column(Integer)
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    send_after: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    send_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    message_id: Mapped[str | None] = mapped_column(String(255))
    reminder_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    partial_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    response_id: Mapped[int | None] = mapped_column(Integer)


Index("ix_survey_invitations_send_after", SurveyInvitation.status, SurveyInvitation.send_after)


class SurveyOptOut(Base):
    """A customer (or address) who asked for no more surveys."""

    __tablename__ = "survey_opt_outs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
