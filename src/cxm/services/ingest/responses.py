"""The single-response fast path behind ``POST /api/v1/responses``.

Everything slow happens before the write lock: validation in plain Python (the same rules
as files, from :mod:`cxm.services.ingest.columns`), reference look-ups on a reader
connection, inheritance of dimensions. Inside the lock: one existence check, the next
``change_seq`` and one Core insert or update."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

from cxm.domain.dimensions import SEVEN_DIMENSIONS
from cxm.domain.errors import NotFound, UnknownReference, ValidationFailed
from cxm.domain.taxonomy import Taxonomy
from cxm.services import comment_analysis
from cxm.services.ingest.columns import ANSWER_PREFIX, RESPONSE_COLUMNS, RESPONSE_CONTENT, Column
from cxm.services.ingest.validation import (
    FALSE_WORDS,
    FUTURE_TOLERANCE,
    TRUE_WORDS,
    _answer,
    _num,
    _parse_float,
    _pattern_reason,
    parse_timestamp,
    to_object,
)
from cxm.services.runtime import Runtime
from cxm.store import bulk

_INTERACTION_COLUMNS = (
    "id",
    "customer_id",
    "employee_id",
    "journey",
    "stage",
    "touchpoint",
    *SEVEN_DIMENSIONS,
)


class _Vocabulary:
    """Taxonomy keys as sets, rebuilt only when the runtime's taxonomy object changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taxonomy: Taxonomy | None = None
        self._keys: dict[str, frozenset[str]] = {}
        self._placement: dict[str, tuple[str, str, str | None]] = {}

    def get(
        self, taxonomy: Taxonomy
    ) -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, str, str | None]]]:
        with self._lock:
            if taxonomy is not self._taxonomy:
                dimensions = ("touchpoint", *SEVEN_DIMENSIONS)
                self._keys = {d: frozenset(taxonomy.keys(d)) for d in dimensions}
                self._placement = {
                    t.key: (j.key, s.key, t.department) for j, s, t in taxonomy.touchpoints()
                }
                self._taxonomy = taxonomy
            return self._keys, self._placement


_VOCABULARY = _Vocabulary()


def _fail(column: str, reason: str, value: Any = None) -> ValidationFailed:
    shown = "" if value is None else f" (value '{value}')"
    return ValidationFailed(f"{column} {reason}{shown}", field=column)


