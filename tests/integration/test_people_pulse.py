"""The employee pulse on both systems of record: rounds ask a survey of the survey engine
(validated by its rules, further questions kept and averaged), a pulse survey is never sent
to customers, and a recurring round opens its successor once and invites employees once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.services import auth
from cxm.services.people import common, jobs, pulse, pulse_rounds
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer, distribution, invitations
from cxm.store.tables import Base
from factories import insert_rows

K = 5
TODAY = date(2026, 3, 10)
TEAM = 6

SURVEY = {
    "title": {"pl": "Puls zespołu", "en": "Team pulse"},
    "anonymous": True,
    "questions": [
        {"key": "recommend", "type": "nps", "required": True, "text": {"pl": "Polecisz?"}},
        {
            "key": "tools",
            "type": "rating",
            "scale_min": 1,
            "scale_max": 7,
            "text": {"pl": "Narzędzia?"},
        },
        {"key": "ability", "type": "csat", "required": True, "text": {"pl": "Obsługa klientów?"}},
        {"key": "obstacle", "type": "text", "text": {"pl": "Co przeszkadza?"}},
    ],
}


def _team(rt: Runtime) -> list[Principal]:
    insert_rows(
        rt,
        "employees",
        [
            {
                "external_id": f"P{i}",
                "name": f"Osoba {i}",
                "email": f"p{i}@example.test",
                "department": "billing",
                "role": "specialist",
                "active": True,
            }
            for i in range(TEAM)
        ],
    )
    people = []
    for i in range(TEAM):
        auth.ensure_user(rt, f"p{i}", "pulse-pass-1", "employee")
        common.link_user(rt, f"p{i}", f"P{i}")
        found = auth.authenticate_password(rt, f"p{i}", "pulse-pass-1")
        assert found is not None
        people.append(found)
    return people


def _custom_survey(rt: Runtime) -> None:
    designer.create_survey(rt, "team_pulse", "Team pulse", SURVEY, kind="employee_pulse")
    designer.publish_survey(rt, "team_pulse")


def test_round_asks_its_survey_and_averages_further_questions(runtime: Runtime) -> None:
    people = _team(runtime)
    _custom_survey(runtime)
    round_id = pulse_rounds.create_round(
        runtime, "Marzec", TODAY - timedelta(days=1), TODAY, survey="team_pulse"
    )
    keys = [q.key for q in pulse_rounds.round_definition(runtime, round_id).questions]
    assert keys == ["recommend", "tools", "ability", "obstacle"]
    with pytest.raises(ValidationFailed) as missing:
        pulse.submit_pulse(runtime, people[0], round_id, {"recommend": ["9"]}, today=TODAY)
    assert missing.value.field == "ability"
    with pytest.raises(ValidationFailed) as invalid:
        form = {"recommend": ["11"], "ability": ["4"]}
        pulse.submit_pulse(runtime, people[0], round_id, form, today=TODAY)
    assert invalid.value.field == "recommend"
    for i, person in enumerate(people):
        form = {"recommend": [str(5 + i)], "ability": ["4"], "tools": [str(1 + i)]}
        form["obstacle"] = [f"przeszkoda {i}"]
        pulse.submit_pulse(runtime, person, round_id, form, today=TODAY)
    admin = Principal(0, "system", "admin", "System")
    result = pulse.pulse_results(runtime, admin, round_id)
    assert result.total.n == TEAM and result.others == ("tools",)
    assert result.total.others == (("tools", pytest.approx(3.5)),)
    assert result.total.enps == pytest.approx(0.0)  # scores 5…10: two promoters, two detractors
    assert "mean_tools" in pulse.export_csv(result).splitlines()[0]
    narrowed = pulse.pulse_results(runtime, admin, round_id, {"role": "team_lead"})
    assert narrowed.total.suppressed and narrowed.total.others == ()


def test_a_survey_without_the_pulse_questions_cannot_open_a_round(runtime: Runtime) -> None:
    lacking = {**SURVEY, "questions": SURVEY["questions"][:2]}
    designer.create_survey(runtime, "half", "Half", lacking, kind="employee_pulse")
    designer.publish_survey(runtime, "half")
    with pytest.raises(ValidationFailed) as refused:
        pulse_rounds.create_round(runtime, "X", TODAY, TODAY, survey="half")
    assert refused.value.field == "questions"


def test_pulse_surveys_are_never_sent_linked_or_triggered_to_customers(
    runtime: Runtime,
) -> None:
    pulse_rounds.ensure_pulse_survey(runtime)
    with pytest.raises(ValidationFailed):
        invitations.invite(runtime, "employee_pulse", email="c@example.test")
    with pytest.raises(ValidationFailed):
        distribution.touchpoint_link(runtime, "employee_pulse", "hotline")


def test_recurring_round_opens_its_successor_once_and_invites_once(runtime: Runtime) -> None:
    _team(runtime)
    first = pulse_rounds.create_round(
        runtime, "Puls", date(2026, 1, 1), date(2026, 1, 14), repeat_days=28
    )
    assert pulse_rounds.schedule_rounds(runtime, date(2026, 1, 10)) == 0
    assert pulse_rounds.schedule_rounds(runtime, date(2026, 1, 14)) == 1
    assert pulse_rounds.schedule_rounds(runtime, date(2026, 1, 20)) == 0
    rounds = pulse_rounds.list_rounds(runtime)
    successor = next(r for r in rounds if r.id != first)
    assert (successor.opens_on, successor.closes_on) == (date(2026, 1, 29), date(2026, 2, 11))
    assert successor.survey == "employee_pulse" and successor.repeat_days == 28
    # the job invites every employee with an address once per round, when it is open
    counts = jobs.run_people_jobs(runtime, date(2026, 1, 29))
    assert counts["pulse_invitations"] == TEAM
    assert jobs.run_people_jobs(runtime, date(2026, 1, 30))["pulse_invitations"] == 0
    outbox = Base.metadata.tables["people_outbox"]
    with runtime.db.read() as conn:
        keys = [r.key for r in conn.execute(outbox.select()).all() if r.key.startswith("pulse:")]
    assert sorted(keys) == sorted(f"pulse:{successor.id}:P{i}" for i in range(TEAM))


def test_a_long_unscheduled_recurrence_moves_on_by_whole_periods(runtime: Runtime) -> None:
    pulse_rounds.create_round(runtime, "Puls", date(2025, 1, 1), date(2025, 1, 31), repeat_days=91)
    assert pulse_rounds.schedule_rounds(runtime, date(2025, 12, 1)) == 1
    latest = pulse_rounds.list_rounds(runtime)[0]
    assert latest.opens_on == date(2025, 1, 1) + timedelta(days=4 * 91)
    assert latest.closes_on >= date(2025, 12, 1)


def test_repeat_shorter_than_the_round_is_refused(runtime: Runtime) -> None:
    with pytest.raises(ValidationFailed) as refused:
        pulse_rounds.create_round(
            runtime, "Puls", date(2026, 1, 1), date(2026, 1, 31), repeat_days=7
        )
    assert refused.value.field == "repeat_days"
