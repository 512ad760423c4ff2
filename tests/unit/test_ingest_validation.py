"""Validation of import rows: the vectorised batch checks and the single-response checks
judge the same values the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import pytest
import yaml

from cxm.domain.errors import ValidationFailed
from cxm.domain.taxonomy import Taxonomy, parse_taxonomy
from cxm.services.ingest import validate_response
from cxm.services.ingest.readers import records_to_columns
from cxm.services.ingest.validation import check_batch, parse_timestamp
from cxm.services.runtime import Runtime
from cxm.services.taxonomy import default_taxonomy_text

NOW = datetime(2025, 6, 1)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return parse_taxonomy(yaml.safe_load(default_taxonomy_text()))


def check(
    kind: str, records: list[dict[str, Any]], taxonomy: Taxonomy
) -> dict[int, list[tuple[str, str]]]:
    batch = check_batch(
        kind, records_to_columns(records), range(1, len(records) + 1), taxonomy, now=NOW
    )
    return {
        batch.lines[i]: [(p.field, p.reason) for p in problems]
        for i, problems in sorted(batch.problems.items())
    }


BASE = {"external_id": "R", "responded_at": "2025-01-01"}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"nps": 11}, "nps", "must be between 0 and 10"),
        ({"nps": -1}, "nps", "must be between 0 and 10"),
        ({"csat": 0}, "csat", "must be between 1 and 5"),
        ({"ces": 8}, "ces", "must be between 1 and 7"),
        ({"nps": "7.5"}, "nps", "is not a whole number"),
        ({"nps": "dziewięć"}, "nps", "is not a whole number"),
        ({"nps": 5, "touchpoint": "moon"}, "touchpoint", "is not a touchpoint key of the taxonomy"),
        (
            {"nps": 5, "source": "fax"},
            "source",
            "must be one of survey, api, import, review, social, word_of_mouth",
        ),
        (
            {"nps": 5, "responded_at": "yesterday"},
            "responded_at",
            "is not an ISO 8601 date or timestamp",
        ),
        ({"nps": 5, "responded_at": "2031-01-01"}, "responded_at", "lies in the future"),
        ({"nps": 5, "responded_at": None}, "responded_at", "is required"),
        ({"nps": 5, "language": "Polish!"}, "language", "is not a language code (e.g. pl, en)"),
        ({"answers": "[1, 2]"}, "answers", "must be a JSON object"),
        (
            {"comment": "  "},
            "nps",
            "a response needs at least one of nps, csat, ces, comment or answers",
        ),
    ],
)
def test_bad_response_value_is_rejected_naming_field(
    taxonomy: Taxonomy, change: dict[str, Any], field: str, reason: str
) -> None:
    problems = check("responses", [{**BASE, **change}], taxonomy)
    assert problems == {1: [(field, reason)]}


def test_good_values_in_many_spellings_pass(taxonomy: Taxonomy) -> None:
    records = [
        {**BASE, "nps": "9", "responded_at": "2025-01-01T10:00:00+02:00"},
        {**BASE, "nps": 9.0, "responded_at": "2025-01-01 10:00:00.25"},
        {**BASE, "csat": " 4 ", "responded_at": "2025-01-01T10:00:00Z"},
        {**BASE, "q_speed": "fast"},
        {**BASE, "answers": {"price": 3}},
    ]
    batch = check_batch("responses", records_to_columns(records), range(1, 6), taxonomy, now=NOW)
    assert batch.problems == {}
    assert batch.columns["nps"].to_pylist() == [9, 9, None, None, None]
    assert batch.columns["responded_at"].to_pylist()[0] == datetime(2025, 1, 1, 8)
    assert batch.columns["source"].to_pylist() == ["import"] * 5
    assert batch.objects["answers"] == [None, None, None, {"speed": "fast"}, {"price": 3}]


def test_customer_booleans_and_attributes(taxonomy: Taxonomy) -> None:
    records = [
        {"external_id": "C1", "consent_email": "TAK", "consent_survey": "0", "plan": "gold"},
        {"external_id": "C2", "consent_email": "nie", "consent_survey": "yes", "plan": None},
        {"external_id": "C3", "consent_email": "perhaps"},
    ]
    batch = check_batch("customers", records_to_columns(records), range(1, 4), taxonomy, now=NOW)
    assert batch.columns["consent_email"].to_pylist()[:2] == [True, False]
    assert batch.columns["consent_survey"].to_pylist()[:2] == [False, True]
    assert batch.objects["attributes"] == [{"plan": "gold"}, None, None]
    assert [p.field for p in batch.problems[2]] == ["consent_email"]


def test_typed_parquet_columns_are_checked_without_text(taxonomy: Taxonomy) -> None:
    columns = {
        "external_id": pa.array([1, 2]),  # numeric ids are accepted as text
        "responded_at": pa.array([datetime(2025, 1, 1), None], pa.timestamp("ms")),
        "nps": pa.array([10, 12], pa.int8()),
    }
    batch = check_batch("responses", columns, range(1, 3), taxonomy, now=NOW)
    assert batch.columns["external_id"].to_pylist() == ["1", "2"]
    assert sorted((p.field, p.reason) for p in batch.problems[1]) == [
        ("nps", "must be between 0 and 10"),
        ("responded_at", "is required"),
    ]


def test_timestamps_are_stored_as_naive_utc() -> None:
    assert parse_timestamp("2025-03-30T03:30:00+02:00") == datetime(2025, 3, 30, 1, 30)
    assert parse_timestamp("2025-03-30") == datetime(2025, 3, 30)
    assert parse_timestamp("30.03.2025") is None


@pytest.mark.parametrize(
    "record",
    [
        {**BASE, "nps": 11},
        {**BASE, "nps": "7.5"},
        {**BASE, "csat": True},
        {**BASE, "nps": 5, "channel": "pigeon"},
        {**BASE, "nps": 5, "responded_at": "2025-02-30"},
        {**BASE, "nps": 5, "external_id": None},
        {**BASE, "nps": 5, "comment": "x" * 20_001},
        {**BASE},
    ],
)
def test_single_response_path_agrees_with_batch_path(
    sqlite_runtime: Runtime, record: dict[str, Any]
) -> None:
    batch = check("responses", [record], sqlite_runtime.taxonomy)
    with pytest.raises(ValidationFailed) as info:
        validate_response(sqlite_runtime, record)
    first_field, first_reason = batch[1][0]
    assert info.value.field == first_field
    assert info.value.message.startswith(f"{first_field} {first_reason}")


def test_integer_answer_columns_become_the_json_text_of_their_answers(
    taxonomy: Taxonomy,
) -> None:
    # as a Parquet file gives them: integer columns, nulls where a question went unanswered
    columns = {
        "external_id": pa.array(["R1", "R2", "R3", "R4"]),
        "responded_at": pa.array(["2025-01-01 10:00:00"] * 4),
        "nps": pa.array([9, None, None, None], pa.int16()),
        "q_price": pa.array([3, None, 4, None], pa.int16()),
        'q_obsługa "24/7"': pa.array([None, None, 5, -1], pa.int64()),
    }
    batch = check_batch("responses", columns, range(1, 5), taxonomy, now=NOW)
    assert batch.columns["answers"].to_pylist() == [
        '{"price": 3}',
        None,
        '{"price": 4, "obsługa \\"24/7\\"": 5}',
        '{"obsługa \\"24/7\\"": -1}',
    ]
    # the row that answers nothing at all is the only one refused
    assert {batch.lines[i] for i in batch.problems} == {2}
