"""Vectorised validation of one batch of rows (pyarrow arrays in, typed arrays out).

Every check runs over whole columns with ``pyarrow.compute``; Python touches single values
only when a fast cast fails (to find which rows are wrong) and for the few JSON columns.
A bad value becomes null in the typed output and its row is rejected with the reason."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cxm.domain.taxonomy import Taxonomy
from cxm.services.ingest.columns import (
    ANSWER_PREFIX,
    COLUMNS,
    KEEPS_ATTRIBUTES,
    RESPONSE_CONTENT,
    Column,
)
from cxm.services.ingest.summary import Reject

TRUE_WORDS = ("true", "1", "yes", "tak", "t", "y")
FALSE_WORDS = ("false", "0", "no", "nie", "f", "n")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
#: Timestamps further ahead than this are rejected as "in the future".
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class CheckedBatch:
    """A validated batch: typed columns (null where a value was bad) and the problems."""

    n: int
    lines: Sequence[int]
    columns: dict[str, pa.Array]
    problems: dict[int, list[Reject]] = field(default_factory=dict)
    objects: dict[str, list[Any]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def flag(self, index: int, column: str, value: Any, reason: str) -> None:
        self.problems.setdefault(index, []).append(
            Reject(line=self.lines[index], field=column, value=value, reason=reason)
        )

    def flag_mask(self, mask: pa.Array, column: str, raw: pa.Array | None, reason: str) -> None:
        """Reject every row where ``mask`` is true, quoting the raw value."""
        if mask.null_count:
            mask = pc.fill_null(mask, False)
        if not pc.any(mask).as_py():
            return
        for index in pc.indices_nonzero(mask).to_pylist():
            value = raw[index].as_py() if raw is not None else None
            self.flag(index, column, value, reason)


def check_batch(
    kind: str,
    raw_columns: dict[str, pa.Array],
    lines: Sequence[int],
    taxonomy: Taxonomy,
    *,
    default_source: str = "import",
    now: datetime | None = None,
) -> CheckedBatch:
    """Type and validate every known column of one batch; collect the extra columns."""
    n = len(lines)
    batch = CheckedBatch(n=n, lines=lines, columns={})
    limit = (now or datetime.now(UTC).replace(tzinfo=None)) + FUTURE_TOLERANCE
    known = {c.name: c for c in COLUMNS[kind]}
    for column in COLUMNS[kind]:
        raw = raw_columns.get(column.name)
        if raw is None:
            if column.required:
                batch.flag_mask(pa.array([True] * n), column.name, None, "is required")
            continue
        if column.type == "json":
            batch.objects[column.name] = _check_objects(batch, column, raw)
            continue
        if column.required:
            batch.flag_mask(_missing(raw), column.name, None, "is required")
        typed = _check_column(batch, column, raw, taxonomy, limit)
        batch.columns[column.name] = typed
    extras = [name for name in raw_columns if name not in known]
    if kind == "responses":
        _collect_answers(batch, raw_columns, extras)
        batch.ignored = [e for e in extras if not e.startswith(ANSWER_PREFIX)]
        source = batch.columns.get("source", pa.nulls(n, pa.string()))
        batch.columns["source"] = pc.fill_null(source, default_source)
        _check_content(batch, raw_columns)
    elif kind in KEEPS_ATTRIBUTES and extras:
        batch.objects["attributes"] = _collect_attributes(raw_columns, extras, n)
    else:
        batch.ignored = extras
    return batch


def _missing(raw: pa.Array) -> pa.Array:
    if pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type):
        return pc.is_null(as_text(raw))
    return pc.is_null(raw)


def _check_column(
    batch: CheckedBatch,
    column: Column,
    raw: pa.Array,
    taxonomy: Taxonomy,
    limit: datetime,
) -> pa.Array:
    if column.type in ("int", "float"):
        return _check_number(batch, column, raw)
    if column.type == "bool":
        return _check_bool(batch, column, raw)
    if column.type == "timestamp":
        return _check_timestamp(batch, column, raw, limit)
    text = as_text(raw)
    too_long = pc.greater(pc.utf8_length(text), column.max_length)
    batch.flag_mask(too_long, column.name, raw, f"is longer than {column.max_length} characters")
    if column.type == "key":
        assert column.dimension is not None
        keys = pa.array(taxonomy.keys(column.dimension), pa.string())
        unknown = pc.invert(pc.is_in(text, value_set=keys))
        reason = f"is not a {column.dimension} key of the taxonomy"
        batch.flag_mask(pc.and_(unknown, pc.is_valid(text)), column.name, raw, reason)
    elif column.type == "enum":
        choices = pa.array(column.choices, pa.string())
        unknown = pc.invert(pc.is_in(text, value_set=choices))
        reason = "must be one of " + ", ".join(column.choices)
        batch.flag_mask(pc.and_(unknown, pc.is_valid(text)), column.name, raw, reason)
    if column.pattern:
        bad = pc.invert(pc.match_substring_regex(text, column.pattern))
        batch.flag_mask(bad, column.name, raw, _pattern_reason(column.name))
    return pc.if_else(too_long, pa.scalar(None, pa.string()), text)


def _pattern_reason(name: str) -> str:
    if name == "email":
        return "is not an e-mail address"
    if name == "language":
        return "is not a language code (e.g. pl, en)"
    return "has the wrong format"


def as_text(raw: pa.Array) -> pa.Array:
    """Any scalar column as trimmed strings, empty strings as null."""
    if pa.types.is_dictionary(raw.type):
        raw = raw.dictionary_decode()
    if pa.types.is_null(raw.type):
        return pa.nulls(len(raw), pa.string())
    if not pa.types.is_string(raw.type):
        raw = raw.cast(pa.string())
    text = pc.utf8_trim_whitespace(raw)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _check_number(batch: CheckedBatch, column: Column, raw: pa.Array) -> pa.Array:
    numbers, unparsable = _to_float(raw)
    what = "a whole number" if column.type == "int" else "a number"
    batch.flag_mask(unparsable, column.name, raw, f"is not {what}")
    bad = pc.or_kleene(unparsable, pc.is_nan(numbers))
    if column.type == "int":
        fraction = pc.not_equal(numbers, pc.floor(numbers))
        batch.flag_mask(pc.and_(fraction, pc.invert(bad)), column.name, raw, f"is not {what}")
        bad = pc.or_kleene(bad, fraction)
    out_of_range = pa.array([False] * len(raw))
    if column.low is not None:
        out_of_range = pc.or_kleene(out_of_range, pc.less(numbers, column.low))
    if column.high is not None:
        out_of_range = pc.or_kleene(out_of_range, pc.greater(numbers, column.high))
    out_of_range = pc.and_(pc.fill_null(out_of_range, False), pc.invert(pc.fill_null(bad, False)))
    if column.low is not None and column.high is not None:
        reason = f"must be between {_num(column.low)} and {_num(column.high)}"
    else:
        reason = f"must be at least {_num(column.low or 0)}"
    batch.flag_mask(out_of_range, column.name, raw, reason)
    bad = pc.fill_null(pc.or_kleene(bad, out_of_range), False)
    typed = pc.if_else(bad, pa.scalar(None, pa.float64()), numbers)
    return typed.cast(pa.int64()) if column.type == "int" else typed


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _to_float(raw: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Numbers as float64 and a mask of values that are not numbers at all."""
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type):
        return raw.cast(pa.float64()), pa.array([False] * len(raw))
    if pa.types.is_boolean(raw.type):
        return pa.nulls(len(raw), pa.float64()), pc.is_valid(raw)
    text = as_text(raw)
    try:
        return text.cast(pa.float64()), pa.array([False] * len(raw))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values: list[float | None] = []
    bad: list[bool] = []
    for value in text.to_pylist():
        parsed = _parse_float(value)
        values.append(parsed)
        bad.append(value is not None and parsed is None)
    return pa.array(values, pa.float64()), pa.array(bad)


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    if _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def _check_bool(batch: CheckedBatch, column: Column, raw: pa.Array) -> pa.Array:
    if pa.types.is_boolean(raw.type):
        return raw
    if pa.types.is_integer(raw.type):
        bad = pc.invert(pc.is_in(raw, value_set=pa.array([0, 1], raw.type)))
        batch.flag_mask(pc.and_(bad, pc.is_valid(raw)), column.name, raw, "must be 0 or 1")
        return pc.if_else(bad, pa.scalar(None, pa.bool_()), pc.equal(raw, 1))
    words = pc.utf8_lower(as_text(raw))
    true = pc.is_in(words, value_set=pa.array(TRUE_WORDS))
    false = pc.is_in(words, value_set=pa.array(FALSE_WORDS))
    bad = pc.and_(pc.is_valid(words), pc.invert(pc.or_(true, false)))
    batch.flag_mask(bad, column.name, raw, "must be true or false (also 1/0, yes/no, tak/nie)")
    return pc.if_else(pc.is_valid(words), true, pa.scalar(None, pa.bool_()))


