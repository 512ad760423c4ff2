"""Pulse rounds: which survey of the survey engine a round asks (kind ``employee_pulse``,
designed and versioned like any survey; ``employee_pulse`` by default), when it is open,
the next round of a recurring pulse, and the e-mail inviting employees when a round opens.

A round keeps the survey version it was opened with; a recurring round's successor asks
the survey's version current when it is scheduled, so edits apply from the next round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import as_file, files
from typing import Any

from sqlalchemy import select, update

from cxm.domain.errors import Conflict, NotFound, ValidationFailed
from cxm.domain.people import pulse_questions
from cxm.domain.surveys import SurveyDefinition
from cxm.services.people.common import EMPLOYEES, T, now
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer
from cxm.store import people_outbox

ROUNDS = T["pulse_rounds"]
DEFAULT_SURVEY = files("cxm.domain").joinpath("default_pulse_survey.yaml")
#: The key of the survey in :data:`DEFAULT_SURVEY`.
DEFAULT_KEY = "employee_pulse"
MAX_REPEAT_DAYS = 366


@dataclass(frozen=True)
class RoundView:
    id: int
    title: str
    opens_on: date
    closes_on: date
    answers: int
    survey: str
    survey_version: int
    repeat_days: int | None


def default_questions() -> list[dict[str, Any]]:
    """The default pulse survey's questions (the start of a new pulse survey)."""
    with as_file(DEFAULT_SURVEY) as path:
        questions: list[dict[str, Any]] = designer.read_survey_file(path)["questions"]
    return questions


def ensure_pulse_survey(rt: Runtime) -> dict[str, Any]:
    """The default pulse survey, created and published from the package's YAML if missing."""
    try:
        return designer.get_survey(rt, DEFAULT_KEY)
    except NotFound:
        pass
    try:
        with as_file(DEFAULT_SURVEY) as path:
            return designer.create_survey_from_file(rt, path, publish=True)
    except Conflict:  # another process created it meanwhile
        return designer.get_survey(rt, DEFAULT_KEY)


def pulse_surveys(rt: Runtime) -> list[dict[str, Any]]:
    """The published surveys a round may ask (the default one included)."""
    ensure_pulse_survey(rt)
    return [
        s
        for s in designer.list_surveys(rt)
        if s["kind"] == designer.PULSE_KIND and s["status"] == "live"
    ]


def _pulse_survey(rt: Runtime, key: str | None) -> dict[str, Any]:
    survey = designer.get_survey(rt, key) if key and key != DEFAULT_KEY else ensure_pulse_survey(rt)
    if survey["kind"] != designer.PULSE_KIND:
        raise ValidationFailed(
            f"survey '{survey['key']}' is not an employee pulse (kind {designer.PULSE_KIND})",
            field="survey",
        )
    pulse_questions(designer.live_definition(rt, survey))
    return survey


def create_round(
    rt: Runtime,
    title: str,
    opens_on: date,
    closes_on: date,
    *,
    survey: str | None = None,
    repeat_days: int | None = None,
) -> int:
    """Open a round asking the survey's current version; with ``repeat_days`` the next
    round opens that many days after this one opened (and so on)."""
    if not title.strip():
        raise ValidationFailed("a round needs a title", field="title")
    if closes_on < opens_on:
        raise ValidationFailed("the round closes before it opens", field="closes_on")
    if repeat_days is not None:
        length = (closes_on - opens_on).days + 1
        if not length <= repeat_days <= MAX_REPEAT_DAYS:
            raise ValidationFailed(
                f"repeat_days must be between the round's length ({length}) and "
                f"{MAX_REPEAT_DAYS}, so that rounds never overlap",
                field="repeat_days",
            )
    chosen = _pulse_survey(rt, survey)
    with rt.db.write() as conn:
        result = conn.execute(
            ROUNDS.insert().values(
                title=title.strip()[:200],
                opens_on=opens_on,
                closes_on=closes_on,
                created_at=now(),
                survey_id=chosen["id"],
                survey_version=chosen["current_version"],
                repeat_days=repeat_days,
            )
        )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_rounds(rt: Runtime) -> list[RoundView]:
    answers = T["pulse_answers"]
    surveys = T["surveys"]
    with rt.db.read() as conn:
        rounds = conn.execute(
            select(ROUNDS, surveys.c.key.label("survey_key"))
            .select_from(ROUNDS.outerjoin(surveys, surveys.c.id == ROUNDS.c.survey_id))
            .order_by(ROUNDS.c.opens_on.desc(), ROUNDS.c.id.desc())
        ).all()
        counts: dict[int, int] = {}
        for r in conn.execute(select(answers.c.round_id)).all():
            counts[r.round_id] = counts.get(r.round_id, 0) + 1
    return [
        RoundView(
            r.id,
            r.title,
            r.opens_on,
            r.closes_on,
            counts.get(r.id, 0),
            r.survey_key or "",
            r.survey_version or 0,
            r.repeat_days,
        )
        for r in rounds
    ]


