"""API: the company's CX model (taxonomy). Anyone logged in reads it; admins replace it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from cxm.services.taxonomy import save_taxonomy, taxonomy_as_dict
from cxm.web.deps import AdminDep, PrincipalDep, RuntimeDep, call_service

router = APIRouter(tags=["taxonomy"])


@router.get("/taxonomy", summary="The CX model: journeys, stages, touch-points, dimensions")
async def get_taxonomy(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return taxonomy_as_dict(rt.taxonomy)


@router.put(
    "/taxonomy",
    summary="Replace the CX model (admin); invalid input changes nothing",
    responses={422: {"description": "Invalid model; `error.field` names the key"}},
)
async def put_taxonomy(
    rt: RuntimeDep,
    principal: AdminDep,
    body: dict[str, Any] = Body(..., description="The whole model, as returned by GET"),
) -> dict[str, Any]:
    taxonomy = await call_service(rt, save_taxonomy, rt.settings, body)
    rt.replace_taxonomy(taxonomy)
    return taxonomy_as_dict(taxonomy)
