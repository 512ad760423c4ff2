"""The Closed loop page: the alert rules that open cases, the routing of cases to departments
and owners (admins add both, switch rules on and off and remove routes, as the API's
``/loop/rules`` and ``/loop/routing`` do), and the complaints per department and cause
category (``GET /api/v1/complaints/causes``) as a chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain import loop as loop_domain
from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.services.loop import complaints, rules, setup
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import layout
from cxm.web.pages.base import PAGE_ROLES, build_chrome, render
from cxm.web.pages.cases import CAUSE_NAMES, PRIORITY_NAMES, Option, name_of
from cxm.web.pages.filters import allowed_values, dimension_name, value_label

router = APIRouter()
Reader = Depends(require_roles(*PAGE_ROLES["/loop"]))
Admin = Depends(require_roles("admin"))
NOT_ASSESSED = N_("not assessed yet")
KIND_NAMES = {
    "detractor": N_("Detractor (NPS at most max_nps)"),
    "low_csat": N_("Low CSAT (at most max_csat)"),
    "high_effort": N_("High effort (CES at least min_ces)"),
    "negative_emotion": N_("Negative emotion (emotions over threshold)"),
    "churn_words": N_("Churn words in the comment"),
    "control_limit": N_("A metric below its control limit"),
}


@dataclass(frozen=True)
class RuleView:
    id: int
    name: str
    kind: str
    priority: str
    scope: str
    params: str
    complaint: bool
    active: bool


@dataclass(frozen=True)
class RouteView:
    id: int
    department: str
    touchpoint: str
    owner: str
    manager: str


@dataclass(frozen=True)
class CauseView:
    department: str
    cause: str
    complaints: int


@dataclass(frozen=True)
class LoopContext:
    can_edit: bool
    rules: tuple[RuleView, ...]
    routes: tuple[RouteView, ...]
    causes: tuple[CauseView, ...]
    kinds: tuple[Option, ...]
    priorities: tuple[Option, ...]
    dimensions: tuple[Option, ...]
    departments: tuple[Option, ...]
    touchpoints: tuple[Option, ...]
    defaults: dict[str, str]
    figure: dict[str, Any]


@router.get("/loop", response_class=Response, include_in_schema=False)
async def loop_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Reader
) -> Response:
    taxonomy = rt.taxonomy
    found = await call_service(rt, rules.list_rules, rt)
    routes = await call_service(rt, setup.list_routes, rt)
    causes = await call_service(rt, complaints.cause_analysis, rt, principal)

    def label(dimension: str, key: str | None) -> str:
        return "—" if key is None else value_label(taxonomy, dimension, key, language)

    def text(names: dict[str, str], key: str | None) -> str:
        return name_of(language, names, key)

    def cause(key: str | None) -> str:
        return text(CAUSE_NAMES, key) if key else i18n.gettext(language, NOT_ASSESSED)

    cause_rows = tuple(
        CauseView(label("department", c["department"]), cause(c["cause_category"]), c["complaints"])
        for c in causes
    )
    ctx = LoopContext(
        can_edit=principal.role == "admin",
        rules=tuple(
            RuleView(
                id=r["id"],
                name=r["name"],
                kind=text(KIND_NAMES, r["kind"]),
                priority=text(PRIORITY_NAMES, r["priority"]),
                scope="; ".join(
                    f"{dimension_name(d, language)}: {', '.join(label(d, k) for k in keys)}"
                    for d, keys in (r["scope"] or {}).items()
                )
                or i18n.gettext(language, "All"),
                params=json.dumps(
                    {**loop_domain.RULE_DEFAULTS.get(r["kind"], {}), **(r["params"] or {})},
                    ensure_ascii=False,
                ),
                complaint=bool(r["complaint"]),
                active=bool(r["active"]),
            )
            for r in found
        ),
        routes=tuple(
            RouteView(
                id=r["id"],
                department=label("department", r["department"]),
                touchpoint=label("touchpoint", r["touchpoint"]),
                owner=" ".join(x for x in (r["owner"], r["owner_email"]) if x) or "—",
                manager=" ".join(x for x in (r["manager"], r["manager_email"]) if x) or "—",
            )
            for r in routes
        ),
        causes=cause_rows,
        kinds=tuple(Option(k, text(KIND_NAMES, k), False) for k in loop_domain.RULE_KINDS),
        priorities=tuple(
            Option(p, text(PRIORITY_NAMES, p), p == "normal") for p in loop_domain.PRIORITIES
        ),
        dimensions=tuple(
            Option(d, dimension_name(d, language), False) for d in loop_domain.SCOPE_DIMENSIONS
        ),
        departments=tuple(
            Option(k, v, False) for k, v in taxonomy.labels("department", language).items()
        ),
        touchpoints=tuple(
            Option(k, v, False) for k, v in taxonomy.labels("touchpoint", language).items()
        ),
        defaults={
            k: json.dumps(v, ensure_ascii=False) for k, v in loop_domain.RULE_DEFAULTS.items()
        },
        figure=_causes_figure(cause_rows),
    )
    chrome = build_chrome(request, principal, language, N_("Closed loop"))
    return render(request, "loop_setup.html", chrome, ctx)


def _causes_figure(causes: tuple[CauseView, ...]) -> dict[str, Any]:
    """Complaints per department, stacked by cause category."""
    departments = list(dict.fromkeys(c.department for c in causes))
    by_cause: dict[str, dict[str, int]] = {}
    for c in causes:
        by_cause.setdefault(c.cause, {})[c.department] = c.complaints
    return {
        "data": [
            {
                "type": "bar",
                "name": cause,
                "x": departments,
                "y": [counts.get(d, 0) for d in departments],
            }
            for cause, counts in by_cause.items()
        ],
        "layout": layout(barmode="stack", height=320, margin={"l": 48, "r": 16, "t": 16, "b": 80}),
    }


@router.post("/loop/rules", response_class=Response, include_in_schema=False)
async def add_rule(
    rt: RuntimeDep,
    principal: Principal = Admin,
    name: str = Form(...),
    kind: str = Form(...),
    priority: str = Form("normal"),
    dimension: str = Form(""),
    values: str = Form(""),
    params: str = Form(""),
    complaint: str = Form(""),
) -> Response:
    """Add an alert rule: one scope dimension with comma-separated keys, parameters as JSON
    (empty: the kind's defaults)."""
    scope: dict[str, list[str]] = {}
    keys = [v.strip() for v in values.split(",") if v.strip()]
    if keys:
        if dimension not in loop_domain.SCOPE_DIMENSIONS:
            raise ValidationFailed(f"unknown scope dimension '{dimension}'", field="dimension")
        known = set(allowed_values(rt.taxonomy, dimension))
        for key in keys:
            if key not in known:
                raise ValidationFailed(f"{dimension}: unknown value '{key}'", field="values")
        scope[dimension] = keys
    try:
        parsed = json.loads(params) if params.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"params: not JSON ({exc.msg})", field="params") from exc
    if not isinstance(parsed, dict):
        raise ValidationFailed("params: a JSON object", field="params")
    await call_service(
        rt, rules.add_rule, rt, name, kind, priority=priority, scope=scope, params=parsed,
        complaint=bool(complaint),
    )  # fmt: skip
    return RedirectResponse("/loop", status_code=303)


