"""Answering a survey through a one-time link: checking the token, showing the next step,
saving partial answers (resumable), and completing — the response lands in the system of
record through the same short write path as API responses, with the touch-point and all
seven dimensions of the interaction that caused the invitation.

Every outcome is an :class:`AnswerState` (never an exception): a tampered, expired, used or
unknown link is a page for the respondent, with its HTTP status."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cxm.domain.surveys import Question, SurveyDefinition, clean_step, core_scores, next_step
from cxm.services import comment_analysis
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer, invitations, tokens
from cxm.store import surveys_invitations as store
from cxm.store.bulk import utc_now

#: state → HTTP status of the page.
STATUSES = {
    "question": 200,
    "invalid": 422,
    "thanks": 200,
    "tampered": 400,
    "unknown": 404,
    "expired": 410,
    "used": 409,
    "closed": 410,
}


@dataclass
class AnswerState:
    """What the answer page shows."""

    state: str
    language: str
    definition: SurveyDefinition | None = None
    step: list[Question] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    progress: tuple[int, int] = (0, 0)
    token: str = ""
    response_id: int | None = None

    @property
    def status(self) -> int:
        return STATUSES[self.state]


def _language(hint: str | None, invitation_language: str | None, browser: str | None) -> str:
    for candidate in (hint, invitation_language, browser):
        if candidate in ("pl", "en"):
            return candidate
    return "pl"


def _progress(definition: SurveyDefinition, answers: dict[str, Any]) -> tuple[int, int]:
    return len([k for k in answers if k in {q.key for q in definition.questions}]), len(
        definition.questions
    )


def _load(
    rt: Runtime, token: str, hint: str | None, browser: str | None, now: datetime
) -> tuple[AnswerState, dict[str, Any] | None]:
    check = tokens.read_invitation(rt.settings, token, now.replace(tzinfo=UTC).timestamp())
    if check.problem == "tampered" or check.value is None:
        return AnswerState("tampered", _language(hint, None, browser)), None
    invitation = store.fetch_for_answer(rt.db, check.value)
    if invitation is None:
        return AnswerState("unknown", _language(hint, None, browser)), None
    language = _language(hint, invitation["language"], browser)
    if invitation["completed_at"] is not None:
        return AnswerState("used", language), None
    if check.problem == "expired" or invitation["expires_at"] <= now:
        return AnswerState("expired", language), None
    definition = designer.DEFINITIONS.get(rt, invitation["survey_id"], invitation["version"])
    answers = dict(invitation["partial_answers"] or {})
    state = AnswerState(
        "question",
        language,
        definition,
        next_step(definition, answers),
        answers,
        token=token,
        progress=_progress(definition, answers),
    )
    return state, invitation


def open_answer(
    rt: Runtime,
    token: str,
    hint: str | None = None,
    browser: str | None = None,
    now: datetime | None = None,
) -> AnswerState:
    """The page behind a link: the next step (marking the invitation opened) or why not.

    ``now`` stands in for the clock (demo history, tests)."""
    now = now or utc_now()
    state, invitation = _load(rt, token, hint, browser, now)
    if invitation is not None and invitation["opened_at"] is None:
        store.mark_opened(rt.db, invitation["id"], now)
    return state


def submit_answer(
    rt: Runtime,
    token: str,
    form: dict[str, list[str]],
    hint: str | None = None,
    browser: str | None = None,
    now: datetime | None = None,
) -> AnswerState:
    """Take one step's answers: errors → the step again; more questions → saved, next step;
    none left → the response is stored and the invitation closed (a second submission is
    refused with the ``used`` state)."""
    now = now or utc_now()
    state, invitation = _load(rt, token, hint, browser, now)
    if invitation is None or state.definition is None:
        return state
    definition = state.definition
    cleaned, errors = clean_step(state.step, form, state.language)
    if errors:
        state.state, state.errors = "invalid", errors
        state.answers = {**state.answers, **cleaned}
        return state
    answers = {**state.answers, **cleaned}
    following = next_step(definition, answers)
    if following:
        if not store.save_partial(rt.db, invitation["id"], answers, now):
            return AnswerState("used", state.language)
        state.answers, state.step = answers, following
        state.progress = _progress(definition, answers)
        return state
    try:
        response_id = _complete(rt, invitation, definition, answers, state.language, now)
    except store.AlreadyCompleted:
        return AnswerState("used", state.language)
    return AnswerState("thanks", state.language, definition, response_id=response_id)


def _complete(
    rt: Runtime,
    invitation: dict[str, Any],
    definition: SurveyDefinition,
    answers: dict[str, Any],
    language: str,
    now: datetime,
) -> int:
    context = invitation["context"] or {}
    anonymous = definition.anonymous
    given = {k: v for k, v in answers.items() if v is not None}
    survey_key = context.get("survey_key") or str(invitation["survey_id"])
    row: dict[str, Any] = {
        "external_id": f"svy-{invitation['nonce']}"
        if not anonymous
        else f"svy-anon-{secrets.token_urlsafe(12)}",
        "customer_id": None if anonymous else invitation["customer_id"],
        "interaction_id": None if anonymous else invitation["interaction_id"],
        "employee_id": context.get("employee_id"),
        "source": "survey",
        "responded_at": now,
        **core_scores(definition, given),
        "answers": {**given, "_survey": f"{survey_key}@v{invitation['version']}"},
        "language": language,
    }
    for name in invitations.CONTEXT_COLUMNS:
        if name != "employee_id":
            row[name] = context.get(name)
    response_id = store.complete_invitation(
        rt.db, invitation["id"], row, keep_link=not anonymous, now=now
    )
    if row.get("comment"):
        comment_analysis.notify_new_comments(rt)  # analysed after the write, off this path
    return response_id


# --- touch-point links (counters, receipts, QR codes, embedded) ------------------------------


@dataclass
class LinkStart:
    """The first step of a survey reached by a touch-point link, or a new invitation's
    token once the respondent submitted it."""

    state: AnswerState
    invitation_token: str | None = None


def open_link(
    rt: Runtime, link_token: str, hint: str | None = None, browser: str | None = None
) -> AnswerState:
    found = tokens.read_touchpoint(rt.settings, link_token)
    language = _language(hint, None, browser)
    if found is None:
        return AnswerState("tampered", language)
    key, _touchpoint, _via = found
    survey = designer.get_survey(rt, key)
    if survey["status"] != "live" or survey["kind"] == designer.PULSE_KIND:
        return AnswerState("closed", language)
    definition = designer.live_definition(rt, survey)
    return AnswerState(
        "question",
        language,
        definition,
        next_step(definition, {}),
        token=link_token,
        progress=(0, len(definition.questions)),
    )


def submit_link(
    rt: Runtime,
    link_token: str,
    form: dict[str, list[str]],
    hint: str | None = None,
    browser: str | None = None,
) -> LinkStart:
    """Validate the first step; if valid, open an invitation for this visitor and carry on
    with it (its token continues the survey: one response per visitor's link)."""
    first = open_link(rt, link_token, hint, browser)
    if first.state != "question" or first.definition is None:
        return LinkStart(first)
    _cleaned, errors = clean_step(first.step, form, first.language)
    if errors:
        first.state, first.errors = "invalid", errors
        first.answers = _cleaned
        return LinkStart(first)
    found = tokens.read_touchpoint(rt.settings, link_token)
    assert found is not None
    key, touchpoint, via = found
    survey = designer.get_survey(rt, key)
    now = utc_now()
    context = invitations.context_of(rt, {"touchpoint": touchpoint}, {})
    row = invitations.invitation_row(
        survey,
        now=now,
        send_after=now,
        channel=via if via in ("link", "qr", "embed") else "link",
        language=first.language,
        context=context,
    )
    row["opened_at"] = now
    store.insert_invitations(rt.db, [row])
    token = tokens.sign_invitation(rt.settings, row["nonce"], row["expires_at"])
    state = submit_answer(rt, token, form, first.language, browser)
    return LinkStart(state, token)