def _check_value(
    column: Column, value: Any, keys: dict[str, frozenset[str]], limit: datetime
) -> Any:
    """The typed value, None when empty, or ValidationFailed with the file import's reason."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            raise _fail(column.name, "is required")
        return None
    if column.type in ("int", "float"):
        return _check_number(column, value)
    if column.type == "timestamp":
        parsed = parse_timestamp(value) if isinstance(value, str) else None
        if parsed is None:
            raise _fail(column.name, "is not an ISO 8601 date or timestamp", value)
        if parsed > limit:
            raise _fail(column.name, "lies in the future", value)
        return parsed
    if column.type == "bool":
        word = str(value).strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            raise _fail(column.name, "must be true or false (also 1/0, yes/no, tak/nie)", value)
        return word in TRUE_WORDS
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(column.name, "must be text", value)
    text = str(value).strip()
    if len(text) > column.max_length:
        raise _fail(column.name, f"is longer than {column.max_length} characters", text)
    if column.type == "key" and column.dimension and text not in keys[column.dimension]:
        raise _fail(column.name, f"is not a {column.dimension} key of the taxonomy", text)
    if column.type == "enum" and text not in column.choices:
        raise _fail(column.name, "must be one of " + ", ".join(column.choices), text)
    if column.pattern and not re.search(column.pattern, text):
        raise _fail(column.name, _pattern_reason(column.name), text)
    return text


def _check_number(column: Column, value: Any) -> float | int:
    what = "a whole number" if column.type == "int" else "a number"
    if isinstance(value, bool):
        raise _fail(column.name, f"is not {what}", value)
    number = _parse_float(value.strip()) if isinstance(value, str) else value
    if not isinstance(number, int | float) or number != number:
        raise _fail(column.name, f"is not {what}", value)
    if column.type == "int" and not float(number).is_integer():
        raise _fail(column.name, f"is not {what}", value)
    low, high = column.low, column.high
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            reason = f"must be between {_num(low)} and {_num(high)}"
        else:
            reason = f"must be at least {_num(low or 0)}"
        raise _fail(column.name, reason, value)
    return int(number) if column.type == "int" else float(number)


def validate_response(rt: Runtime, record: Any, *, default_source: str = "api") -> dict[str, Any]:
    """A response record checked and typed (external ids not yet resolved)."""
    if not isinstance(record, dict):
        raise ValidationFailed("the body must be a JSON object", field=None)
    keys, _ = _VOCABULARY.get(rt.taxonomy)
    limit = datetime.now(UTC).replace(tzinfo=None) + FUTURE_TOLERANCE
    values: dict[str, Any] = {}
    for column in RESPONSE_COLUMNS:
        raw = record.get(column.name)
        if column.type == "json":
            parsed = to_object(raw)
            if parsed is not None and not isinstance(parsed, dict):
                raise _fail(column.name, "must be a JSON object")
            values[column.name] = parsed
        else:
            values[column.name] = _check_value(column, raw, keys, limit)
    questions = {
        name[len(ANSWER_PREFIX) :]: _answer(value)
        for name, value in record.items()
        if name.startswith(ANSWER_PREFIX) and len(name) > len(ANSWER_PREFIX)
    }
    questions = {k: v for k, v in questions.items() if v is not None}
    if questions:
        values["answers"] = {**(values["answers"] or {}), **questions}
    if all(values.get(c) is None for c in RESPONSE_CONTENT):
        raise _fail("nps", "a response needs at least one of nps, csat, ces, comment or answers")
    values["source"] = values["source"] or default_source
    return values


def _resolve(rt: Runtime, values: dict[str, Any]) -> dict[str, Any]:
    """Replace external ids with ids and inherit missing dimensions (reads only)."""
    _, placement = _VOCABULARY.get(rt.taxonomy)
    row = dict(values)
    interaction: dict[str, Any] = {}
    customer: dict[str, Any] = {}
    refs = (
        ("interaction_external_id", "interactions", _INTERACTION_COLUMNS),
        ("customer_external_id", "customers", ("id", "segment", "lifecycle_stage")),
        ("employee_external_id", "employees", ("id",)),
    )
    found: dict[str, dict[str, Any]] = {}
    for column, table, wanted in refs:
        external_id = row.pop(column)
        if external_id is None:
            continue
        hit = bulk.lookup_rows(rt.db, table, [external_id], wanted).get(external_id)
        if hit is None:
            noun = table[:-1]
            raise UnknownReference(
                f"{column}: no {noun} with this external id (value '{external_id}')", field=column
            )
        found[table] = dict(zip(wanted, hit, strict=True))
    interaction = found.get("interactions", {})
    customer = found.get("customers", {})
    row["interaction_id"] = interaction.get("id")
    row["customer_id"] = customer.get("id") or interaction.get("customer_id")
    row["employee_id"] = found.get("employees", {}).get("id") or interaction.get("employee_id")
    touchpoint = row["touchpoint"] or interaction.get("touchpoint")
    row["touchpoint"] = touchpoint
    journey, stage, tp_department = placement.get(touchpoint or "", (None, None, None))
    row["journey"] = journey or interaction.get("journey")
    row["stage"] = stage or interaction.get("stage")
    for name in SEVEN_DIMENSIONS:
        value = row.get(name) or interaction.get(name)
        if name in ("segment", "lifecycle_stage"):
            value = value or customer.get(name)
        if name == "department":
            value = value or tp_department
        row[name] = value
    return row


def ingest_response(rt: Runtime, record: Any) -> dict[str, Any]:
    """Validate and store one response (idempotent by external id).

    Returns ``{"id", "external_id", "created"}``; ``created`` is False when an existing
    response with this external id was updated. Raises ValidationFailed (or its subclass
    UnknownReference) with the offending field."""
    row = _resolve(rt, validate_response(rt, record))
    response_id, created = bulk.save_response(rt.db, row)
    if row.get("comment"):
        comment_analysis.notify_new_comments(rt)  # analysed in the background, after the write
    return {"id": response_id, "external_id": row["external_id"], "created": created}


def get_response(rt: Runtime, external_id: str) -> dict[str, Any]:
    """One stored response as JSON-ready data; NotFound if there is none."""
    found = bulk.fetch_response(rt.db, external_id)
    if found is None:
        raise NotFound(f"no response with external id '{external_id}'", field="external_id")
    for name in ("customer_id", "interaction_id", "employee_id", "change_seq"):
        found.pop(name, None)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in found.items()}
