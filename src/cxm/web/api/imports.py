"""API: batch imports of customers, employees, interactions and responses as JSON, and the
list of recent imports (files and API batches alike). Admins and analysts only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Path, Query
from starlette.concurrency import run_in_threadpool

from cxm.services import ingest
from cxm.web.deps import AnalystDep, RuntimeDep

router = APIRouter(tags=["imports"])

KIND_DESCRIPTION = "What the records are: " + ", ".join(ingest.KINDS)


@router.post(
    "/import/{kind}",
    summary="Import a batch of records (upsert by external_id); rejects are listed per record",
    responses={
        200: {
            "description": "Summary: `status` is completed (all accepted), partial (some "
            "rejected) or rejected (none written); `rejects[].line` is the 1-based position "
            "of the record in the list"
        },
        422: {"description": "Unknown kind, or more records than one call may carry"},
    },
)
async def post_import(
    rt: RuntimeDep,
    principal: AnalystDep,
    kind: str = Path(..., description=KIND_DESCRIPTION),
    records: list[Any] = Body(
        ..., description=f"A JSON array of objects, at most {ingest.MAX_API_RECORDS}"
    ),
) -> dict[str, Any]:
    ingest.check_kind(kind)
    # a batch takes long enough to hold up other requests: always off the event loop
    summary = await run_in_threadpool(
        ingest.import_records, rt, kind, records, source_name=f"api:{principal.username}"
    )
    return summary.to_dict()


@router.get("/imports", summary="Recent imports, newest first")
async def get_imports(
    rt: RuntimeDep,
    principal: AnalystDep,
    limit: int = Query(20, ge=1, le=500),
) -> list[dict[str, Any]]:
    runs = await run_in_threadpool(ingest.recent_imports, rt, limit)
    return [run.to_dict() for run in runs]
