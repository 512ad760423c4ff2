"""API: the survey designer (create, edit, publish, versions), distribution settings, manual
invitations, touch-point links and QR codes, sending, trigger rules with their decision
log, and the invitation funnel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from cxm.domain.errors import ValidationFailed
from cxm.services.surveys import designer, distribution, funnel, invitations, triggers
from cxm.web.deps import AnalystDep, RuntimeDep, call_service

router = APIRouter(tags=["surveys"])

_EXAMPLE = {
    "key": "csat_hotline",
    "name": "CSAT after a hotline call",
    "kind": "transactional",
    "definition": {
        "title": {"pl": "Rozmowa z infolinią", "en": "Your call with our hotline"},
        "questions": [
            {
                "key": "csat",
                "type": "csat",
                "required": True,
                "text": {
                    "pl": "Jak oceniasz rozmowę?",
                    "en": "How satisfied are you with the call?",
                },
            },
            {
                "key": "why",
                "type": "text",
                "show_if": [{"question": "csat", "op": "lte", "value": 3}],
                "text": {"pl": "Co poszło nie tak?", "en": "What went wrong?"},
            },
        ],
    },
}


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object")
    return body


@router.get("/surveys", summary="Every survey (key, name, kind, status, current version)")
async def list_surveys(rt: RuntimeDep, principal: AnalystDep) -> list[dict[str, Any]]:
    rows = await call_service(rt, designer.list_surveys, rt)
    return [{k: r[k] for k in ("key", "name", "kind", "status", "current_version")} for r in rows]


@router.post("/surveys", status_code=201, summary="Create a draft survey")
async def create_survey(
    rt: RuntimeDep, principal: AnalystDep, body: Any = Body(..., examples=[_EXAMPLE])
) -> dict[str, Any]:
    data = _object(body)
    return await call_service(
        rt,
        designer.create_survey,
        rt,
        str(data.get("key", "")),
        str(data.get("name") or data.get("key", "")),
        data.get("definition"),
        kind=str(data.get("kind", "transactional")),
        distribution=data.get("distribution"),
    )


@router.get("/surveys/{key}", summary="A survey: draft definition, distribution, versions")
async def get_survey(rt: RuntimeDep, principal: AnalystDep, key: str) -> dict[str, Any]:
    return await call_service(rt, designer.get_survey, rt, key)


@router.put("/surveys/{key}", summary="Edit a survey (a live survey gets a new version)")
async def update_survey(
    rt: RuntimeDep, principal: AnalystDep, key: str, body: Any = Body(...)
) -> dict[str, Any]:
    data = _object(body)
    return await call_service(
        rt,
        designer.update_survey,
        rt,
        key,
        definition=data.get("definition"),
        name=data.get("name"),
        by=principal.username,
    )


@router.post("/surveys/{key}/publish", summary="Publish the draft as the next version")
async def publish_survey(rt: RuntimeDep, principal: AnalystDep, key: str) -> dict[str, Any]:
    return await call_service(rt, designer.publish_survey, rt, key, principal.username)


@router.post("/surveys/{key}/archive", summary="Stop collecting answers")
async def archive_survey(rt: RuntimeDep, principal: AnalystDep, key: str) -> dict[str, Any]:
    return await call_service(rt, designer.archive_survey, rt, key)


@router.get("/surveys/{key}/versions/{version}", summary="One published version")
async def get_version(
    rt: RuntimeDep, principal: AnalystDep, key: str, version: int
) -> dict[str, Any]:
    survey = await call_service(rt, designer.get_survey, rt, key)
    definition = await call_service(rt, designer.version_definition, rt, survey, version)
    return {"key": key, "version": version, "definition": definition.model_dump(mode="json")}


@router.put("/surveys/{key}/distribution", summary="Expiry, reminder, fatigue, e-mail texts")
async def update_distribution(
    rt: RuntimeDep, principal: AnalystDep, key: str, body: Any = Body(...)
) -> dict[str, Any]:
    survey = await call_service(rt, designer.update_distribution, rt, key, _object(body))
    return dict(survey["distribution"])


@router.post("/surveys/{key}/invitations", status_code=201, summary="Invite one person")
async def create_invitation(
    rt: RuntimeDep, principal: AnalystDep, key: str, body: Any = Body(...)
) -> dict[str, Any]:
    data = _object(body)
    return await call_service(
        rt,
        invitations.invite,
        rt,
        key,
        customer_external_id=data.get("customer_external_id"),
        interaction_external_id=data.get("interaction_external_id"),
        email=data.get("email"),
        language=data.get("language"),
        channel=str(data.get("channel", "email")),
    )


@router.get("/surveys/{key}/links/{touchpoint}", summary="Link, QR link and embed snippet")
async def touchpoint_link(
    rt: RuntimeDep, principal: AnalystDep, key: str, touchpoint: str
) -> dict[str, Any]:
    link = await call_service(rt, distribution.touchpoint_link, rt, key, touchpoint)
    return {
        "url": link.url,
        "qr_url": link.qr_url,
        "embed_url": link.embed_url,
        "snippet": link.snippet,
        "qr_png": f"/api/v1/surveys/{key}/qr/{touchpoint}.png",
        "qr_svg": f"/api/v1/surveys/{key}/qr/{touchpoint}.svg",
    }


@router.get("/surveys/{key}/qr/{touchpoint}.{fmt}", summary="QR code of a touch-point link")
async def qr_code(
    rt: RuntimeDep, principal: AnalystDep, key: str, touchpoint: str, fmt: str
) -> Response:
    data = await call_service(rt, distribution.qr_code, rt, key, touchpoint, fmt)
    media = "image/png" if fmt == "png" else "image/svg+xml"
    name = f"{key}-{touchpoint}.{fmt}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get("/surveys/{key}/funnel", summary="Funnel of one survey per touch-point")
async def survey_funnel(rt: RuntimeDep, principal: AnalystDep, key: str) -> list[dict[str, Any]]:
    rows = await call_service(rt, funnel.survey_funnel, rt, key)
    return [r.as_dict() for r in rows]


@router.get("/survey-funnel", summary="Funnel of every survey per touch-point")
async def all_funnels(rt: RuntimeDep, principal: AnalystDep) -> list[dict[str, Any]]:
    rows = await call_service(rt, funnel.survey_funnel, rt, None)
    return [r.as_dict() for r in rows]


@router.post("/survey-sending/run", summary="Send due invitations and reminders now")
async def run_sending(rt: RuntimeDep, principal: AnalystDep) -> dict[str, int]:
    return await call_service(rt, distribution.send_due, rt)


@router.get("/survey-triggers", summary="Trigger rules")
async def list_rules(rt: RuntimeDep, principal: AnalystDep) -> list[dict[str, Any]]:
    return await call_service(rt, triggers.list_rules, rt)


@router.post("/survey-triggers", status_code=201, summary="Add a trigger rule")
async def create_rule(
    rt: RuntimeDep, principal: AnalystDep, body: Any = Body(...)
) -> dict[str, Any]:
    return await call_service(rt, triggers.create_rule, rt, _object(body))


@router.post("/survey-triggers/run", summary="Judge new interactions against the rules now")
async def run_triggers(rt: RuntimeDep, principal: AnalystDep) -> dict[str, int]:
    return await call_service(rt, triggers.evaluate_triggers, rt)


@router.get("/survey-triggers/decisions", summary="Decision log: invited or skipped and why")
async def decisions(
    rt: RuntimeDep,
    principal: AnalystDep,
    limit: int = Query(200, ge=1, le=5000),
    reason: str | None = None,
) -> dict[str, Any]:
    return await call_service(rt, triggers.list_decisions, rt, limit, reason)


@router.get("/survey-triggers/settings", summary="Global contact-fatigue limit, maximum age")
async def get_settings(rt: RuntimeDep, principal: AnalystDep) -> dict[str, Any]:
    return await call_service(rt, triggers.trigger_settings, rt)


@router.put("/survey-triggers/settings", summary="Change the global limits")
async def put_settings(
    rt: RuntimeDep, principal: AnalystDep, body: Any = Body(...)
) -> dict[str, Any]:
    return await call_service(rt, triggers.update_trigger_settings, rt, _object(body))


@router.put("/survey-triggers/{rule_id}", summary="Change a trigger rule")
async def update_rule(
    rt: RuntimeDep, principal: AnalystDep, rule_id: int, body: Any = Body(...)
) -> dict[str, Any]:
    return await call_service(rt, triggers.update_rule, rt, rule_id, _object(body))


@router.delete("/survey-triggers/{rule_id}", status_code=204, summary="Remove a trigger rule")
async def delete_rule(rt: RuntimeDep, principal: AnalystDep, rule_id: int) -> Response:
    await call_service(rt, triggers.delete_rule, rt, rule_id)
    return Response(status_code=204)
