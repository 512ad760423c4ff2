"""The columns each import kind accepts: type, range, vocabulary and whether required.

One table of rules, read by both the vectorised batch validator and the single-response
fast path, so a file row and an API call are judged alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from cxm.domain.dimensions import (
    CES_RANGE,
    CSAT_RANGE,
    EMPLOYEE_ROLES,
    NPS_RANGE,
    RESPONSE_SOURCES,
)
from cxm.domain.taxonomy import LANGUAGES

ColumnType = Literal["text", "key", "enum", "int", "float", "bool", "timestamp", "ref", "json"]

KINDS: Final = ("customers", "employees", "interactions", "responses")

#: Prefix of response columns that become ``answers[name]``.
ANSWER_PREFIX: Final = "q_"

RESPONSE_LANGUAGE_PATTERN: Final = r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"


@dataclass(frozen=True)
class Column:
    """One accepted column: ``ref`` columns name another kind's external id."""

    name: str
    type: ColumnType
    required: bool = False
    dimension: str | None = None
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    max_length: int = 255
    ref: str | None = None
    pattern: str | None = None


def _key(dimension: str, *, required: bool = False) -> Column:
    return Column(dimension, "key", required=required, dimension=dimension, max_length=64)


def _ref(name: str, kind: str) -> Column:
    return Column(name, "ref", ref=kind, max_length=128)


_EXTERNAL_ID = Column("external_id", "text", required=True, max_length=128)

CUSTOMER_COLUMNS: Final = (
    _EXTERNAL_ID,
    Column("name", "text", max_length=200),
    Column("email", "text", max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    Column("language", "enum", choices=LANGUAGES, max_length=8),
    _key("segment"),
    _key("lifecycle_stage"),
    Column("consent_email", "bool"),
    Column("consent_survey", "bool"),
    Column("consent_profiling", "bool"),
    Column("created_at", "timestamp"),
)

EMPLOYEE_COLUMNS: Final = (
    _EXTERNAL_ID,
    Column("name", "text", required=True, max_length=200),
    Column("email", "text", max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    _key("department", required=True),
    Column("role", "enum", required=True, choices=EMPLOYEE_ROLES, max_length=32),
    Column("manager_external_id", "text", max_length=128),
    Column("hired_on", "timestamp"),
)

INTERACTION_COLUMNS: Final = (
    _EXTERNAL_ID,
    _ref("customer_external_id", "customers"),
    Column("occurred_at", "timestamp", required=True),
    _key("touchpoint", required=True),
    _key("channel"),
    _key("product"),
    _key("department"),
    _key("process"),
    _key("transaction_type"),
    _ref("employee_external_id", "employees"),
    Column("duration_seconds", "float", low=0),
    Column("outcome", "text", max_length=64),
    Column("monetary_value", "float"),
)

RESPONSE_COLUMNS: Final = (
    _EXTERNAL_ID,
    _ref("customer_external_id", "customers"),
    _ref("interaction_external_id", "interactions"),
    Column("source", "enum", choices=RESPONSE_SOURCES, max_length=16),
    Column("responded_at", "timestamp", required=True),
    Column("nps", "int", low=NPS_RANGE[0], high=NPS_RANGE[1]),
    Column("csat", "int", low=CSAT_RANGE[0], high=CSAT_RANGE[1]),
    Column("ces", "int", low=CES_RANGE[0], high=CES_RANGE[1]),
    Column("comment", "text", max_length=20_000),
    Column("language", "text", max_length=8, pattern=RESPONSE_LANGUAGE_PATTERN),
    _key("touchpoint"),
    _key("channel"),
    _key("product"),
    _key("department"),
    _key("process"),
    _key("transaction_type"),
    _key("segment"),
    _key("lifecycle_stage"),
    _ref("employee_external_id", "employees"),
    Column("answers", "json"),
)

COLUMNS: Final[dict[str, tuple[Column, ...]]] = {
    "customers": CUSTOMER_COLUMNS,
    "employees": EMPLOYEE_COLUMNS,
    "interactions": INTERACTION_COLUMNS,
    "responses": RESPONSE_COLUMNS,
}

#: Kinds whose unknown columns are kept in the ``attributes`` JSON.
KEEPS_ATTRIBUTES: Final = ("customers", "interactions")

#: A response needs at least one of these.
RESPONSE_CONTENT: Final = ("nps", "csat", "ces", "comment", "answers")


def required_columns(kind: str) -> list[str]:
    return [c.name for c in COLUMNS[kind] if c.required]


def column_names(kind: str) -> set[str]:
    return {c.name for c in COLUMNS[kind]}
