"""Tables of the people area (registered on ``Base.metadata`` by ``cxm.store.tables``):
the idea board, notifications and the e-mail outbox, the employee pulse, training, news,
and the link from a dashboard user to the employee they are."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.tables import Base, Key


class UserEmployee(Base):
    """Which employee a dashboard user is (scorecards, pulse groups, e-mail address)."""

    __tablename__ = "user_employees"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    employee_external_id: Mapped[str] = mapped_column(String(128), unique=True)


class Idea(Base):
    __tablename__ = "ideas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_employee_external_id: Mapped[str | None] = mapped_column(String(128), index=True)
    touchpoint: Mapped[str | None] = mapped_column(Key)
    pain_point: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(Key)
    status: Mapped[str] = mapped_column(String(16), index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    implemented_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class IdeaLemma(Base):
    """The search index: every lemma (Polish and English) of an idea's title and text."""

    __tablename__ = "idea_lemmas"
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), primary_key=True)
    lemma: Mapped[str] = mapped_column(String(64), primary_key=True)


Index("ix_idea_lemmas_lemma", IdeaLemma.lemma)


class IdeaComment(Base):
    __tablename__ = "idea_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    by_reviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class IdeaVote(Base):
    __tablename__ = "idea_votes"
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class IdeaFollower(Base):
    __tablename__ = "idea_followers"
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class IdeaAttachment(Base):
    """A file attached to an idea; the bytes live in the data directory."""

    __tablename__ = "idea_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class IdeaEvent(Base):
    """The idea's history: a status change or a reviewer's comment (what notifies people)."""

    __tablename__ = "idea_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # status | comment | action
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ImprovementAction(Base):
    """What an accepted idea became: an action on the touch-points it targets
    (``touchpoints`` is ``|``-delimited)."""

    __tablename__ = "improvement_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    touchpoints: Mapped[str] = mapped_column(String(1024))
    owner: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("idea_events.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    digested_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("user_id", "event_id", name="uq_notifications_event"),)


class NotificationPreference(Base):
    """How a person wants e-mail: immediate, daily digest or off; optional own address."""

    __tablename__ = "notification_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))


class OutboxMessage(Base):
    """An e-mail to send. ``key`` makes enqueueing idempotent and gives the stable
    Message-ID; a message is claimed, sent, then marked sent, so a crash never loses one
    and a retry carries the same Message-ID."""

    __tablename__ = "people_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class PulseRound(Base):
    """One round of the pulse: the survey version it asks, when it is open and, for a
    recurring pulse, how many days after this one the next round opens."""

    __tablename__ = "pulse_rounds"
    __table_args__ = (Index("uq_pulse_rounds_previous", "previous_round_id", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    survey_version: Mapped[int | None] = mapped_column(Integer)
    repeat_days: Mapped[int | None] = mapped_column(Integer)
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("pulse_rounds.id"))
    invited_at: Mapped[datetime | None] = mapped_column(DateTime)


class PulseParticipation(Base):
    """Who answered a round (to answer once) — never linked to the answer itself."""

    __tablename__ = "pulse_participations"
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id"), primary_key=True)
    employee_external_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class PulseAnswer(Base):
    """One anonymous answer: the groups it belongs to, no person, the day only."""

    __tablename__ = "pulse_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id"), index=True)
    department: Mapped[str | None] = mapped_column(Key)
    role: Mapped[str | None] = mapped_column(String(32))
    tenure: Mapped[str | None] = mapped_column(String(16))
    enps: Mapped[int] = mapped_column(SmallInteger)
    serve: Mapped[int] = mapped_column(SmallInteger)
    blockers: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answered_on: Mapped[date] = mapped_column(Date)


class TrainingCourse(Base):
    __tablename__ = "training_courses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title_pl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_months: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[float | None] = mapped_column(Float)


class TrainingCompletion(Base):
    __tablename__ = "training_completions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"))
    employee_external_id: Mapped[str] = mapped_column(String(128), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (
        UniqueConstraint(
            "course_id", "employee_external_id", "completed_on", name="uq_training_completion"
        ),
    )


class NewsItem(Base):
    __tablename__ = "news_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
