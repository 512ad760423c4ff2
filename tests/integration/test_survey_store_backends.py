"""The survey store on both systems of record (SQLite and PostgreSQL): publishing versions,
answering in steps with a resumable partial, completing once (a replay is refused), the
trigger evaluation and the funnel, and the server's survey job."""

from __future__ import annotations

from datetime import timedelta

from cxm.services import ingest
from cxm.services.runtime import Runtime
from cxm.services.surveys import answering, designer, funnel, invitations, tokens, triggers
from cxm.services.surveys.jobs import run_survey_jobs
from cxm.store.bulk import utc_now
from survey_helpers import CSAT_SURVEY, publish, seed_customers_and_interactions, token_of


def test_answer_flow_and_triggers_on_each_backend(runtime: Runtime) -> None:
    rt = runtime
    publish(rt, "csat_call", CSAT_SURVEY)
    edited = {
        **CSAT_SURVEY,
        "questions": [*CSAT_SURVEY["questions"][:1], CSAT_SURVEY["questions"][2]],
    }
    designer.update_survey(rt, "csat_call", definition=edited)
    assert [v["version"] for v in designer.get_survey(rt, "csat_call")["versions"]] == [2, 1]

    seed_customers_and_interactions(rt, 5, 15, start=utc_now() - timedelta(hours=3))
    made = invitations.invite(rt, "csat_call", interaction_external_id="i3", channel="manual")
    token = token_of(made["link"])
    assert made["version"] == 2
    state = answering.open_answer(rt, token)
    assert [q.key for q in state.step] == ["csat", "feel"]  # no branch in version 2
    missing = answering.submit_answer(rt, token, {"feel": ["anger"]})
    assert missing.state == "invalid" and missing.errors == {"csat": "required"}
    done = answering.submit_answer(rt, token, {"csat": ["1"], "feel": ["anger"]})
    assert done.state == "thanks"
    assert answering.submit_answer(rt, token, {"csat": ["5"], "feel": ["joy"]}).state == "used"
    nonce = tokens.read_invitation(rt.settings, token).value
    stored = ingest.get_response(rt, f"svy-{nonce}")
    assert stored["csat"] == 1 and stored["answers"]["_survey"] == "csat_call@v2"
    assert stored["touchpoint"] == "hotline" and stored["segment"] == "young"  # c3

    publish(rt, "branching", CSAT_SURVEY)
    resumable = token_of(invitations.invite(rt, "branching", channel="manual")["link"])
    assert answering.submit_answer(rt, resumable, {"csat": ["2"]}).state == "question"
    again = answering.open_answer(rt, resumable)  # saved: the next visit resumes at step 2
    assert [q.key for q in again.step] == ["why", "feel"] and again.answers == {"csat": 2}

    triggers.create_rule(
        rt,
        {
            "survey": "csat_call",
            "touchpoint": "invoice",
            "delay_minutes": 0,
            "quiet_start": None,
            "quiet_end": None,
        },
    )
    result = run_survey_jobs(rt)
    assert result["decisions"] == {"invited": 3, "no_rule": 10, "no_email": 1, "no_consent": 1}
    # i10's planned time is still ahead; with no SMTP server the two due stay for a later run
    assert result["sending"]["failed"] + result["sending"]["sent"] == 2
    total = funnel.survey_funnel(rt, "csat_call")[0]
    assert (total.invited, total.completed) == (4, 1)
