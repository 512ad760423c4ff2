"""API: service standards — definitions, evaluating compliance now, and compliance over
time (monthly results per scope value)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxm.services.loop import standards
from cxm.web.deps import AdminDep, PrincipalDep, RuntimeDep, call_service

router = APIRouter(tags=["standards"])


class StandardIn(BaseModel):
    key: str
    kind: str
    target: float
    scope_dimension: str = "department"
    scope_value: str | None = None
    name_pl: str | None = None
    name_en: str | None = None
    window_days: int = 30
    percentile: float = 0.9
    min_n: int = 10


@router.get("/standards", summary="Service standards")
async def list_standards(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    rows = await call_service(rt, standards.load_standards, rt, active_only=False)
    return {"standards": jsonable_encoder([s.__dict__ for s in rows])}


@router.post("/standards", status_code=201, summary="Add a standard")
async def add_standard(rt: RuntimeDep, principal: AdminDep, body: StandardIn) -> dict[str, int]:
    data = body.model_dump()
    key, kind, target = data.pop("key"), data.pop("kind"), data.pop("target")
    return {"id": await call_service(rt, standards.add_standard, rt, key, kind, target, **data)}


@router.post("/standards/evaluate", summary="Measure compliance now; breaches raise cases")
async def evaluate(rt: RuntimeDep, principal: AdminDep) -> dict[str, Any]:
    run = await run_in_threadpool(standards.evaluate_standards, rt)
    return {
        "as_of": run.as_of.isoformat(),
        "breaches": run.breaches,
        "seconds": run.seconds,
        "current": [
            {
                "standard": c.standard.key,
                "scope_value": c.scope_value,
                "value": c.value,
                "n": c.n,
                "target": c.standard.target,
                "met": c.met,
            }
            for c in run.current
        ],
    }


@router.get("/standards/compliance", summary="Monthly compliance per standard and scope value")
async def compliance(
    rt: RuntimeDep,
    principal: PrincipalDep,
    standard_id: int | None = None,
    scope_value: str | None = None,
) -> dict[str, Any]:
    rows = await call_service(
        rt, standards.compliance_history, rt, standard_id=standard_id, scope_value=scope_value
    )
    scope = principal.department_scope
    if scope is not None:
        rows = [
            r for r in rows if r["scope_dimension"] != "department" or r["scope_value"] in scope
        ]
    return {"rows": jsonable_encoder(rows)}
