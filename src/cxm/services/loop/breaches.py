"""A standard out of compliance raises an alert: one case for the owning department and a
``standard.breached`` notification, once per standard, scope value and month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from cxm.domain import loop as domain
from cxm.services.loop import notifications
from cxm.services.loop.cases import CaseSpec, case_link, create_cases, load_routing
from cxm.services.loop.messages import message
from cxm.services.runtime import Runtime

if TYPE_CHECKING:
    from cxm.services.loop.standards import Compliance


def _format(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def raise_breaches(rt: Runtime, failing: Sequence[Compliance], as_of: datetime) -> int:
    if not failing:
        return 0
    month = f"{as_of:%Y-%m}"
    tp_departments = {t.key: t.department for _, _, t in rt.taxonomy.touchpoints()}
    raised = 0
    with rt.db.write() as conn:
        routing = load_routing(conn)
        for item in failing:
            s = item.standard
            dimension = s.scope_dimension
            touchpoint = item.scope_value if dimension == "touchpoint" else None
            department = item.scope_value if dimension == "department" else None
            route = domain.route_case(
                routing, touchpoint=touchpoint, department=department,
                touchpoint_departments=tp_departments,
            )  # fmt: skip
            key = f"standard:{s.id}:{item.scope_value}:{month}"
            spec = CaseSpec(
                key=key,
                title=f"{s.name_pl} / {s.name_en}: {dimension}={item.scope_value} "
                f"{_format(item.value)} (target {s.target:g}, n={item.n})",
                kind="standard",
                source="standard",
                priority="high",
                touchpoint=touchpoint,
                channel=item.scope_value if dimension == "channel" else None,
                department=route.department,
                details={"standard_id": s.id, "value": item.value, "target": s.target},
            )
            ids = create_cases(rt, conn, [spec], as_of)
            if not ids:
                continue
            raised += 1
            subject, text = message(
                rt.settings.default_language, "standard_breached",
                standard=s.name(rt.settings.default_language), scope=item.scope_value,
                value=_format(item.value), target=f"{s.target:g}", window=s.window_days,
                link=case_link(rt, ids[0]),
            )  # fmt: skip
            notifications.enqueue_event(
                conn,
                event="standard.breached",
                key=f"{key}:breached",
                payload={
                    "standard": s.key,
                    "kind": s.kind,
                    "scope_dimension": dimension,
                    "scope_value": item.scope_value,
                    "value": item.value,
                    "n": item.n,
                    "target": s.target,
                    "window_days": s.window_days,
                    "case_id": ids[0],
                },
                now=as_of,
                emails=[(route.manager_email or "", subject, text)],
                case_id=ids[0],
            )
    return raised
