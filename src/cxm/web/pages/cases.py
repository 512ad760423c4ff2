"""The case inbox (an agent's view: my and unassigned open cases; a manager's view: the
department's cases with breaches and a per-owner summary) with filters and bulk actions, a
form to open a case by hand, and the case page with SLA clocks, history, actions and the
customer's context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain import loop as loop_domain
from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.services.loop import cases as case_service
from cxm.services.loop import complaints, context
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render

router = APIRouter()
Worker = Depends(require_roles("admin", "analyst", "manager", "agent"))
STATUS_NAMES = {
    "new": N_("new"),
    "acknowledged": N_("acknowledged"),
    "in_progress": N_("in progress"),
    "waiting_customer": N_("waiting for customer"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
PRIORITY_NAMES = {
    "low": N_("low"),
    "normal": N_("normal"),
    "high": N_("high"),
    "critical": N_("critical"),
}
KIND_NAMES = {"feedback": N_("feedback"), "complaint": N_("complaint"), "standard": N_("standard")}
CAUSE_NAMES = {
    "process": N_("process"),
    "people": N_("people"),
    "product": N_("product"),
    "system": N_("system"),
    "communication": N_("communication"),
    "price": N_("price"),
    "partner": N_("partner"),
    "customer": N_("customer"),
    "other": N_("other"),
}


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    selected: bool


@dataclass(frozen=True)
class CaseRow:
    id: int
    title: str
    status: str
    status_key: str
    priority: str
    priority_key: str
    kind: str
    department: str
    owner: str
    opened: str
    first_due: str
    resolution_due: str
    breached: bool
    escalation_level: int


@dataclass(frozen=True)
class OwnerLoad:
    owner: str
    open: int
    breached: int


@dataclass(frozen=True)
class InboxContext:
    view: str
    rows: tuple[CaseRow, ...]
    statuses: tuple[Option, ...]
    priorities: tuple[Option, ...]
    kinds: tuple[Option, ...]
    departments: tuple[Option, ...]
    touchpoints: tuple[Option, ...]
    owner: str
    breached_only: bool
    mine: bool
    open_count: int
    breached_count: int
    by_owner: tuple[OwnerLoad, ...]
    message: str | None


def name_of(language: str, names: dict[str, str], key: str | None) -> str:
    """A key's translated name from ``names`` (the key itself when unnamed, — when None)."""
    return i18n.gettext(language, names[key]) if key in names else (key or "—")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _row(row: dict[str, Any], language: str, dept_labels: dict[str, str]) -> CaseRow:
    return CaseRow(
        id=row["id"],
        title=row["title"],
        status=name_of(language, STATUS_NAMES, row["status"]),
        status_key=row["status"],
        priority=name_of(language, PRIORITY_NAMES, row["priority"]),
        priority_key=row["priority"],
        kind=name_of(language, KIND_NAMES, row["kind"]),
        department=dept_labels.get(row["department"] or "", row["department"] or "—"),
        owner=row["owner"] or "—",
        opened=_when(row["opened_at"]),
        first_due=_when(row["first_response_due"]),
        resolution_due=_when(row["resolution_due"]),
        breached=bool(row["first_response_breached_at"] or row["resolution_breached_at"]),
        escalation_level=row["escalation_level"],
    )


def _options(names: dict[str, str], chosen: str | None, language: str) -> tuple[Option, ...]:
    return tuple(Option(k, i18n.gettext(language, v), k == chosen) for k, v in names.items())


