"""API: one feedback response at a time — the fast path for integrations (survey tools,
review feeds, contact-centre systems). Idempotent by ``external_id``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from cxm.services import ingest
from cxm.web.deps import AnalystDep, RuntimeDep, call_service

router = APIRouter(tags=["responses"])

_EXAMPLE = {
    "external_id": "survey-2025-000123",
    "customer_external_id": "C000042",
    "interaction_external_id": "call-88121",
    "responded_at": "2025-03-02T12:00:00+01:00",
    "nps": 9,
    "csat": 5,
    "comment": "Szybko i konkretnie.",
    "q_speed": 5,
}


@router.post(
    "/responses",
    status_code=201,
    summary="Store one response; 201 when new, 200 when its external_id existed (updated)",
    responses={
        200: {"description": "An existing response with this external_id was updated"},
        201: {"description": "Stored: `{id, external_id, created}`"},
        422: {"description": "Invalid: `error.field` names the offending field"},
    },
)
async def post_response(
    rt: RuntimeDep,
    principal: AnalystDep,
    record: Any = Body(..., examples=[_EXAMPLE]),
) -> JSONResponse:
    # async and inline on SQLite: the lock is held for one short insert (DESIGN.md §1)
    stored = await call_service(rt, ingest.ingest_response, rt, record)
    return JSONResponse(stored, status_code=201 if stored["created"] else 200)


@router.get("/responses/{external_id}", summary="One response by its external_id")
async def get_response(rt: RuntimeDep, principal: AnalystDep, external_id: str) -> dict[str, Any]:
    return await call_service(rt, ingest.get_response, rt, external_id)