def _check_timestamp(
    batch: CheckedBatch, column: Column, raw: pa.Array, limit: datetime
) -> pa.Array:
    if pa.types.is_timestamp(raw.type) or pa.types.is_date(raw.type):
        typed = raw.cast(pa.timestamp("us"))
    else:
        typed = _parse_timestamps(batch, column, as_text(raw))
    future = pc.greater(typed, pa.scalar(limit, pa.timestamp("us")))
    batch.flag_mask(future, column.name, raw, "lies in the future")
    return pc.if_else(pc.fill_null(future, False), pa.scalar(None, pa.timestamp("us")), typed)


def _parse_timestamps(batch: CheckedBatch, column: Column, text: pa.Array) -> pa.Array:
    try:
        return text.cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values: list[datetime | None] = []
    for index, value in enumerate(text.to_pylist()):
        parsed = parse_timestamp(value) if value is not None else None
        if value is not None and parsed is None:
            batch.flag(index, column.name, value, "is not an ISO 8601 date or timestamp")
        values.append(parsed)
    return pa.array(values, pa.timestamp("us"))


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 date or timestamp as naive UTC (naive input is taken as UTC)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _check_objects(batch: CheckedBatch, column: Column, raw: pa.Array) -> list[Any]:
    values: list[Any] = []
    for index, value in enumerate(raw.to_pylist()):
        parsed = to_object(value)
        if parsed is _NOT_AN_OBJECT:
            batch.flag(index, column.name, value, "must be a JSON object")
            parsed = None
        values.append(parsed)
    return values


