"""Invitations: one-time links tied to a survey version and, when there is one, to the
interaction that caused them (its touch-point and all seven dimensions are copied, so the
response lands with them)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from cxm.domain.dimensions import SEVEN_DIMENSIONS
from cxm.domain.errors import UnknownReference, ValidationFailed
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer, tokens
from cxm.store import bulk
from cxm.store import surveys_invitations as store
from cxm.store.bulk import utc_now

CONTEXT_COLUMNS = ("journey", "stage", "touchpoint", *SEVEN_DIMENSIONS, "employee_id")
CHANNELS = ("email", "link", "qr", "embed", "manual")


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def invitation_link(rt: Runtime, nonce: str, expires_at: datetime) -> str:
    token = tokens.sign_invitation(rt.settings, nonce, expires_at)
    return f"{rt.settings.public_base_url.rstrip('/')}/s/{token}"


def context_of(
    rt: Runtime, interaction: dict[str, Any], customer: dict[str, Any]
) -> dict[str, Any]:
    """Touch-point and dimensions of the response to come: the interaction's, then the
    customer's segment and lifecycle stage, then the taxonomy's placement of the touch-point."""
    context = {name: interaction.get(name) for name in CONTEXT_COLUMNS}
    context["segment"] = context["segment"] or customer.get("segment")
    context["lifecycle_stage"] = context["lifecycle_stage"] or customer.get("lifecycle_stage")
    touchpoint = context.get("touchpoint")
    if touchpoint:
        for journey, stage, tp in rt.taxonomy.touchpoints():
            if tp.key == touchpoint:
                context["journey"] = context["journey"] or journey.key
                context["stage"] = context["stage"] or stage.key
                context["department"] = context["department"] or tp.department
                break
    return context


def invitation_row(
    survey: dict[str, Any],
    *,
    now: datetime,
    send_after: datetime,
    channel: str,
    language: str,
    context: dict[str, Any],
    customer_id: int | None = None,
    interaction_id: int | None = None,
    email: str | None = None,
    rule_id: int | None = None,
) -> dict[str, Any]:
    expiry = timedelta(days=int(survey["distribution"].get("expiry_days", 14)))
    return {
        "nonce": new_nonce(),
        "survey_id": survey["id"],
        "version": survey["current_version"],
        "rule_id": rule_id,
        "customer_id": customer_id,
        "interaction_id": interaction_id,
        "touchpoint": context.get("touchpoint"),
        "context": {**context, "survey_key": survey["key"]},
        "channel": channel,
        "language": language,
        "email": email,
        "status": "scheduled" if channel == "email" else "created",
        "created_at": now,
        "send_after": send_after,
        "expires_at": send_after + expiry,
    }


def invite(
    rt: Runtime,
    survey_key: str,
    *,
    customer_external_id: str | None = None,
    interaction_external_id: str | None = None,
    email: str | None = None,
    language: str | None = None,
    channel: str = "email",
    send_after: datetime | None = None,
) -> dict[str, Any]:
    """One invitation by hand (API, CLI); returns its id and link. E-mail invitations are
    sent by the next send run (``cxm surveys send`` or the server's scheduler)."""
    survey = designer.get_customer_survey(rt, survey_key)
    designer.live_definition(rt, survey)
    if channel not in CHANNELS:
        raise ValidationFailed(
            f"channel '{channel}' is not one of {', '.join(CHANNELS)}", field="channel"
        )
    interaction: dict[str, Any] = {}
    customer: dict[str, Any] = {}
    if interaction_external_id:
        wanted = ("id", "customer_id", *CONTEXT_COLUMNS)
        hit = bulk.lookup_rows(rt.db, "interactions", [interaction_external_id], wanted)
        if interaction_external_id not in hit:
            raise UnknownReference("no interaction with this external id", field="interaction")
        interaction = dict(zip(wanted, hit[interaction_external_id], strict=True))
    customer_id = interaction.get("customer_id")
    if customer_external_id or customer_id:
        found = store.fetch_customer(
            rt.db, external_id=customer_external_id, customer_id=customer_id
        )
        if found is None:
            raise UnknownReference("no customer with this external id", field="customer")
        customer = found
    address = email or customer.get("email")
    if channel == "email" and not address:
        raise ValidationFailed("an e-mail invitation needs an address", field="email")
    lang = (
        language or customer.get("language") or survey["distribution"].get("default_language", "pl")
    )
    now = utc_now()
    row = invitation_row(
        survey,
        now=now,
        send_after=send_after or now,
        channel=channel,
        language=lang if lang in ("pl", "en") else "pl",
        context=context_of(rt, interaction, customer),
        customer_id=customer.get("id"),
        interaction_id=interaction.get("id"),
        email=address,
    )
    (invitation_id,) = store.insert_invitations(rt.db, [row])
    return {
        "id": invitation_id,
        "survey": survey_key,
        "version": row["version"],
        "channel": channel,
        "language": row["language"],
        "send_after": row["send_after"].isoformat(),
        "expires_at": row["expires_at"].isoformat(),
        "link": invitation_link(rt, row["nonce"], row["expires_at"]),
    }
