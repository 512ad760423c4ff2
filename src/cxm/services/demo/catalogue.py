"""The demo company's operating model, written against the default taxonomy's keys: how
often each touch-point happens, through which channels, for which process and transaction
type, with which outcomes, durations and money, and how good each experience usually is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: Everyday touch-point volumes (relative), on top of the buy/start/leave events that follow
#: each customer's own life (acquisition, delivery, activation, cancellation).
TOUCHPOINT_WEIGHTS: Final = {
    "ad_campaign": 6.0, "website_offer": 6.0, "store_sale": 3.0, "online_order": 3.0,
    "telesales": 2.0, "courier_delivery": 1.5, "installation_visit": 1.0,
    "service_activation": 1.5, "welcome_call": 0.5, "invoice": 16.0, "payment": 12.0,
    "mobile_app_use": 12.0, "online_account": 7.0, "hotline": 9.0, "chat_support": 6.0,
    "store_service": 4.0, "fault_repair": 3.0, "technician_visit": 1.5, "complaint": 1.2,
    "retention_offer": 2.0, "contract_renewal": 2.0, "cancellation": 0.3,
}  # fmt: skip

#: How likely an interaction at the touch-point is to be followed by a survey answer
#: (relative; scaled to the size's response target).
SURVEY_PROPENSITY: Final = {
    "ad_campaign": 0.05, "website_offer": 0.1, "store_sale": 1.0, "online_order": 0.8,
    "telesales": 0.6, "courier_delivery": 0.7, "installation_visit": 1.0,
    "service_activation": 0.6, "welcome_call": 0.5, "invoice": 0.3, "payment": 0.2,
    "mobile_app_use": 0.5, "online_account": 0.3, "hotline": 1.0, "chat_support": 1.0,
    "store_service": 1.0, "fault_repair": 1.0, "technician_visit": 1.0, "complaint": 1.3,
    "retention_offer": 0.6, "contract_renewal": 0.8, "cancellation": 0.7,
}  # fmt: skip

#: Usual experience at the touch-point: mean of the latent satisfaction (0 ≈ NPS +5).
TOUCHPOINT_BASE: Final = {
    "ad_campaign": 0.0, "website_offer": 0.1, "store_sale": 0.35, "online_order": 0.25,
    "telesales": -0.15, "courier_delivery": 0.3, "installation_visit": 0.4,
    "service_activation": 0.1, "welcome_call": 0.3, "invoice": -0.35, "payment": 0.2,
    "mobile_app_use": 0.3, "online_account": 0.05, "hotline": -0.1, "chat_support": 0.05,
    "store_service": 0.25, "fault_repair": -0.25, "technician_visit": 0.2,
    "complaint": -0.1, "retention_offer": -0.05, "contract_renewal": 0.3,
    "cancellation": -0.4,
}  # fmt: skip

#: Channel mix per touch-point (only channels the taxonomy allows for it).
CHANNEL_MIX: Final = {
    "ad_campaign": {"social_media": 0.5, "website": 0.35, "letter": 0.15},
    "website_offer": {"website": 0.6, "mobile_app": 0.4},
    "store_sale": {"store": 1.0},
    "online_order": {"website": 0.55, "mobile_app": 0.45},
    "telesales": {"call_center": 1.0},
    "courier_delivery": {"courier": 1.0},
    "installation_visit": {"field": 1.0},
    "service_activation": {"website": 0.35, "mobile_app": 0.4, "call_center": 0.25},
    "welcome_call": {"call_center": 1.0},
    "invoice": {"email": 0.6, "letter": 0.1, "mobile_app": 0.3},
    "payment": {"website": 0.55, "mobile_app": 0.45},
    "mobile_app_use": {"mobile_app": 1.0},
    "online_account": {"website": 1.0},
    "hotline": {"call_center": 1.0},
    "chat_support": {"chat": 0.7, "mobile_app": 0.3},
    "store_service": {"store": 1.0},
    "fault_repair": {"call_center": 0.6, "field": 0.4},
    "technician_visit": {"field": 1.0},
    "complaint": {"email": 0.35, "letter": 0.15, "store": 0.2, "call_center": 0.3},
    "retention_offer": {"call_center": 0.7, "email": 0.3},
    "contract_renewal": {"store": 0.35, "website": 0.35, "call_center": 0.3},
    "cancellation": {"store": 0.3, "call_center": 0.5, "letter": 0.2},
}

#: (process, transaction type) mix per touch-point.
WORK_MIX: Final = {
    "ad_campaign": {("acquisition", "new_contract"): 1.0},
    "website_offer": {("acquisition", "new_contract"): 0.7, ("retention", "upgrade"): 0.3},
    "store_sale": {
        ("acquisition", "new_contract"): 0.6,
        ("retention", "upgrade"): 0.25,
        ("retention", "renewal"): 0.15,
    },
    "online_order": {("acquisition", "new_contract"): 0.65, ("retention", "upgrade"): 0.35},
    "telesales": {("acquisition", "new_contract"): 0.5, ("retention", "upgrade"): 0.5},
    "courier_delivery": {("delivery", "delivery"): 1.0},
    "installation_visit": {("delivery", "installation"): 1.0},
    "service_activation": {("onboarding", "new_contract"): 0.8, ("onboarding", "upgrade"): 0.2},
    "welcome_call": {("onboarding", "new_contract"): 0.7, ("onboarding", "inquiry"): 0.3},
    "invoice": {("billing_payments", "invoice"): 1.0},
    "payment": {("billing_payments", "payment"): 0.92, ("billing_payments", "refund"): 0.08},
    "mobile_app_use": {
        ("support", "inquiry"): 0.4,
        ("billing_payments", "payment"): 0.35,
        ("account_admin", "data_change"): 0.25,
    },
    "online_account": {
        ("account_admin", "data_change"): 0.4,
        ("billing_payments", "invoice"): 0.3,
        ("support", "inquiry"): 0.3,
    },
    "hotline": {
        ("support", "inquiry"): 0.55,
        ("technical_service", "fault_report"): 0.25,
        ("billing_payments", "invoice"): 0.1,
        ("account_admin", "data_change"): 0.1,
    },
    "chat_support": {
        ("support", "inquiry"): 0.6,
        ("technical_service", "fault_report"): 0.2,
        ("billing_payments", "invoice"): 0.1,
        ("account_admin", "data_change"): 0.1,
    },
    "store_service": {
        ("support", "inquiry"): 0.5,
        ("account_admin", "data_change"): 0.3,
        ("billing_payments", "payment"): 0.2,
    },
    "fault_repair": {("technical_service", "fault_report"): 1.0},
    "technician_visit": {
        ("technical_service", "fault_report"): 0.7,
        ("delivery", "installation"): 0.3,
    },
    "complaint": {("complaint_handling", "complaint"): 1.0},
    "retention_offer": {
        ("retention", "renewal"): 0.5,
        ("retention", "upgrade"): 0.3,
        ("retention", "cancellation"): 0.2,
    },
    "contract_renewal": {("retention", "renewal"): 1.0},
    "cancellation": {("retention", "cancellation"): 1.0},
}

#: Departments a complaint (other than an invoice error) is caused by, and their shares.
COMPLAINT_CAUSES: Final = {
    "complaints": 0.3, "field_service": 0.14, "technical_support": 0.14,
    "customer_service": 0.12, "logistics": 0.1, "sales": 0.1, "it": 0.1,
}  # fmt: skip

#: Back-office handling of self-service account changes (the rest stays with the touch-point).
ADMIN_HANDLED_SHARE: Final = 0.5


@dataclass(frozen=True)
class Outcome:
    key: str
    share: float
    shift: float  # effect on the latent satisfaction


def _o(*items: tuple[str, float, float]) -> tuple[Outcome, ...]:
    return tuple(Outcome(k, p, s) for k, p, s in items)


#: Outcomes per touch-point.
OUTCOMES: Final = {
    "ad_campaign": _o(("viewed", 0.8, 0.0), ("clicked", 0.2, 0.1)),
    "website_offer": _o(("viewed", 0.7, 0.0), ("lead", 0.3, 0.1)),
    "store_sale": _o(("sale", 0.7, 0.2), ("no_sale", 0.3, -0.4)),
    "online_order": _o(("sale", 0.8, 0.2), ("abandoned", 0.2, -0.6)),
    "telesales": _o(("sale", 0.45, 0.2), ("no_sale", 0.55, -0.3)),
    "courier_delivery": _o(("delivered", 0.9, 0.1), ("rescheduled", 0.1, -0.8)),
    "installation_visit": _o(("completed", 0.88, 0.15), ("rescheduled", 0.12, -0.9)),
    "service_activation": _o(("activated", 0.93, 0.1), ("failed", 0.07, -1.0)),
    "welcome_call": _o(("completed", 0.75, 0.1), ("no_answer", 0.25, 0.0)),
    "invoice": _o(("issued", 1.0, 0.0)),
    "payment": _o(("paid", 0.96, 0.05), ("failed", 0.04, -0.9)),
    "mobile_app_use": _o(("completed", 0.9, 0.05), ("abandoned", 0.1, -0.6)),
    "online_account": _o(("completed", 0.88, 0.05), ("abandoned", 0.12, -0.6)),
    "hotline": _o(("resolved", 0.72, 0.25), ("unresolved", 0.18, -0.8), ("escalated", 0.1, -0.3)),
    "chat_support": _o(
        ("resolved", 0.75, 0.2), ("unresolved", 0.17, -0.7), ("escalated", 0.08, -0.3)
    ),
    "store_service": _o(("resolved", 0.82, 0.2), ("unresolved", 0.18, -0.7)),
    "fault_repair": _o(("resolved", 0.75, 0.3), ("unresolved", 0.25, -0.9)),
    "technician_visit": _o(("resolved", 0.85, 0.25), ("unresolved", 0.15, -0.9)),
    "complaint": _o(("accepted", 0.6, 0.3), ("rejected", 0.3, -0.8), ("pending", 0.1, -0.3)),
    "retention_offer": _o(("retained", 0.55, 0.2), ("declined", 0.45, -0.3)),
    "contract_renewal": _o(("renewed", 0.95, 0.1), ("withdrawn", 0.05, -0.4)),
    "cancellation": _o(("cancelled", 0.8, -0.1), ("retained", 0.2, 0.2)),
}  # fmt: skip

#: Median handling time per channel in seconds (log-normal spread); None: not measured.
CHANNEL_DURATION: Final = {
    "store": 900.0, "call_center": 420.0, "chat": 600.0, "email": 300.0, "website": 240.0,
    "mobile_app": 150.0, "field": 3600.0, "courier": 240.0, "letter": None,
    "social_media": 45.0,
}  # fmt: skip

#: Channels where an employee of the department handles the interaction.
STAFFED_CHANNELS: Final = ("store", "call_center", "chat", "email", "field")

#: Monthly price (PLN) per product: invoice amounts, contract values, refunds.
MONTHLY_PRICE: Final = {
    "mobile_postpaid": 55.0, "mobile_prepaid": 25.0, "fiber_internet": 79.0, "tv": 59.0,
    "bundle": 149.0, "business_line": 320.0,
}  # fmt: skip

#: Products per segment (main product of a customer).
SEGMENT_PRODUCTS: Final = {
    "young": {
        "mobile_prepaid": 0.35, "mobile_postpaid": 0.4, "fiber_internet": 0.2, "bundle": 0.05
    },
    "family": {"bundle": 0.45, "fiber_internet": 0.25, "mobile_postpaid": 0.2, "tv": 0.1},
    "senior": {"tv": 0.35, "mobile_prepaid": 0.3, "mobile_postpaid": 0.2, "bundle": 0.15},
    "premium": {"bundle": 0.55, "mobile_postpaid": 0.3, "fiber_internet": 0.15},
    "small_business": {"business_line": 0.6, "mobile_postpaid": 0.25, "fiber_internet": 0.15},
    "corporate": {"business_line": 0.85, "mobile_postpaid": 0.15},
}  # fmt: skip

SEGMENT_SHARES: Final = {
    "young": 0.2, "family": 0.3, "senior": 0.17, "premium": 0.1, "small_business": 0.15,
    "corporate": 0.08,
}  # fmt: skip

#: Share of English speakers per segment (overall ≈ 15 %).
ENGLISH_SHARE: Final = {
    "young": 0.2, "family": 0.1, "senior": 0.03, "premium": 0.2, "small_business": 0.15,
    "corporate": 0.4,
}  # fmt: skip

#: Headcount shares of departments (all twelve, back office included).
DEPARTMENT_HEADCOUNT: Final = {
    "customer_service": 0.28, "sales": 0.13, "technical_support": 0.1, "field_service": 0.1,
    "logistics": 0.05, "retention": 0.05, "complaints": 0.04, "marketing": 0.04,
    "billing": 0.06, "accounting": 0.05, "it": 0.07, "administration": 0.03,
}  # fmt: skip

#: Touch-point families whose whole life is driven by a customer's own timeline.
PURCHASE_TOUCHPOINTS: Final = ("store_sale", "online_order", "telesales")
PURCHASE_SHARES: Final = (0.45, 0.35, 0.2)
WIRED_PRODUCTS: Final = ("fiber_internet", "tv", "bundle", "business_line")
