"""The survey definition model: validation names the field, branching splits the steps,
answers are checked per type, core scores come from the first answered question, quiet
hours move a send time past them."""

from __future__ import annotations

from datetime import datetime

import pytest

from cxm.domain.errors import ValidationFailed
from cxm.domain.surveys import clean_step, core_scores, next_step, parse_definition
from cxm.domain.surveys_triggers import outside_quiet_hours

DEFINITION = {
    "title": {"pl": "T"},
    "questions": [
        {"key": "nps", "type": "nps", "required": True, "text": {"pl": "NPS"}},
        {"key": "price", "type": "csat", "text": {"pl": "Cena"}},
        {
            "key": "why",
            "type": "multiple",
            "text": {"pl": "Dlaczego"},
            "show_if": [{"question": "nps", "op": "lte", "value": 6}],
            "choices": [{"key": "a", "text": {"pl": "A"}}, {"key": "b", "text": {"pl": "B"}}],
        },
        {
            "key": "praise",
            "type": "text",
            "text": {"pl": "Co dobrze"},
            "show_if": [{"question": "nps", "op": "gte", "value": 9}],
        },
        {"key": "feel", "type": "emotion", "emotions": ["joy", "anger"], "text": {"pl": "Emocja"}},
    ],
}


def test_steps_split_before_a_question_depending_on_the_same_step() -> None:
    d = parse_definition(DEFINITION)
    assert [q.key for q in next_step(d, {})] == ["nps", "price"]
    assert [q.key for q in next_step(d, {"nps": 3, "price": None})] == ["why", "feel"]
    assert [q.key for q in next_step(d, {"nps": 10, "price": 4})] == ["praise", "feel"]
    assert [q.key for q in next_step(d, {"nps": 7, "price": 4})] == ["feel"]
    assert next_step(d, {"nps": 7, "price": 4, "feel": "joy"}) == []


def test_answers_are_checked_per_type() -> None:
    d = parse_definition(DEFINITION)
    step = next_step(d, {"nps": 3, "price": None})
    answers, errors = clean_step(step, {"why": ["a", "b"], "feel": ["joy"]}, "pl")
    assert answers == {"why": ["a", "b"], "feel": "joy"} and errors == {}
    _, errors = clean_step(step, {"why": ["a", "zzz"], "feel": ["calm"]}, "pl")
    assert errors == {"why": "invalid", "feel": "invalid"}  # calm is not offered here
    _, errors = clean_step(next_step(d, {}), {"nps": ["11"]}, "pl")
    assert errors == {"nps": "invalid"}
    answers, errors = clean_step(next_step(d, {}), {}, "pl")
    assert errors == {"nps": "required"} and answers == {"nps": None, "price": None}


def test_core_scores_take_the_first_answer_of_each_kind() -> None:
    d = parse_definition(DEFINITION)
    scores = core_scores(d, {"nps": 10, "price": 4, "praise": "Super", "feel": "joy"})
    assert scores == {"nps": 10, "csat": 4, "ces": None, "comment": "Super"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": "Bad Key"}, "questions.0.key"),
        ({"show_if": [{"question": "later"}]}, "questions"),
        ({"type": "single"}, "questions.0"),
        ({"type": "emotion", "emotions": ["boredom"]}, "questions.0"),
    ],
)
def test_invalid_definitions_name_the_field(change: dict[str, object], field: str) -> None:
    question = {"key": "q", "type": "nps", "text": {"pl": "Q"}, **change}
    with pytest.raises(ValidationFailed) as caught:
        parse_definition({"title": {"pl": "T"}, "questions": [question]})
    assert (caught.value.field or "").startswith(field)


def test_english_falls_back_to_polish() -> None:
    d = parse_definition({"title": {"pl": "Tylko po polsku"}, "questions": DEFINITION["questions"]})
    assert d.title.get("en") == "Tylko po polsku"
    assert d.questions[4].options("en") == [("joy", "joy"), ("anger", "anger")]
    assert d.questions[4].options("pl") == [("joy", "radość"), ("anger", "złość")]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 3, 2, 12, 0), datetime(2026, 3, 2, 12, 0)),
        (datetime(2026, 3, 2, 22, 30), datetime(2026, 3, 3, 8, 0)),
        (datetime(2026, 3, 3, 2, 15), datetime(2026, 3, 3, 8, 0)),
        (datetime(2026, 3, 3, 8, 0), datetime(2026, 3, 3, 8, 0)),
    ],
)
def test_quiet_hours_wrap_past_midnight(at: datetime, expected: datetime) -> None:
    assert outside_quiet_hours(at, 21, 8) == expected
    assert outside_quiet_hours(at, None, None) == at
