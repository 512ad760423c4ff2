"""API: cases of the closed loop — list (filters), open, read with the customer's context,
change status, notes, root cause / resolution / owner / checklist, bulk actions, complaint
steps (assessment, answer), alert rules and routing.

Managers and agents see and act on their own department's cases only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from cxm.services.loop import cases, complaints, context, rules, setup
from cxm.web.deps import AdminDep, PrincipalDep, RuntimeDep, call_service

router = APIRouter(tags=["cases"])


class CaseIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    department: str | None = None
    touchpoint: str | None = None
    priority: str = "normal"
    kind: str = "feedback"
    customer_external_id: str | None = None


class StatusIn(BaseModel):
    status: str
    note: str | None = None


class NoteIn(BaseModel):
    text: str = Field(min_length=1)


class CaseUpdateIn(BaseModel):
    root_cause: str | None = None
    resolution: str | None = None
    owner: str | None = None
    priority: str | None = None
    checklist_done: list[str] | None = None


class BulkIn(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=500)
    status: str | None = None
    owner: str | None = None
    priority: str | None = None


class AssessmentIn(BaseModel):
    assessment: str | None = None
    cause_category: str | None = None
    cause_analysis: str | None = None


class AnswerIn(BaseModel):
    text: str = Field(min_length=1)


class RuleIn(BaseModel):
    name: str
    kind: str
    priority: str = "normal"
    scope: dict[str, list[str]] = {}
    params: dict[str, Any] = {}
    complaint: bool = False


class ActiveIn(BaseModel):
    active: bool


class RouteIn(BaseModel):
    department: str
    touchpoint: str | None = None
    owner: str | None = None
    owner_email: str | None = None
    manager: str | None = None
    manager_email: str | None = None


def _json(value: Any) -> Any:
    return jsonable_encoder(value)


@router.get("/cases", summary="Cases, newest first (filters: status, department, owner …)")
async def list_cases(
    rt: RuntimeDep,
    principal: PrincipalDep,
    status: str | None = None,
    department: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    kind: str | None = None,
    breached: bool | None = None,
    open_only: bool = False,
    limit: int = 200,
) -> dict[str, Any]:
    rows = await call_service(
        rt, cases.list_cases, rt, principal, status=status, department=department, owner=owner,
        priority=priority, kind=kind, breached=breached, open_only=open_only,
        limit=max(1, min(limit, 1000)),
    )  # fmt: skip
    return {"cases": _json(rows)}


@router.post("/cases", status_code=201, summary="Open a case by hand")
async def open_case(rt: RuntimeDep, principal: PrincipalDep, body: CaseIn) -> dict[str, Any]:
    row = await call_service(rt, cases.open_case, rt, principal, **body.model_dump())
    return {"case": _json(row)}


@router.get("/cases/{case_id}", summary="A case with its history and the customer's context")
async def get_case(rt: RuntimeDep, principal: PrincipalDep, case_id: int) -> dict[str, Any]:
    return _json(await call_service(rt, context.case_context, rt, case_id, principal))


@router.post("/cases/{case_id}/status", summary="Move a case (in_progress reopens)")
async def change_status(
    rt: RuntimeDep, principal: PrincipalDep, case_id: int, body: StatusIn
) -> dict[str, Any]:
    row = await call_service(
        rt, cases.change_status, rt, case_id, body.status, principal, note=body.note
    )
    return {"case": _json(row)}


@router.post("/cases/{case_id}/notes", status_code=201, summary="Add a note")
async def add_note(
    rt: RuntimeDep, principal: PrincipalDep, case_id: int, body: NoteIn
) -> dict[str, str]:
    await call_service(rt, cases.add_note, rt, case_id, body.text, principal)
    return {"status": "ok"}


@router.patch("/cases/{case_id}", summary="Root cause, resolution, owner, priority, checklist")
async def update_case(
    rt: RuntimeDep, principal: PrincipalDep, case_id: int, body: CaseUpdateIn
) -> dict[str, Any]:
    row = await call_service(rt, cases.update_case, rt, case_id, principal, **body.model_dump())
    return {"case": _json(row)}


@router.post("/cases/bulk", summary="One action on many cases")
async def bulk(rt: RuntimeDep, principal: PrincipalDep, body: BulkIn) -> dict[str, Any]:
    result = await call_service(
        rt, cases.bulk_update, rt, body.ids, principal, status=body.status, owner=body.owner,
        priority=body.priority,
    )  # fmt: skip
    return _json(result)


@router.post("/cases/{case_id}/complaint/assessment", summary="Complaint: assessment, causes")
async def assess(
    rt: RuntimeDep, principal: PrincipalDep, case_id: int, body: AssessmentIn
) -> dict[str, Any]:
    record = await call_service(
        rt, complaints.record_assessment, rt, case_id, principal, **body.model_dump()
    )
    return {"complaint": _json(record)}


@router.post("/cases/{case_id}/complaint/answer", summary="Complaint: answer the customer")
async def answer(
    rt: RuntimeDep, principal: PrincipalDep, case_id: int, body: AnswerIn
) -> dict[str, Any]:
    record = await call_service(
        rt, complaints.respond_to_complaint, rt, case_id, principal, body.text
    )
    return {"complaint": _json(record)}


@router.get("/complaints/causes", summary="Complaints per department and cause category")
async def causes(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return {"rows": _json(await call_service(rt, complaints.cause_analysis, rt, principal))}


@router.get("/loop/rules", summary="Alert rules")
async def list_rules(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return {"rules": _json(await call_service(rt, rules.list_rules, rt))}


@router.post("/loop/rules", status_code=201, summary="Add an alert rule")
async def add_rule(rt: RuntimeDep, principal: AdminDep, body: RuleIn) -> dict[str, int]:
    rule_id = await call_service(
        rt, rules.add_rule, rt, body.name, body.kind, priority=body.priority, scope=body.scope,
        params=body.params, complaint=body.complaint,
    )  # fmt: skip
    return {"id": rule_id}


@router.put("/loop/rules/{rule_id}/active", summary="Switch an alert rule on or off")
async def set_rule_active(
    rt: RuntimeDep, principal: AdminDep, rule_id: int, body: ActiveIn
) -> dict[str, bool]:
    await call_service(rt, rules.set_rule_active, rt, rule_id, body.active)
    return {"active": body.active}


@router.get("/loop/routing", summary="Routing rules (touch-point → department → owner)")
async def list_routes(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return {"routes": _json(await call_service(rt, setup.list_routes, rt))}


@router.post("/loop/routing", status_code=201, summary="Add a routing rule")
async def add_route(rt: RuntimeDep, principal: AdminDep, body: RouteIn) -> dict[str, int]:
    data = body.model_dump()
    department = data.pop("department")
    return {"id": await call_service(rt, setup.add_route, rt, department, **data)}


@router.delete("/loop/routing/{route_id}", status_code=204, summary="Remove a routing rule")
async def remove_route(rt: RuntimeDep, principal: AdminDep, route_id: int) -> None:
    await call_service(rt, setup.remove_route, rt, route_id)
