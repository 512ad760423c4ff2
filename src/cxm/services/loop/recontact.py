"""Closing the loop: the customer's one-question recontact survey after a resolved case
(a signed link in the follow-up e-mail). The answer is stored as an ordinary response
(source ``survey``) of the same touch-point, so it counts in every report, and noted on the
case. The survey area (issue 3) may replace this page with a full survey later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from cxm.domain.errors import Conflict, ValidationFailed
from cxm.services import ingest
from cxm.services.loop.cases import CUSTOMERS, _event, verify_recontact_token
from cxm.services.loop.clock import utc_now
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls


def recontact_case(rt: Runtime, token: str) -> dict[str, Any]:
    """The case behind a recontact link (NotFound for a forged or unknown link)."""
    case_id = verify_recontact_token(rt, token)
    with rt.db.read() as conn:
        row = ls.case_row(conn, case_id)
    if row is None:
        from cxm.domain.errors import NotFound

        raise NotFound("unknown or expired link")
    return row


def record_recontact(
    rt: Runtime, token: str, nps: int, comment: str | None, *, now: datetime | None = None
) -> dict[str, Any]:
    case = recontact_case(rt, token)
    if not 0 <= nps <= 10:
        raise ValidationFailed("choose 0–10", field="nps")
    now = now or utc_now()
    with rt.db.read() as conn:
        customer = conn.execute(
            select(CUSTOMERS.c.external_id).where(CUSTOMERS.c.id == case["customer_id"])
        ).scalar()
        done = conn.execute(
            select(ls.EVENTS.c.id).where(
                ls.EVENTS.c.case_id == case["id"], ls.EVENTS.c.kind == "recontact"
            )
        ).first()
    if done is not None:
        raise Conflict("thank you — this answer was already recorded", field="nps")
    record: dict[str, Any] = {
        "external_id": f"recontact-{case['id']}",
        "source": "survey",
        "responded_at": now.isoformat(),
        "nps": nps,
        "comment": (comment or "").strip() or None,
        "touchpoint": case["touchpoint"],
        "department": case["department"],
    }
    if customer:
        record["customer_external_id"] = customer
    result = ingest.ingest_response(rt, record)
    with rt.db.write() as conn:
        conn.execute(
            ls.EVENTS.insert().values(
                _event(case["id"], now, "customer", "recontact", None, str(nps), record["comment"])
            )
        )
    return result
