"""The effects planted in the demo data: what analysis of the demo must find.

Everything else in the generator is stable over time (seasonality changes volumes, never
scores), so a significance analysis should find these three effects and nothing else.
They are documented in ``docs/demo.md`` and checked by ``tests/integration/test_demo_*``."""

from __future__ import annotations

from datetime import date
from typing import Final

# --- (1) a touch-point that deteriorates after a known date ---------------------------
#: The touch-point hit by a bad release of the mobile app ("Aplikacja 5.0").
DETERIORATING_TOUCHPOINT: Final = "mobile_app_use"
#: From this day (00:00 UTC) on, every experience at the touch-point is worse, and stays so.
DETERIORATION_DATE: Final = date(2025, 5, 12)
#: Shift of the latent satisfaction (standard-deviation units) after the date; it lowers the
#: touch-point's NPS by about 40 points and its CSAT mean by about 0.6.
DETERIORATION_SHIFT: Final = -0.75

# --- (2) one driver dominates relationship NPS -----------------------------------------
#: Attribute questions of the relationship survey (answers ``q_<name>``, ratings 1–5).
RELATIONSHIP_ATTRIBUTES: Final = ("reliability", "price", "staff", "app", "billing")
#: The dominant driver of relationship NPS.
DOMINANT_DRIVER: Final = "reliability"
#: Weights of the (standardised) attributes in the latent loyalty behind relationship NPS.
DRIVER_WEIGHTS: Final = {
    "reliability": 0.85,
    "price": 0.22,
    "staff": 0.18,
    "app": 0.14,
    "billing": 0.12,
}
#: Unexplained part of the latent loyalty (standard deviation).
DRIVER_NOISE: Final = 0.45

# --- (3) a back-office department whose errors cause complaints -------------------------
#: The back-office department whose invoice errors lead to complaints.
ERROR_DEPARTMENT: Final = "billing"
ERROR_PROCESS: Final = "billing_payments"
ERROR_TRANSACTION_TYPE: Final = "complaint"
#: Share of invoices issued with an error (attribute ``invoice_error`` of the interaction).
INVOICE_ERROR_RATE: Final = 0.1
#: Share of erroneous invoices that the customer complains about (1–12 days later).
ERROR_COMPLAINT_RATE: Final = 0.7
#: Latent-satisfaction shift of a response about an erroneous invoice or its complaint.
ERROR_SHIFT: Final = -2.0
