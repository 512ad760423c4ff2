"""Tables of the closed loop (registered on ``Base.metadata`` by ``cxm.store.tables``):
alert rules, routing rules, cases with their events (notes, status changes, SLA history),
complaint records, service standards and their results, webhooks, the notification outbox
with its delivery log, and job watermarks.

Idempotency: a case has a unique ``idempotency_key`` (``response:<id>``, ``alert:<id>``,
``standard:<id>:<scope>:<period>``), an outbox message a unique ``idempotency_key`` too; both
are written in the same transaction as the watermark that says the input was processed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.tables import Base, Key


class LoopAlertRule(Base):
    __tablename__ = "loop_alert_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoopRoutingRule(Base):
    __tablename__ = "loop_routing_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    touchpoint: Mapped[str | None] = mapped_column(Key)
    department: Mapped[str] = mapped_column(Key)
    owner: Mapped[str | None] = mapped_column(String(128))
    owner_email: Mapped[str | None] = mapped_column(String(254))
    manager: Mapped[str | None] = mapped_column(String(128))
    manager_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoopCase(Base):
    __tablename__ = "loop_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # feedback | complaint | standard
    source: Mapped[str] = mapped_column(String(16))  # rule | manual | alert | standard
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(24), index=True)
    priority: Mapped[str] = mapped_column(String(16))
    rule_ids: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    touchpoint: Mapped[str | None] = mapped_column(Key)
    channel: Mapped[str | None] = mapped_column(Key)
    segment: Mapped[str | None] = mapped_column(Key)
    department: Mapped[str | None] = mapped_column(Key, index=True)
    owner: Mapped[str | None] = mapped_column(String(128), index=True)
    owner_email: Mapped[str | None] = mapped_column(String(254))
    manager: Mapped[str | None] = mapped_column(String(128))
    manager_email: Mapped[str | None] = mapped_column(String(254))
    root_cause: Mapped[str | None] = mapped_column(String(32))
    resolution: Mapped[str | None] = mapped_column(Text)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    first_response_due: Mapped[datetime] = mapped_column(DateTime)
    resolution_due: Mapped[datetime] = mapped_column(DateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_response_breached_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution_breached_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LoopCaseEvent(Base):
    """The case's history: created, status, note, assigned, escalated, sla_breach, …"""

    __tablename__ = "loop_case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("loop_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    from_value: Mapped[str | None] = mapped_column(String(64))
    to_value: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)


class LoopComplaint(Base):
    """ISO 10002 record of a complaint case: receipt, acknowledgement, answer, closure, causes."""

    __tablename__ = "loop_complaints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("loop_cases.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    step: Mapped[str] = mapped_column(String(16))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    assessment: Mapped[str | None] = mapped_column(Text)
    response_text: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    cause_category: Mapped[str | None] = mapped_column(String(32))
    cause_analysis: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LoopStandard(Base):
    __tablename__ = "loop_standards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_pl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    scope_dimension: Mapped[str] = mapped_column(String(32))
    scope_value: Mapped[str | None] = mapped_column(Key)
    target: Mapped[float] = mapped_column(Float)
    window_days: Mapped[int] = mapped_column(Integer, default=30)
    percentile: Mapped[float] = mapped_column(Float, default=0.9)
    min_n: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoopStandardResult(Base):
    """A standard's measured value for one scope value and month (compliance over time)."""

    __tablename__ = "loop_standard_results"
    __table_args__ = (
        UniqueConstraint("standard_id", "scope_value", "period", name="uq_loop_std_result"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("loop_standards.id"), index=True)
    scope_value: Mapped[str] = mapped_column(Key)
    period: Mapped[date] = mapped_column(Date)
    n: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    met: Mapped[bool | None] = mapped_column(Boolean)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime)


class LoopWebhook(Base):
    __tablename__ = "loop_webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(1024))
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[str] = mapped_column(String(512), default="*")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoopOutbox(Base):
    """One notification to deliver (an e-mail or a webhook call), written in the same
    transaction as the event that caused it; ``dead`` after the last attempt failed."""

    __tablename__ = "loop_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    event: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(1024))
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


Index("ix_loop_outbox_due", LoopOutbox.status, LoopOutbox.next_attempt_at)


class LoopDelivery(Base):
    """Delivery log: one row per attempt."""

    __tablename__ = "loop_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("loop_outbox.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class LoopWatermark(Base):
    """How far a job got through an input (e.g. responses' change_seq, alerts' id)."""

    __tablename__ = "loop_watermarks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = [
    "LoopAlertRule",
    "LoopCase",
    "LoopCaseEvent",
    "LoopComplaint",
    "LoopDelivery",
    "LoopOutbox",
    "LoopRoutingRule",
    "LoopStandard",
    "LoopStandardResult",
    "LoopWatermark",
    "LoopWebhook",
]
