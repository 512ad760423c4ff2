"""A case's customer context: who the customer is, their recent interactions, their
responses with comments (always redacted), and their previous cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cxm.domain.access import Principal
from cxm.services.loop.cases import get_case
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls
from cxm.store.tables import CommentAnalysis, Customer, Interaction, Response
from cxm.text.redaction import redact

LIMIT = 20


def case_context(rt: Runtime, case_id: int, principal: Principal) -> dict[str, Any]:
    """The case (with its history) and the customer's context."""
    case = get_case(rt, case_id, principal)
    customer_id = case["customer_id"]
    context: dict[str, Any] = {
        "case": case,
        "customer": None,
        "interactions": [],
        "responses": [],
        "previous_cases": [],
    }
    if customer_id is None:
        return context
    c = Customer.__table__.c
    i = Interaction.__table__.c
    r = Response.__table__.c
    a = CommentAnalysis.__table__.c
    with rt.db.read() as conn:
        customer = conn.execute(
            select(
                c.id,
                c.external_id,
                c.name,
                c.segment,
                c.lifecycle_stage,
                c.language,
                c.consent_email,
            ).where(c.id == customer_id)
        ).first()
        context["customer"] = dict(customer._mapping) if customer else None
        context["interactions"] = [
            dict(row._mapping)
            for row in conn.execute(
                select(i.id, i.occurred_at, i.touchpoint, i.channel, i.outcome, i.duration_seconds)
                .where(i.customer_id == customer_id)
                .order_by(i.occurred_at.desc())
                .limit(LIMIT)
            )
        ]
        responses = []
        for row in conn.execute(
            select(
                r.id,
                r.responded_at,
                r.touchpoint,
                r.nps,
                r.csat,
                r.ces,
                r.comment,
                a.redacted_comment,
                a.sentiment,
            )
            .select_from(
                Response.__table__.outerjoin(CommentAnalysis.__table__, a.response_id == r.id)
            )
            .where(r.customer_id == customer_id)
            .order_by(r.responded_at.desc())
            .limit(LIMIT)
        ):
            item = dict(row._mapping)
            original = item.pop("comment")
            item["comment"] = item.pop("redacted_comment") or (
                redact(original) if original else None
            )
            responses.append(item)
        context["responses"] = responses
        context["previous_cases"] = [
            dict(row._mapping)
            for row in conn.execute(
                select(
                    ls.CASES.c.id,
                    ls.CASES.c.title,
                    ls.CASES.c.status,
                    ls.CASES.c.opened_at,
                    ls.CASES.c.department,
                )
                .where(ls.CASES.c.customer_id == customer_id, ls.CASES.c.id != case_id)
                .order_by(ls.CASES.c.opened_at.desc())
                .limit(LIMIT)
            )
        ]
    return context
