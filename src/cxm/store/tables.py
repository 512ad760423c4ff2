"""Tables of the system of record (SQLAlchemy 2 typed ORM; hot paths use ``Model.__table__``
with Core).

Experience tables (customers, employees, interactions, responses) carry ``change_seq``: a
per-table counter assigned inside the write transaction, which the mirror uses as its
watermark. Dimension columns hold taxonomy keys; responses and interactions carry all seven
dimensions (copied from the interaction and the customer when not given) so that any report
can be cut by any of them without joins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Key = String(64)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    segment: Mapped[str | None] = mapped_column(Key)
    lifecycle_stage: Mapped[str | None] = mapped_column(Key)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_survey: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_profiling: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Employee(Base):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    department: Mapped[str] = mapped_column(Key, index=True)
    role: Mapped[str] = mapped_column(String(32))
    manager_external_id: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    hired_on: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Interaction(Base):
    __tablename__ = "interactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    journey: Mapped[str | None] = mapped_column(Key)
    stage: Mapped[str | None] = mapped_column(Key)
    touchpoint: Mapped[str] = mapped_column(Key)
    channel: Mapped[str | None] = mapped_column(Key)
    product: Mapped[str | None] = mapped_column(Key)
    department: Mapped[str | None] = mapped_column(Key)
    process: Mapped[str | None] = mapped_column(Key)
    transaction_type: Mapped[str | None] = mapped_column(Key)
    segment: Mapped[str | None] = mapped_column(Key)
    lifecycle_stage: Mapped[str | None] = mapped_column(Key)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(64))
    monetary_value: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Response(Base):
    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    responded_at: Mapped[datetime] = mapped_column(DateTime)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    csat: Mapped[int | None] = mapped_column(SmallInteger)
    ces: Mapped[int | None] = mapped_column(SmallInteger)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    journey: Mapped[str | None] = mapped_column(Key)
    stage: Mapped[str | None] = mapped_column(Key)
    touchpoint: Mapped[str | None] = mapped_column(Key)
    channel: Mapped[str | None] = mapped_column(Key)
    product: Mapped[str | None] = mapped_column(Key)
    department: Mapped[str | None] = mapped_column(Key)
    process: Mapped[str | None] = mapped_column(Key)
    transaction_type: Mapped[str | None] = mapped_column(Key)
    segment: Mapped[str | None] = mapped_column(Key)
    lifecycle_stage: Mapped[str | None] = mapped_column(Key)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


Index("ix_responses_responded_at", Response.responded_at)
Index("ix_interactions_occurred_at", Interaction.occurred_at)


class User(Base):
    """A person who logs in to the dashboard."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(Key)
    language: Mapped[str] = mapped_column(String(8), default="pl")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A machine client's token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ImportRun(Base):
    """One file or API batch import: its counts and where its rejects went."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(1024))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejects_path: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16), default="running")


class CommentAnalysis(Base):
    """Text analysis of one response's comment: language, sentiment, emotions, themes.

    One row per response (re-analysis updates it); ``analyser_version`` says which analyser
    produced it so a better one can re-run. ``themes`` is ``|``-delimited (``|price|delivery|``)
    so every engine can filter and explode it. ``responded_at`` is copied from the response
    so the mirror partitions it by month like responses."""

    __tablename__ = "comment_analyses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), unique=True)
    responded_at: Mapped[datetime] = mapped_column(DateTime)
    analyser_version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    sentiment: Mapped[str] = mapped_column(String(8))
    sentiment_score: Mapped[float] = mapped_column(Float)
    joy: Mapped[float] = mapped_column(Float)
    trust: Mapped[float] = mapped_column(Float)
    fear: Mapped[float] = mapped_column(Float)
    surprise: Mapped[float] = mapped_column(Float)
    sadness: Mapped[float] = mapped_column(Float)
    disgust: Mapped[float] = mapped_column(Float)
    anger: Mapped[float] = mapped_column(Float)
    anticipation: Mapped[float] = mapped_column(Float)
    frustration: Mapped[float] = mapped_column(Float)
    disappointment: Mapped[float] = mapped_column(Float)
    delight: Mapped[float] = mapped_column(Float)
    themes: Mapped[str] = mapped_column(String(1024), default="|")
    redacted_comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Alert(Base):
    """A metric series that dropped below its control limit: one row per breach."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("metric", "scope_key", "grain", "period", name="uq_alerts_breach"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(16))
    scope_key: Mapped[str] = mapped_column(String(255), index=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    grain: Mapped[str] = mapped_column(String(8))
    period: Mapped[date] = mapped_column(Date)
    n: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    centre: Mapped[float] = mapped_column(Float)
    limit_value: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


MIRRORED_TABLES = ("customers", "employees", "interactions", "responses", "comment_analyses")


# Each area keeps its tables in its own module; importing them here registers them on
# Base.metadata for migrations and tests (they import Base from this module, defined above).
from cxm.store import loop_tables, people_tables, survey_tables  # noqa: E402

__all__ = ["Base", "loop_tables", "people_tables", "survey_tables"]
