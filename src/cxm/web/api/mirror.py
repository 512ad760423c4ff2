"""API: the analytical mirror — its state (anyone logged in), a refresh (admin, analyst)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from cxm.services import mirror as mirror_service
from cxm.web.deps import AnalystDep, PrincipalDep, RuntimeDep

router = APIRouter(tags=["mirror"])


@router.get("/mirror", summary="Rows, watermark, age and lag of every mirrored table")
async def get_mirror(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    status = await run_in_threadpool(mirror_service.mirror_status, rt)
    return status.to_dict()


@router.post("/mirror/refresh", summary="Copy every change past the watermarks (admin, analyst)")
async def post_mirror_refresh(rt: RuntimeDep, principal: AnalystDep) -> dict[str, Any]:
    status = await run_in_threadpool(mirror_service.refresh_mirror, rt)
    return status.to_dict()