@router.get("/cases", response_class=Response, include_in_schema=False)
async def inbox_page(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Worker,
    view: str | None = None,
    status: str | None = None,
    priority: str | None = None,
    kind: str | None = None,
    department: str | None = None,
    owner: str | None = None,
    breached: int = 0,
    mine: int | None = None,
) -> Response:
    view = view if view in ("agent", "manager") else (
        "agent" if principal.role == "agent" else "manager"
    )  # fmt: skip
    mine_flag = bool(mine if mine is not None else view == "agent")
    rows = await call_service(
        rt, case_service.list_cases, rt, principal, status=status or None,
        priority=priority or None, kind=kind or None, department=department or None,
        owner=owner or None,
        breached=True if breached else None, open_only=view == "agent" and not status,
        limit=500,
    )  # fmt: skip
    if mine_flag:
        rows = [r for r in rows if r["owner"] in (None, principal.username)]
    everything = await call_service(
        rt, case_service.list_cases, rt, principal, open_only=True, limit=5000
    )
    loads: dict[str, list[int]] = {}
    for r in everything:
        load = loads.setdefault(r["owner"] or "—", [0, 0])
        load[0] += 1
        load[1] += bool(r["first_response_breached_at"] or r["resolution_breached_at"])
    dept_labels = rt.taxonomy.labels("department", language)
    ctx = InboxContext(
        view=view,
        rows=tuple(_row(r, language, dept_labels) for r in rows),
        statuses=_options(STATUS_NAMES, status, language),
        priorities=_options(PRIORITY_NAMES, priority, language),
        kinds=_options(KIND_NAMES, kind, language),
        departments=tuple(
            Option(k, label, k == department)
            for k, label in dept_labels.items()
            if principal.department_scope is None or k in principal.department_scope
        ),
        touchpoints=tuple(
            Option(k, label, False)
            for k, label in rt.taxonomy.labels("touchpoint", language).items()
        ),
        owner=owner or "",
        breached_only=bool(breached),
        mine=mine_flag,
        open_count=len(everything),
        breached_count=sum(v[1] for v in loads.values()),
        by_owner=tuple(OwnerLoad(k, v[0], v[1]) for k, v in sorted(loads.items()))
        if view == "manager"
        else (),
        message=request.query_params.get("message"),
    )
    chrome = build_chrome(request, principal, language, N_("Cases"))
    return render(request, "cases.html", chrome, ctx)


@router.post("/cases/new", response_class=Response, include_in_schema=False)
async def open_case(
    rt: RuntimeDep,
    principal: Principal = Worker,
    title: str = Form(...),
    department: str = Form(""),
    touchpoint: str = Form(""),
    priority: str = Form("normal"),
    kind: str = Form("feedback"),
    customer: str = Form(""),
) -> Response:
    """Open a case by hand (as ``POST /api/v1/cases``), then show it."""
    row = await call_service(
        rt, case_service.open_case, rt, principal, title=title,
        department=department or None, touchpoint=touchpoint or None, priority=priority,
        kind=kind, customer_external_id=customer.strip() or None,
    )  # fmt: skip
    return RedirectResponse(f"/cases/{row['id']}", status_code=303)


@router.post("/cases/bulk", response_class=Response, include_in_schema=False)
async def bulk_action(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Worker,
    action: str = Form(...),
    value: str = Form(""),
    back: str = Form("/cases"),
) -> Response:
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
    chosen = value.strip() or None
    result = await call_service(
        rt, case_service.bulk_update, rt, ids, principal,
        status=chosen if action == "status" else None,
        owner=chosen if action == "owner" else None,
        priority=chosen if action == "priority" else None,
    )  # fmt: skip
    text = i18n.gettext(language, N_("Updated: {done}, refused: {refused}")).format(
        done=len(result["updated"]), refused=len(result["refused"])
    )
    target = back if back.startswith("/cases") else "/cases"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode({'message': text})}", status_code=303)


@dataclass(frozen=True)
class EventView:
    at: str
    actor: str
    kind: str
    change: str
    text: str


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    done: bool


@dataclass(frozen=True)
class CaseContext:
    case: CaseRow
    source: str
    touchpoint: str
    channel: str
    segment: str
    manager: str
    root_cause: str
    resolution: str
    first_response_at: str
    first_breached: bool
    resolution_breached: bool
    next_statuses: tuple[Option, ...]
    causes: tuple[Option, ...]
    checklist: tuple[ChecklistItem, ...]
    events: tuple[EventView, ...]
    complaint: dict[str, Any] | None
    customer: dict[str, Any] | None
    interactions: tuple[dict[str, Any], ...]
    responses: tuple[dict[str, Any], ...]
    previous_cases: tuple[dict[str, Any], ...]
    error: str | None


