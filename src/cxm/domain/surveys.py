"""Survey definitions: question types, texts in Polish and English, skip logic, and the pure
rules of answering (which questions a respondent sees next, validating a step, turning the
answers into the response's core scores).

A survey is answered in *steps*: a step holds consecutive visible questions and ends before
a question whose display condition depends on a question of the same step, so branching
works on server-rendered pages without JavaScript."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from cxm.domain.errors import ValidationFailed

LANGUAGES = ("pl", "en")
QUESTION_TYPES = ("nps", "csat", "ces", "rating", "single", "multiple", "text", "emotion")
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
#: The default emotion set: key → (Polish, English).
EMOTIONS: dict[str, tuple[str, str]] = {
    "joy": ("radość", "joy"),
    "trust": ("zaufanie", "trust"),
    "surprise": ("zaskoczenie", "surprise"),
    "calm": ("spokój", "calm"),
    "frustration": ("frustracja", "frustration"),
    "anger": ("złość", "anger"),
    "disappointment": ("rozczarowanie", "disappointment"),
    "worry": ("niepokój", "worry"),
}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEXT_LIMIT = 4000
SurveyKind = Literal["transactional", "relationship"]


class Texts(BaseModel):
    """One text in both languages (English falls back to Polish when left empty)."""

    pl: str = Field(min_length=1, max_length=2000)
    en: str = Field(default="", max_length=2000)

    def get(self, language: str) -> str:
        return (self.en or self.pl) if language == "en" else self.pl


class Choice(BaseModel):
    key: str
    text: Texts

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY_PATTERN.match(value):
            raise ValueError("a choice key is lower-case letters, digits and _")
        return value


class Condition(BaseModel):
    """Show a question only when an earlier answer matches (skip logic / branching)."""

    question: str
    op: Literal["eq", "ne", "in", "lte", "gte", "answered"] = "eq"
    value: Any = None

    def holds(self, answers: dict[str, Any]) -> bool:
        given = answers.get(self.question)
        if self.op == "answered":
            return given not in (None, "", [])
        if given is None:
            return False
        values = given if isinstance(given, list) else [given]
        if self.op == "eq":
            return any(v == self.value for v in values)
        if self.op == "ne":
            return all(v != self.value for v in values)
        if self.op == "in":
            wanted = self.value if isinstance(self.value, list) else [self.value]
            return any(v in wanted for v in values)
        numbers = [v for v in values if isinstance(v, int | float)]
        if not numbers or not isinstance(self.value, int | float):
            return False
        return numbers[0] <= self.value if self.op == "lte" else numbers[0] >= self.value


class Question(BaseModel):
    key: str
    type: Literal["nps", "csat", "ces", "rating", "single", "multiple", "text", "emotion"]
    text: Texts
    help: Texts | None = None
    required: bool = False
    choices: list[Choice] = Field(default_factory=list)
    emotions: list[str] = Field(default_factory=list)
    scale_min: int = 1
    scale_max: int = 5
    low_label: Texts | None = None
    high_label: Texts | None = None
    show_if: list[Condition] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY_PATTERN.match(value):
            raise ValueError("a question key is lower-case letters, digits and _ (max 40)")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.type in SCALES:
            self.scale_min, self.scale_max = SCALES[self.type]
        if self.type == "rating" and not 0 <= self.scale_min < self.scale_max <= 10:
            raise ValueError("a rating scale runs from 0 or more up to at most 10")
        if self.type in ("single", "multiple"):
            if len(self.choices) < 2:
                raise ValueError("a choice question needs at least two choices")
            if len({c.key for c in self.choices}) != len(self.choices):
                raise ValueError("choice keys must be unique")
        if self.type == "emotion":
            self.emotions = self.emotions or list(EMOTIONS)
            unknown = [e for e in self.emotions if e not in EMOTIONS]
            if unknown:
                raise ValueError(f"unknown emotions {unknown}; known: {', '.join(EMOTIONS)}")
        return self

    @property
    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    def options(self, language: str) -> list[tuple[str, str]]:
        """(value, label) of a closed question's options."""
        if self.type in ("single", "multiple"):
            return [(c.key, c.text.get(language)) for c in self.choices]
        if self.type == "emotion":
            index = 1 if language == "en" else 0
            return [(e, EMOTIONS[e][index]) for e in self.emotions]
        return [(str(v), str(v)) for v in self.scale]


