"""How a survey question is shown on a page: its label, options, the value given so far and
the error, in the respondent's language. Shared by the public answer page and the employee
pulse, which both render ``_survey_questions.html``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxm.domain.surveys import Question
from cxm.web import i18n
from cxm.web.i18n import N_

ERROR_TEXTS = {
    "required": N_("Please answer this question."),
    "invalid": N_("Please choose one of the options."),
}


@dataclass(frozen=True)
class OptionView:
    value: str
    label: str
    checked: bool
    input_id: str


@dataclass(frozen=True)
class QuestionView:
    key: str
    type: str
    label: str
    help: str
    required: bool
    options: tuple[OptionView, ...]
    value: str
    error: str
    low_label: str
    high_label: str
    multiple: bool


def question_view(
    q: Question, language: str, answers: dict[str, Any], errors: dict[str, str]
) -> QuestionView:
    given = answers.get(q.key)
    chosen = {str(v) for v in given} if isinstance(given, list) else {str(given)}
    options = tuple(
        OptionView(value, label, value in chosen, f"q-{q.key}-{value}")
        for value, label in (q.options(language) if q.type != "text" else [])
    )
    error = errors.get(q.key)
    return QuestionView(
        key=q.key,
        type=q.type,
        label=q.text.get(language),
        help=q.help.get(language) if q.help else "",
        required=q.required,
        options=options,
        value=str(given) if q.type == "text" and given else "",
        error=i18n.gettext(language, ERROR_TEXTS[error]) if error else "",
        low_label=q.low_label.get(language) if q.low_label else _default_low(q, language),
        high_label=q.high_label.get(language) if q.high_label else _default_high(q, language),
        multiple=q.type == "multiple",
    )


def _default_low(q: Question, language: str) -> str:
    texts = {
        "nps": N_("Not at all likely"),
        "csat": N_("Very dissatisfied"),
        "ces": N_("Very difficult"),
    }
    return i18n.gettext(language, texts[q.type]) if q.type in texts else ""


def _default_high(q: Question, language: str) -> str:
    texts = {"nps": N_("Extremely likely"), "csat": N_("Very satisfied"), "ces": N_("Very easy")}
    return i18n.gettext(language, texts[q.type]) if q.type in texts else ""
