"""The dimensions every experience row carries, so any report can be cut by any of them."""

from __future__ import annotations

from typing import Final, Literal

#: The seven dimensions of the holistic CEM model (PRODUCT.md §2).
SEVEN_DIMENSIONS: Final = (
    "process",
    "department",
    "transaction_type",
    "channel",
    "product",
    "segment",
    "lifecycle_stage",
)

#: The dimensions an interaction carries: journey analyses filter by these only.
INTERACTION_DIMENSIONS: Final = ("journey", "stage", "touchpoint", *SEVEN_DIMENSIONS)
#: Everything a report can be broken down or filtered by.
DIMENSIONS: Final = (*INTERACTION_DIMENSIONS, "source", "language")

Dimension = Literal[
    "journey",
    "stage",
    "touchpoint",
    "process",
    "department",
    "transaction_type",
    "channel",
    "product",
    "segment",
    "lifecycle_stage",
    "source",
    "language",
]

RESPONSE_SOURCES: Final = ("survey", "api", "import", "review", "social", "word_of_mouth")
INDIRECT_SOURCES: Final = ("review", "social", "word_of_mouth")

EMPLOYEE_ROLES: Final = ("agent", "specialist", "team_lead", "manager", "director", "staff")
USER_ROLES: Final = ("admin", "analyst", "manager", "agent", "employee")

NPS_RANGE: Final = (0, 10)
CSAT_RANGE: Final = (1, 5)
CES_RANGE: Final = (1, 7)

#: The calendar day of each time column, kept beside it in the analytical mirror (a date
#: column is far cheaper to read and group by than a timestamp cast per row). Engines that
#: read the system of record directly have no such column and cast the time instead.
DAY_COLUMNS: Final = {"responded_at": "responded_on", "occurred_at": "occurred_on"}