class SurveyDefinition(BaseModel):
    """What a respondent sees: texts, questions and their conditions."""

    title: Texts
    intro: Texts | None = None
    thank_you: Texts = Field(
        default_factory=lambda: Texts(pl="Dziękujemy za odpowiedź!", en="Thank you!")
    )
    anonymous: bool = False
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _conditions(self) -> SurveyDefinition:
        seen: set[str] = set()
        for q in self.questions:
            if q.key in seen:
                raise ValueError(f"question key '{q.key}' is used twice")
            for c in q.show_if:
                if c.question not in seen:
                    raise ValueError(
                        f"question '{q.key}' depends on '{c.question}', which is not an "
                        "earlier question"
                    )
            seen.add(q.key)
        return self


def parse_definition(data: Any) -> SurveyDefinition:
    """A definition from plain data; ValidationFailed names the first bad field."""
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        # a survey-wide rule (keys, conditions) has no location: it is about the questions
        where = ".".join(str(p) for p in first["loc"]) or "questions"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ValidationFailed(f"{where}: {message}", field=where) from exc


def visible(definition: SurveyDefinition, answers: dict[str, Any]) -> list[Question]:
    """The questions shown given the answers so far (every condition must hold)."""
    return [q for q in definition.questions if all(c.holds(answers) for c in q.show_if)]


def next_step(definition: SurveyDefinition, answers: dict[str, Any]) -> list[Question]:
    """The questions of the next step; empty when the survey is complete.

    ``answers`` holds the saved answers (a skipped optional question is saved as None)."""
    step: list[Question] = []
    in_step: set[str] = set()
    for q in definition.questions:
        if q.key in answers:
            continue
        if any(c.question in in_step for c in q.show_if):
            break  # its visibility depends on this step's answers: next step
        if all(c.holds(answers) for c in q.show_if):
            step.append(q)
            in_step.add(q.key)
    return step


def clean_step(
    step: list[Question], form: dict[str, list[str]], language: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate one step's submitted form values: (answers, errors by question key).

    ``form`` maps a field name to its values (a checkbox group sends several)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in step:
        raw = [v.strip() for v in form.get(q.key, []) if v.strip()]
        if not raw:
            if q.required:
                errors[q.key] = "required"
            answers[q.key] = None
            continue
        if q.type == "text":
            answers[q.key] = raw[0][:TEXT_LIMIT]
        elif q.type == "multiple" or (q.type == "emotion" and len(raw) > 1):
            allowed = {value for value, _ in q.options(language)}
            picked = [v for v in dict.fromkeys(raw) if v in allowed]
            if len(picked) != len(set(raw)):
                errors[q.key] = "invalid"
            answers[q.key] = picked if q.type == "multiple" else picked[:3]
        elif q.type in ("single", "emotion"):
            allowed = {value for value, _ in q.options(language)}
            if raw[0] not in allowed:
                errors[q.key] = "invalid"
            answers[q.key] = raw[0]
        else:
            try:
                number = int(raw[0])
            except ValueError:
                number = None
            if number is None or number not in q.scale:
                errors[q.key] = "invalid"
            answers[q.key] = number
    return answers, errors


def clean_answers(
    definition: SurveyDefinition, form: dict[str, list[str]], language: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a whole survey answered on one form: step after step over the questions the
    answers so far make visible (hidden questions are ignored); (answers, errors)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    while step := next_step(definition, answers):
        cleaned, step_errors = clean_step(step, form, language)
        answers.update(cleaned)
        errors.update(step_errors)
    return answers, errors


def form_values(answers: dict[str, Any]) -> dict[str, list[str]]:
    """JSON answers (a value or a list per question key) as the form values of
    :func:`clean_step`."""
    out: dict[str, list[str]] = {}
    for key, value in answers.items():
        values = value if isinstance(value, list) else [value]
        out[str(key)] = [str(v) for v in values if v is not None]
    return out


def core_scores(definition: SurveyDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """The response's nps/csat/ces/comment columns: the first answered question of each."""
    scores: dict[str, Any] = {"nps": None, "csat": None, "ces": None, "comment": None}
    for q in definition.questions:
        value = answers.get(q.key)
        if value is None:
            continue
        column = q.type if q.type in SCALES else "comment" if q.type == "text" else None
        if column and scores[column] is None:
            scores[column] = value
    return scores
