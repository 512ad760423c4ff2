"""Cases: opening them (by rules, alerts, standards or by hand) with routing and SLA clocks,
moving them through their statuses, notes, root cause, resolution, checklist, bulk actions,
and listing them within the principal's department scope.

Every change writes a case event (the case's history, including its SLA events) and queues
its notifications in the same transaction (see ``notifications``)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from cxm.domain import loop as domain
from cxm.domain.access import Principal
from cxm.domain.errors import CxmError, NotFound, ValidationFailed
from cxm.domain.loop_sla import due_times
from cxm.services.loop import complaints, notifications
from cxm.services.loop.clock import utc_now
from cxm.services.loop.inbox import (
    CASE_WORKERS,
    case_counts,
    get_case,
    list_cases,
)
from cxm.services.loop.inbox import (
    check_worker as _check_worker,
)
from cxm.services.loop.inbox import (
    load_case as _load,
)
from cxm.services.loop.messages import message
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls
from cxm.store.tables import Customer

CUSTOMERS = Customer.__table__


@dataclass(frozen=True)
class CaseSpec:
    """What a case is opened from; ``key`` makes opening it twice a no-op."""

    key: str
    title: str
    kind: str = "feedback"
    source: str = "rule"
    priority: str = "normal"
    rule_ids: tuple[int, ...] = ()
    response_id: int | None = None
    alert_id: int | None = None
    customer_id: int | None = None
    touchpoint: str | None = None
    channel: str | None = None
    segment: str | None = None
    department: str | None = None
    customer_email: str | None = None
    customer_language: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def case_link(rt: Runtime, case_id: int) -> str:
    return f"{rt.settings.public_base_url.rstrip('/')}/cases/{case_id}"


def recontact_token(rt: Runtime, case_id: int) -> str:
    mac = hmac.new(rt.settings.secret_key.encode(), f"recontact:{case_id}".encode(), "sha256")
    return f"{case_id}.{mac.hexdigest()[:24]}"


def recontact_link(rt: Runtime, case_id: int) -> str:
    return (
        f"{rt.settings.public_base_url.rstrip('/')}/loop/recontact/{recontact_token(rt, case_id)}"
    )


def load_routing(conn: Connection) -> list[domain.RoutingRule]:
    return [
        domain.RoutingRule(
            r.id, r.touchpoint, r.department, r.owner, r.owner_email, r.manager, r.manager_email
        )
        for r in conn.execute(select(ls.ROUTING).order_by(ls.ROUTING.c.id))
    ]


def create_cases(
    rt: Runtime, conn: Connection, specs: Sequence[CaseSpec], now: datetime
) -> list[int]:
    """Open the cases not opened before (inside the caller's transaction); their ids."""
    if not specs:
        return []
    routing = load_routing(conn)
    tp_departments = {t.key: t.department for _, _, t in rt.taxonomy.touchpoints()}
    rows: list[dict[str, Any]] = []
    by_key: dict[str, tuple[CaseSpec, domain.Route]] = {}
    for spec in specs:
        route = domain.route_case(
            routing,
            touchpoint=spec.touchpoint,
            department=spec.department,
            touchpoint_departments=tp_departments,
        )
        complaint = spec.kind == "complaint"
        first_due, resolution_due = due_times(now, spec.priority, complaint=complaint)
        by_key[spec.key] = (spec, route)
        rows.append(
            {
                "idempotency_key": spec.key,
                "kind": spec.kind,
                "source": spec.source,
                "title": spec.title[:300],
                "status": "new",
                "priority": spec.priority,
                "rule_ids": {"ids": list(spec.rule_ids), **spec.details},
                "response_id": spec.response_id,
                "alert_id": spec.alert_id,
                "customer_id": spec.customer_id,
                "touchpoint": spec.touchpoint,
                "channel": spec.channel,
                "segment": spec.segment,
                "department": route.department,
                "owner": route.owner,
                "owner_email": route.owner_email,
                "manager": route.manager,
                "manager_email": route.manager_email,
                "root_cause": None,
                "resolution": None,
                "checklist": {"items": domain.new_checklist(spec.kind)},
                "escalation_level": 0,
                "reopen_count": 0,
                "opened_at": now,
                "first_response_due": first_due,
                "resolution_due": resolution_due,
                "first_response_at": None,
                "resolved_at": None,
                "closed_at": None,
                "first_response_breached_at": None,
                "resolution_breached_at": None,
                "updated_at": now,
            }
        )
    ids = ls.insert_new(conn, ls.CASES, rows)
    if not ids:
        return []
    events = []
    messages: list[dict[str, Any]] = []
    hooks = notifications.load_hooks(conn)
    language = rt.settings.default_language
    rows_by_key = {r["idempotency_key"]: r for r in rows}
    for key, case_id in ids.items():
        spec, route = by_key[key]
        row = rows_by_key[key] | {"id": case_id}
        events.append(_event(case_id, now, None, "created", None, "new", spec.title[:500]))
        subject, text = message(
            language,
            "case_opened",
            id=case_id,
            title=spec.title,
            priority=spec.priority,
            department=route.department or "—",
            first_due=row["first_response_due"].isoformat(timespec="minutes"),
            resolution_due=row["resolution_due"].isoformat(timespec="minutes"),
            link=case_link(rt, case_id),
        )
        messages += notifications.build_messages(
            hooks,
            event="case.opened",
            key=f"case:{case_id}:opened",
            payload=case_payload(row),
            now=now,
            emails=[(route.owner_email or "", subject, text)],
            case_id=case_id,
        )
        if spec.kind == "complaint":
            complaints.open_complaint(
                rt, conn, row, spec.customer_email, spec.customer_language, now
            )
    conn.execute(ls.EVENTS.insert(), events)
    ls.insert_new(conn, ls.OUTBOX, messages)
    return sorted(ids.values())


def case_payload(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id", "kind", "source", "title", "status", "priority", "department", "owner",
        "touchpoint", "channel", "segment", "response_id", "customer_id", "escalation_level",
    )  # fmt: skip
    out = {k: row.get(k) for k in keep}
    for k in ("opened_at", "first_response_due", "resolution_due"):
        value = row.get(k)
        out[k] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _event(
    case_id: int,
    at: datetime,
    actor: str | None,
    kind: str,
    from_value: str | None,
    to_value: str | None,
    text: str | None = None,
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": at,
        "actor": actor,
        "kind": kind,
        "from_value": from_value,
        "to_value": to_value,
        "text": text,
    }


# --- opening by hand ---------------------------------------------------------------------------
def open_case(
    rt: Runtime,
    principal: Principal,
    *,
    title: str,
    department: str | None = None,
    touchpoint: str | None = None,
    priority: str = "normal",
    kind: str = "feedback",
    customer_external_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    _check_worker(principal)
    now = now or utc_now()
    if not title.strip():
        raise ValidationFailed("a case needs a title", field="title")
    domain.validate_priority(priority)
    if kind not in ("feedback", "complaint"):
        raise ValidationFailed("kind is feedback or complaint", field="kind")
    if department is None and touchpoint is None:
        department = principal.department
    if department is not None and department not in rt.taxonomy.keys("department"):
        raise ValidationFailed(f"unknown department '{department}'", field="department")
    if touchpoint is not None and touchpoint not in rt.taxonomy.keys("touchpoint"):
        raise ValidationFailed(f"unknown touch-point '{touchpoint}'", field="touchpoint")
    customer: dict[str, Any] | None = None
    with rt.db.write() as conn:
        if customer_external_id:
            found = conn.execute(
                select(CUSTOMERS).where(CUSTOMERS.c.external_id == customer_external_id)
            ).first()
            if found is None:
                raise ValidationFailed(
                    f"unknown customer '{customer_external_id}'", field="customer_external_id"
                )
            customer = dict(found._mapping)
        seq = conn.execute(select(func.count()).select_from(ls.CASES)).scalar() or 0
        spec = CaseSpec(
            key=f"manual:{principal.user_id}:{now.isoformat()}:{seq}",
            title=title.strip(),
            kind=kind,
            source="manual",
            priority=priority,
            customer_id=customer["id"] if customer else None,
            touchpoint=touchpoint,
            department=department,
            segment=customer["segment"] if customer else None,
            customer_email=customer["email"] if customer else None,
            customer_language=customer["language"] if customer else None,
        )
        ids = create_cases(rt, conn, [spec], now)
        case = ls.case_row(conn, ids[0])
    assert case is not None
    return case


# --- changing ----------------------------------------------------------------------------------
def change_status(
    rt: Runtime,
    case_id: int,
    status: str,
    principal: Principal,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Move a case (``in_progress`` from resolved/closed is a reopen)."""
    _check_worker(principal)
    now = now or utc_now()
    with rt.db.write() as conn:
        row = _load(conn, case_id, principal)
        _apply_status(rt, conn, row, status, principal.username, note, now)
        updated = ls.case_row(conn, case_id)
    assert updated is not None
    return updated


def _apply_status(
    rt: Runtime,
    conn: Connection,
    row: dict[str, Any],
    status: str,
    actor: str,
    note: str | None,
    now: datetime,
) -> None:
    current = row["status"]
    domain.check_transition(current, status)
    values: dict[str, Any] = {"status": status, "updated_at": now}
    events = [_event(row["id"], now, actor, "status", current, status, note)]
    if status in domain.FIRST_RESPONSE_STATUSES and row["first_response_at"] is None:
        values["first_response_at"] = now
    if status == "resolved":
        values["resolved_at"] = now
    if status == "closed":
        values["closed_at"] = now
    if domain.is_reopen(current, status):
        values.update(reopen_count=row["reopen_count"] + 1, resolved_at=None, closed_at=None)
        events[0]["kind"] = "reopened"
    conn.execute(ls.CASES.update().where(ls.CASES.c.id == row["id"]).values(values))
    conn.execute(ls.EVENTS.insert(), events)
    merged = row | values
    notifications.enqueue_event(
        conn,
        event="case.status_changed",
        key=f"case:{row['id']}:status:{len(_history(conn, row['id']))}",
        payload=case_payload(merged) | {"from": current, "to": status},
        now=now,
        case_id=row["id"],
    )
    if status == "resolved":
        _queue_follow_up(rt, conn, merged, now)
    if row["kind"] == "complaint":
        complaints.track_status(conn, row["id"], status, now)


def _history(conn: Connection, case_id: int) -> list[Any]:
    return list(conn.execute(select(ls.EVENTS.c.id).where(ls.EVENTS.c.case_id == case_id)))


def _queue_follow_up(rt: Runtime, conn: Connection, case: dict[str, Any], now: datetime) -> None:
    """Close the loop with the customer: what we did, and a one-question recontact link."""
    if case.get("customer_id") is None:
        return
    customer = conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id == case["customer_id"])).first()
    if customer is None or not customer.email or not customer.consent_email:
        return
    subject, text = message(
        customer.language,
        "follow_up",
        resolution=case.get("resolution") or "",
        link=notifications.RECONTACT_PLACEHOLDER,
    )
    messages = notifications.build_messages(
        notifications.load_hooks(conn),
        event="case.follow_up",
        key=f"case:{case['id']}:follow_up:{case.get('reopen_count', 0)}",
        payload=case_payload(case),
        now=now,
        emails=[(customer.email, subject, text)],
        case_id=case["id"],
    )
    for row in messages:
        if row["channel"] == "email":  # the link is made when the e-mail is sent
            row["payload"]["recontact"] = {
                "survey": notifications.RECONTACT_SURVEY_KEY,
                "customer_external_id": customer.external_id,
                "language": customer.language,
                "fallback_link": recontact_link(rt, case["id"]),
            }
    ls.insert_new(conn, ls.OUTBOX, messages)


def add_note(
    rt: Runtime, case_id: int, text: str, principal: Principal, *, now: datetime | None = None
) -> None:
    _check_worker(principal)
    if not text.strip():
        raise ValidationFailed("a note needs text", field="text")
    now = now or utc_now()
    with rt.db.write() as conn:
        _load(conn, case_id, principal)
        conn.execute(
            ls.EVENTS.insert().values(
                _event(case_id, now, principal.username, "note", None, None, text.strip())
            )
        )
        conn.execute(ls.CASES.update().where(ls.CASES.c.id == case_id).values(updated_at=now))


def update_case(
    rt: Runtime,
    case_id: int,
    principal: Principal,
    *,
    root_cause: str | None = None,
    resolution: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    checklist_done: Iterable[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    _check_worker(principal)
    now = now or utc_now()
    if root_cause is not None and root_cause not in domain.ROOT_CAUSES:
        raise ValidationFailed(
            f"unknown root cause '{root_cause}' ({', '.join(domain.ROOT_CAUSES)})",
            field="root_cause",
        )
    if priority is not None:
        domain.validate_priority(priority)
    with rt.db.write() as conn:
        row = _load(conn, case_id, principal)
        values: dict[str, Any] = {"updated_at": now}
        events = []
        for name, value in (("root_cause", root_cause), ("resolution", resolution),
                            ("owner", owner), ("priority", priority)):  # fmt: skip
            if value is not None and value != row[name]:
                values[name] = value
                kind = "assigned" if name == "owner" else name
                events.append(_event(case_id, now, principal.username, kind, row[name], value[:64]))
        if checklist_done is not None:
            done = set(checklist_done)
            items = [
                {"key": i["key"], "done": i["key"] in done}
                for i in (row["checklist"] or {}).get("items", [])
            ]
            values["checklist"] = {"items": items}
            events.append(_event(case_id, now, principal.username, "checklist", None, None,
                                 ",".join(sorted(done))))  # fmt: skip
        conn.execute(ls.CASES.update().where(ls.CASES.c.id == case_id).values(values))
        if events:
            conn.execute(ls.EVENTS.insert(), events)
        if "owner" in values:
            notifications.enqueue_event(
                conn,
                event="case.assigned",
                key=f"case:{case_id}:assigned:{len(_history(conn, case_id))}",
                payload=case_payload(row | values),
                now=now,
                case_id=case_id,
            )
        updated = ls.case_row(conn, case_id)
    assert updated is not None
    return updated


def bulk_update(
    rt: Runtime,
    case_ids: Sequence[int],
    principal: Principal,
    *,
    status: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply one action to many cases; cases that refuse (a wrong transition) are reported."""
    _check_worker(principal)
    now = now or utc_now()
    done: list[int] = []
    refused: dict[int, str] = {}
    for case_id in case_ids:
        try:
            if owner is not None or priority is not None:
                update_case(rt, case_id, principal, owner=owner, priority=priority, now=now)
            if status is not None:
                change_status(rt, case_id, status, principal, now=now)
            done.append(case_id)
        except CxmError as exc:  # a wrong transition, an unseen case: report, go on
            refused[case_id] = exc.message
    return {"updated": done, "refused": refused}


def verify_recontact_token(rt: Runtime, token: str) -> int:
    case_part, _, _ = token.partition(".")
    if not case_part.isdigit() or not hmac.compare_digest(
        recontact_token(rt, int(case_part)), token
    ):
        raise NotFound("unknown or expired link")
    return int(case_part)


__all__ = [
    "CASE_WORKERS",
    "CaseSpec",
    "add_note",
    "bulk_update",
    "case_counts",
    "change_status",
    "create_cases",
    "get_case",
    "list_cases",
    "open_case",
    "update_case",
]