_NOT_AN_OBJECT = object()


def to_object(value: Any) -> Any:
    """A JSON object (dict) from a dict, a Parquet map, or JSON text; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return _NOT_AN_OBJECT
    if isinstance(value, list) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)
    if not isinstance(value, dict):
        return _NOT_AN_OBJECT
    return {str(k): v for k, v in value.items()} or None


def _collect_answers(batch: CheckedBatch, raw: dict[str, pa.Array], extras: list[str]) -> None:
    questions = [e for e in extras if e.startswith(ANSWER_PREFIX) and len(e) > len(ANSWER_PREFIX)]
    if not questions:
        return
    if "answers" not in raw and all(pa.types.is_integer(raw[q].type) for q in questions):
        batch.columns["answers"] = _integer_answers_as_json(raw, questions)
        return
    answers = batch.objects.get("answers") or [None] * batch.n
    columns = [(q[len(ANSWER_PREFIX) :], raw[q].to_pylist()) for q in questions]
    for index in range(batch.n):
        found = {name: _answer(values[index]) for name, values in columns}
        found = {k: v for k, v in found.items() if v is not None}
        if found:
            answers[index] = {**(answers[index] or {}), **found}
    batch.objects["answers"] = answers


def _integer_answers_as_json(raw: dict[str, pa.Array], questions: list[str]) -> pa.Array:
    """Integer answer columns as the JSON text ``json.dumps`` gives their answers (null where
    a row answers none of them), built column by column rather than a dictionary a row:
    the common case of a survey export, about ten times faster."""
    pairs = [
        pc.fill_null(
            pc.binary_join_element_wise(
                ", " + json.dumps(q[len(ANSWER_PREFIX) :], ensure_ascii=False) + ": ",
                raw[q].cast(pa.string()),
                "",
            ),
            "",
        )
        for q in questions
    ]
    body = pc.binary_join_element_wise(*pairs, "")  # each answer after ", "
    text = pc.binary_join_element_wise("{", pc.utf8_slice_codeunits(body, 2), "}", "")
    return pc.if_else(pc.equal(body, ""), pa.scalar(None, pa.string()), text)


def _answer(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        for parse in (int, float):
            try:
                return parse(value)
            except ValueError:
                continue
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _check_content(batch: CheckedBatch, raw: dict[str, pa.Array]) -> None:
    """Judged on the values given, so an out-of-range score is one problem, not two."""
    present = [pc.invert(_missing(raw[c])) for c in RESPONSE_CONTENT if c in raw and c != "answers"]
    answers = batch.objects.get("answers")
    if "answers" in batch.columns:  # from integer columns, as text
        present.append(pc.is_valid(batch.columns["answers"]))
    elif answers is not None or "answers" in raw:
        given = raw["answers"].to_pylist() if "answers" in raw else [None] * batch.n
        present.append(
            pa.array(
                [
                    a is not None or g not in (None, "")
                    for a, g in zip(answers or given, given, strict=True)
                ]
            )
        )
    has_any = pa.array([False] * batch.n)
    for mask in present:
        has_any = pc.or_(has_any, mask)
    reason = "a response needs at least one of nps, csat, ces, comment or answers"
    batch.flag_mask(pc.invert(has_any), "nps", None, reason)


def _collect_attributes(raw: dict[str, pa.Array], extras: list[str], n: int) -> list[Any]:
    columns = [(name, raw[name].to_pylist()) for name in extras]
    out: list[Any] = []
    for index in range(n):
        found = {name: _answer(values[index]) for name, values in columns}
        found = {k: v for k, v in found.items() if v is not None}
        out.append(found or None)
    return out