def open_round(rt: Runtime, today: date | None = None) -> RoundView | None:
    today = today or now().date()
    return next((r for r in list_rounds(rt) if r.opens_on <= today <= r.closes_on), None)


def round_definition(rt: Runtime, round_id: int) -> SurveyDefinition:
    """The survey version a round asks (rounds made before pulse surveys ask the default)."""
    with rt.db.read() as conn:
        row = conn.execute(select(ROUNDS).where(ROUNDS.c.id == round_id)).first()
    if row is None:
        raise NotFound(f"no pulse round {round_id}", field="round_id")
    if row.survey_id is None:
        return designer.live_definition(rt, ensure_pulse_survey(rt))
    return designer.DEFINITIONS.get(rt, row.survey_id, row.survey_version)


def schedule_rounds(rt: Runtime, today: date | None = None) -> int:
    """Open the next round of every recurring round that has closed or closes today (once:
    a round has at most one successor); a successor whose time has passed while nobody
    scheduled it moves on by whole periods. Returns how many rounds were opened."""
    today = today or now().date()
    successors = select(ROUNDS.c.previous_round_id).where(ROUNDS.c.previous_round_id.is_not(None))
    with rt.db.read() as conn:
        due = conn.execute(
            select(ROUNDS).where(
                ROUNDS.c.repeat_days.is_not(None),
                ROUNDS.c.closes_on <= today,
                ROUNDS.c.id.not_in(successors),
            )
        ).all()
    made = 0
    for row in due:
        period = timedelta(days=row.repeat_days)
        opens_on, closes_on = row.opens_on + period, row.closes_on + period
        while closes_on < today:
            opens_on, closes_on = opens_on + period, closes_on + period
        chosen = (
            designer.get_survey_by_id(rt, row.survey_id)
            if row.survey_id
            else ensure_pulse_survey(rt)
        )
        with rt.db.write() as conn:
            taken = conn.execute(
                select(ROUNDS.c.id).where(ROUNDS.c.previous_round_id == row.id)
            ).first()
            if taken is not None:
                continue
            conn.execute(
                ROUNDS.insert().values(
                    title=row.title,
                    opens_on=opens_on,
                    closes_on=closes_on,
                    created_at=now(),
                    survey_id=chosen["id"],
                    survey_version=chosen["current_version"],
                    repeat_days=row.repeat_days,
                    previous_round_id=row.id,
                )
            )
        made += 1
    return made


def queue_invitations(rt: Runtime, today: date | None = None) -> int:
    """Once per open round, an e-mail to every active employee with an address (outbox key
    ``pulse:<round>:<employee>``). Returns how many were queued."""
    today = today or now().date()
    link = f"{rt.settings.public_base_url.rstrip('/')}/pulse"
    made = 0
    stamp = now()
    with rt.db.write() as conn:
        rounds = conn.execute(
            select(ROUNDS).where(
                ROUNDS.c.opens_on <= today,
                ROUNDS.c.closes_on >= today,
                ROUNDS.c.invited_at.is_(None),
            )
        ).all()
        if not rounds:
            return 0
        staff = conn.execute(
            select(EMPLOYEES.c.external_id, EMPLOYEES.c.name, EMPLOYEES.c.email).where(
                EMPLOYEES.c.active.is_(True), EMPLOYEES.c.email.is_not(None)
            )
        ).all()
        for r in rounds:
            for s in staff:
                body = (
                    f"Dzień dobry {s.name},\nzapraszamy do anonimowego pulsu „{r.title}” "
                    f"(do {r.closes_on:%d.%m.%Y}): {link}\n\n"
                    f"Hello {s.name},\nplease answer the anonymous pulse “{r.title}” "
                    f"(until {r.closes_on:%Y-%m-%d}): {link}\n"
                )
                key = f"pulse:{r.id}:{s.external_id}"
                subject = "cxm: puls pracowników / employee pulse"
                if people_outbox.enqueue(conn, key, s.email, subject, body, stamp):
                    made += 1
            conn.execute(update(ROUNDS).where(ROUNDS.c.id == r.id).values(invited_at=stamp))
    return made