@router.post("/loop/rules/{rule_id}/active", response_class=Response, include_in_schema=False)
async def set_rule_active(
    rt: RuntimeDep, rule_id: int, principal: Principal = Admin, active: int = Form(...)
) -> Response:
    await call_service(rt, rules.set_rule_active, rt, rule_id, bool(active))
    return RedirectResponse("/loop", status_code=303)


@router.post("/loop/routing/{route_id}/remove", response_class=Response, include_in_schema=False)
async def remove_route(rt: RuntimeDep, route_id: int, principal: Principal = Admin) -> Response:
    await call_service(rt, setup.remove_route, rt, route_id)
    return RedirectResponse("/loop", status_code=303)


@router.post("/loop/routing", response_class=Response, include_in_schema=False)
async def add_route(
    rt: RuntimeDep,
    principal: Principal = Admin,
    department: str = Form(...),
    touchpoint: str = Form(""),
    owner: str = Form(""),
    owner_email: str = Form(""),
    manager: str = Form(""),
    manager_email: str = Form(""),
) -> Response:
    """Route a touch-point's (or a department's) cases to an owner and a manager."""
    await call_service(
        rt, setup.add_route, rt, department, touchpoint=touchpoint or None,
        owner=owner.strip() or None, owner_email=owner_email.strip() or None,
        manager=manager.strip() or None, manager_email=manager_email.strip() or None,
    )  # fmt: skip
    return RedirectResponse("/loop", status_code=303)
