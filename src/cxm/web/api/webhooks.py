"""API (administrators): webhooks, the notification outbox, the delivery log, and
replaying dead letters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from cxm.services.loop import notifications
from cxm.web.deps import AdminDep, RuntimeDep, call_service

router = APIRouter(tags=["webhooks"])


class WebhookIn(BaseModel):
    name: str
    url: str
    events: str = "*"


class ReplayIn(BaseModel):
    ids: list[int] | None = None


@router.get("/webhooks", summary="Registered webhooks (secrets hidden)")
async def list_webhooks(rt: RuntimeDep, principal: AdminDep) -> dict[str, Any]:
    return {"webhooks": jsonable_encoder(await call_service(rt, notifications.list_webhooks, rt))}


@router.post("/webhooks", status_code=201, summary="Register a webhook; the secret is shown once")
async def add_webhook(rt: RuntimeDep, principal: AdminDep, body: WebhookIn) -> dict[str, Any]:
    return await call_service(
        rt, notifications.add_webhook, rt, body.name, body.url, events=body.events
    )


@router.delete("/webhooks/{hook_id}", summary="Deactivate a webhook")
async def remove_webhook(rt: RuntimeDep, principal: AdminDep, hook_id: int) -> dict[str, str]:
    await call_service(rt, notifications.remove_webhook, rt, hook_id)
    return {"status": "ok"}


@router.get("/notifications/outbox", summary="Queued, delivered and dead notifications")
async def outbox(rt: RuntimeDep, principal: AdminDep, status: str | None = None) -> dict[str, Any]:
    rows = await call_service(rt, notifications.list_outbox, rt, status=status)
    return {"messages": jsonable_encoder(rows)}


@router.get("/notifications/deliveries", summary="Delivery log (one row per attempt)")
async def deliveries(rt: RuntimeDep, principal: AdminDep) -> dict[str, Any]:
    return {
        "deliveries": jsonable_encoder(await call_service(rt, notifications.list_deliveries, rt))
    }


@router.post("/notifications/replay", summary="Queue dead letters again (all, or by id)")
async def replay(rt: RuntimeDep, principal: AdminDep, body: ReplayIn) -> dict[str, int]:
    return {"replayed": await call_service(rt, notifications.replay_dead, rt, body.ids)}
