"""Helpers of the survey tests: definitions of every question type, a published survey,
customers and interactions with known consent, and reading tokens from links."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cxm.services.runtime import Runtime
from cxm.services.surveys import designer
from factories import insert_rows

CSAT_SURVEY: dict[str, Any] = {
    "title": {"pl": "Rozmowa z infolinią", "en": "Your call with our hotline"},
    "intro": {"pl": "Dwa krótkie pytania.", "en": "Two short questions."},
    "thank_you": {"pl": "Dziękujemy bardzo!", "en": "Thank you very much!"},
    "questions": [
        {"key": "csat", "type": "csat", "required": True,
         "text": {"pl": "Jak oceniasz rozmowę?", "en": "How satisfied are you with the call?"}},
        {"key": "why", "type": "text",
         "show_if": [{"question": "csat", "op": "lte", "value": 3}],
         "text": {"pl": "Co poszło nie tak?", "en": "What went wrong?"}},
        {"key": "feel", "type": "emotion",
         "text": {"pl": "Jak się czułeś po rozmowie?", "en": "How did the call make you feel?"}},
    ],
}  # fmt: skip

ALL_TYPES: dict[str, Any] = {
    "title": {"pl": "Wszystkie typy", "en": "Every type"},
    "questions": [
        {"key": "q_nps", "type": "nps", "required": True, "text": {"pl": "NPS", "en": "NPS"}},
        {"key": "q_csat", "type": "csat", "text": {"pl": "CSAT", "en": "CSAT"}},
        {"key": "q_ces", "type": "ces", "text": {"pl": "CES", "en": "CES"}},
        {"key": "q_rating", "type": "rating", "scale_min": 1, "scale_max": 10,
         "text": {"pl": "Ocena", "en": "Rating"}},
        {"key": "q_single", "type": "single", "text": {"pl": "Jeden", "en": "One"},
         "choices": [{"key": "a", "text": {"pl": "A", "en": "A"}},
                     {"key": "b", "text": {"pl": "B", "en": "B"}}]},
        {"key": "q_multi", "type": "multiple", "text": {"pl": "Wiele", "en": "Many"},
         "choices": [{"key": "x", "text": {"pl": "X", "en": "X"}},
                     {"key": "y", "text": {"pl": "Y", "en": "Y"}},
                     {"key": "z", "text": {"pl": "Z", "en": "Z"}}]},
        {"key": "q_text", "type": "text", "text": {"pl": "Komentarz", "en": "Comment"}},
        {"key": "q_emotion", "type": "emotion", "text": {"pl": "Emocja", "en": "Emotion"}},
    ],
}  # fmt: skip

NPS_ONLY: dict[str, Any] = {
    "title": {"pl": "Polecenie", "en": "Recommendation"},
    "questions": [
        {"key": "nps", "type": "nps", "required": True,
         "text": {"pl": "Polecisz?", "en": "Recommend?"}},
        {"key": "comment", "type": "text", "text": {"pl": "Dlaczego?", "en": "Why?"}},
    ],
}  # fmt: skip


def publish(
    rt: Runtime, key: str, definition: dict[str, Any], **distribution: Any
) -> dict[str, Any]:
    designer.create_survey(rt, key, key, definition, distribution=distribution or None)
    return designer.publish_survey(rt, key)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1].split("?")[0]


def seed_customers_and_interactions(
    rt: Runtime,
    customers: int,
    interactions: int,
    *,
    start: datetime,
    touchpoints: tuple[str, ...] = ("hotline", "invoice", "store_sale"),
    minutes_apart: int = 37,
) -> None:
    """Customers ``c0…``: every 5th without consent, every 7th without an address; each
    interaction ``i0…`` belongs to customer ``k % customers`` at a rotating touch-point."""
    rows = [
        {
            "external_id": f"c{i}",
            "name": f"Klient {i}",
            "email": None if i % 7 == 3 else f"c{i}@example.test",
            "language": "en" if i % 4 == 0 else "pl",
            "segment": ("young", "family", "senior")[i % 3],
            "lifecycle_stage": "active",
            "consent_email": i % 5 != 2,
            "consent_survey": i % 5 != 2,
            "created_at": start,
            "updated_at": start,
        }
        for i in range(customers)
    ]
    insert_rows(rt, "customers", rows)
    rows = [
        {
            "external_id": f"i{k}",
            "customer_id": k % customers + 1,
            "occurred_at": start + timedelta(minutes=k * minutes_apart),
            "touchpoint": touchpoints[k % len(touchpoints)],
            "channel": "call_center" if k % 2 else "store",
            "product": "tv",
            "department": "customer_service",
            "process": "support",
            "transaction_type": "inquiry",
            "segment": None,
            "lifecycle_stage": None,
            "outcome": "resolved",
        }
        for k in range(interactions)
    ]
    insert_rows(rt, "interactions", rows)