@router.get("/cases/{case_id}", response_class=Response, include_in_schema=False)
async def case_page(
    request: Request,
    case_id: int,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Worker,
    error: str | None = None,
) -> Response:
    data = await call_service(rt, context.case_context, rt, case_id, principal)
    case = data["case"]
    dept_labels = rt.taxonomy.labels("department", language)
    tp_labels = rt.taxonomy.labels("touchpoint", language)
    events = tuple(
        EventView(
            at=_when(e["at"]),
            actor=e["actor"] or "cxm",
            kind=e["kind"],
            change=" → ".join(v for v in (e["from_value"], e["to_value"]) if v),
            text=e["text"] or "",
        )
        for e in case["events"]
    )
    ctx = CaseContext(
        case=_row(case, language, dept_labels),
        source=case["source"],
        touchpoint=tp_labels.get(case["touchpoint"] or "", case["touchpoint"] or "—"),
        channel=case["channel"] or "—",
        segment=case["segment"] or "—",
        manager=case["manager"] or "—",
        root_cause=case["root_cause"] or "",
        resolution=case["resolution"] or "",
        first_response_at=_when(case["first_response_at"]),
        first_breached=case["first_response_breached_at"] is not None,
        resolution_breached=case["resolution_breached_at"] is not None,
        next_statuses=tuple(
            Option(s, i18n.gettext(language, STATUS_NAMES[s]), False)
            for s in loop_domain.TRANSITIONS.get(case["status"], ())
        ),
        causes=_options(CAUSE_NAMES, case["root_cause"], language),
        checklist=tuple(
            ChecklistItem(i["key"], bool(i["done"]))
            for i in (case["checklist"] or {}).get("items", [])
        ),
        events=events,
        complaint=case["complaint"],
        customer=data["customer"],
        interactions=tuple(data["interactions"]),
        responses=tuple(data["responses"]),
        previous_cases=tuple(data["previous_cases"]),
        error=error,
    )
    chrome = build_chrome(request, principal, language, N_("Case"))
    return render(request, "case.html", chrome, ctx)


def _back(case_id: int, error: CxmError | None = None) -> Response:
    suffix = f"?{urlencode({'error': error.message})}" if error else ""
    return RedirectResponse(f"/cases/{case_id}{suffix}", status_code=303)


@router.post("/cases/{case_id}/act", response_class=Response, include_in_schema=False)
async def case_action(
    request: Request,
    case_id: int,
    rt: RuntimeDep,
    principal: Principal = Worker,
    action: str = Form(...),
) -> Response:
    form = await request.form()

    def field(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    try:
        if action == "status":
            await call_service(rt, case_service.change_status, rt, case_id, field("status"),
                               principal, note=field("note") or None)  # fmt: skip
        elif action == "note":
            await call_service(rt, case_service.add_note, rt, case_id, field("text"), principal)
        elif action == "update":
            await call_service(
                rt, case_service.update_case, rt, case_id, principal,
                root_cause=field("root_cause") or None, resolution=field("resolution") or None,
                owner=field("owner") or None,
                checklist_done=[str(v) for v in form.getlist("checklist")],
            )  # fmt: skip
        elif action == "complaint_answer":
            await call_service(rt, complaints.respond_to_complaint, rt, case_id, principal,
                               field("text"))  # fmt: skip
        elif action == "complaint_assess":
            await call_service(
                rt, complaints.record_assessment, rt, case_id, principal,
                assessment=field("assessment") or None,
                cause_category=field("cause_category") or None,
                cause_analysis=field("cause_analysis") or None,
            )  # fmt: skip
    except CxmError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _back(case_id, exc)
    return _back(case_id)
