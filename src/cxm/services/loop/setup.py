"""Configuring the loop: routing rules (touch-point → department → owner) and a sensible
starting set of alert rules, routing and standards derived from the CX model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from cxm.domain.errors import NotFound, ValidationFailed
from cxm.services.loop import rules as rule_service
from cxm.services.loop import standards as standard_service
from cxm.services.loop.clock import utc_now
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls


def add_route(
    rt: Runtime,
    department: str,
    *,
    touchpoint: str | None = None,
    owner: str | None = None,
    owner_email: str | None = None,
    manager: str | None = None,
    manager_email: str | None = None,
    now: datetime | None = None,
) -> int:
    taxonomy = rt.taxonomy
    if department not in taxonomy.keys("department"):
        raise ValidationFailed(f"unknown department '{department}'", field="department")
    if touchpoint is not None and touchpoint not in taxonomy.keys("touchpoint"):
        raise ValidationFailed(f"unknown touch-point '{touchpoint}'", field="touchpoint")
    with rt.db.write() as conn:
        result = conn.execute(
            ls.ROUTING.insert().values(
                touchpoint=touchpoint,
                department=department,
                owner=owner,
                owner_email=owner_email,
                manager=manager,
                manager_email=manager_email,
                created_at=now or utc_now(),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_routes(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        return [
            dict(r._mapping) for r in conn.execute(select(ls.ROUTING).order_by(ls.ROUTING.c.id))
        ]


def remove_route(rt: Runtime, route_id: int) -> None:
    with rt.db.write() as conn:
        if not conn.execute(ls.ROUTING.delete().where(ls.ROUTING.c.id == route_id)).rowcount:
            raise NotFound(f"no routing rule {route_id}")


DEFAULT_RULES: tuple[tuple[str, str, str, dict[str, Any], bool, dict[str, list[str]]], ...] = (
    ("Detractor", "detractor", "normal", {}, False, {}),
    ("Low CSAT", "low_csat", "normal", {}, False, {}),
    ("High effort", "high_effort", "low", {}, False, {}),
    ("Anger or fear", "negative_emotion", "high", {}, False, {}),
    ("Churn words", "churn_words", "high", {}, False, {}),
    ("Complaint channel", "detractor", "high", {"max_nps": 6}, True, {"touchpoint": ["complaint"]}),
    ("Control limit", "control_limit", "high", {}, False, {}),
)


def install_defaults(rt: Runtime, *, now: datetime | None = None) -> dict[str, int]:
    """Default rules, a routing rule per department and standards, when none exist yet."""
    now = now or utc_now()
    counts = {"rules": 0, "routes": 0, "standards": 0}
    with rt.db.read() as conn:
        has_rules = conn.execute(select(func.count()).select_from(ls.RULES)).scalar()
        has_routes = conn.execute(select(func.count()).select_from(ls.ROUTING)).scalar()
        has_standards = conn.execute(select(func.count()).select_from(ls.STANDARDS)).scalar()
    if not has_rules:
        for name, kind, priority, params, complaint, scope in DEFAULT_RULES:
            rule_service.add_rule(
                rt, name, kind, priority=priority, params=params, complaint=complaint,
                scope=scope, now=now,
            )  # fmt: skip
            counts["rules"] += 1
    if not has_routes:
        for department in rt.taxonomy.keys("department"):
            add_route(rt, department, now=now)
            counts["routes"] += 1
    if not has_standards:
        counts["standards"] = standard_service.install_default_standards(rt, now=now)
    return counts
