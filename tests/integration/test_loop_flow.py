"""The closed loop end to end against a real SMTP server (aiosmtpd) and a real webhook
receiver on loopback: rules open routed cases from imported responses, SLA clocks escalate
in business hours, complaints are acknowledged and answered, webhooks are signed, retried
and replayed. Clocks are frozen by passing ``now``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from cxm.config import Settings
from cxm.domain.access import Principal
from cxm.domain.errors import Conflict
from cxm.domain.loop_sla import BusinessCalendar
from cxm.services import ingest
from cxm.services.loop import cases, complaints, notifications, rules, setup, sla
from cxm.services.loop.jobs import run_jobs
from cxm.services.runtime import Runtime, open_runtime
from cxm.store.alerts import insert_new_alerts
from factories import insert_rows
from loop_helpers import WebhookReceiver
from mail_helpers import SmtpInbox

ADMIN = Principal(1, "ada", "admin")
BILLING_AGENT = Principal(2, "agata", "agent", "billing")
SALES_AGENT = Principal(3, "sam", "agent", "sales")
NOW = datetime(2026, 11, 10, 13, 0)  # Tuesday 14:00 in Warsaw, the day before 11 November


@pytest.fixture
def loop_rt(store_settings: Settings, smtp_inbox: SmtpInbox) -> Iterator[Runtime]:
    """A runtime on SQLite and on PostgreSQL, sending to the test's SMTP server."""
    rt = open_runtime(store_settings.model_copy(update={"smtp_port": smtp_inbox.port}))
    yield rt
    rt.close()


def _configure(rt: Runtime, receiver: WebhookReceiver | None = None) -> None:
    setup.install_defaults(rt, now=NOW)
    setup.add_route(rt, "billing", touchpoint="invoice", owner="agata",
                    owner_email="agata@firma.pl", manager="marek",
                    manager_email="marek@firma.pl", now=NOW)  # fmt: skip
    if receiver is not None:
        notifications.add_webhook(rt, "crm", receiver.url, secret=receiver.secret, now=NOW)


def _import(rt: Runtime, records: list[dict[str, object]]) -> None:
    customers = ingest.import_records(rt, "customers", [
        {"external_id": "k1", "name": "Jan Kowalski", "email": "jan@example.pl",
         "language": "pl", "consent_email": "tak", "segment": "family"},
    ])  # fmt: skip
    assert customers.rejected == 0, customers.rejects
    summary = ingest.import_records(rt, "responses", records)
    assert summary.rejected == 0, summary.rejects


def test_detractor_response_opens_case_in_owning_department_and_notifies(
    loop_rt: Runtime, smtp_inbox: SmtpInbox
) -> None:
    with WebhookReceiver() as receiver:
        _configure(loop_rt, receiver)
        _import(loop_rt, [
            {"external_id": "r1", "customer_external_id": "k1", "responded_at": "2026-11-09",
             "nps": 2, "touchpoint": "invoice", "comment": "Faktura znowu błędna"},
            {"external_id": "r2", "customer_external_id": "k1", "responded_at": "2026-11-09",
             "nps": 10, "touchpoint": "hotline"},
        ])  # fmt: skip
        result = run_jobs(loop_rt, ["rules", "notifications"], now=NOW)
        assert result["rules"]["responses"]["checked"] == 2
        found = cases.list_cases(loop_rt, ADMIN)
        assert len(found) == 1
        case = found[0]
        assert (case["department"], case["owner"], case["status"]) == ("billing", "agata", "new")
        assert case["touchpoint"] == "invoice" and case["customer_id"] is not None
        # the billing agent sees it; a sales agent does not
        assert [c["id"] for c in cases.list_cases(loop_rt, BILLING_AGENT)] == [case["id"]]
        assert cases.list_cases(loop_rt, SALES_AGENT) == []
        assert [m["To"] for m in smtp_inbox.messages] == ["agata@firma.pl"]
        assert f"#{case['id']}" in smtp_inbox.messages[0]["Subject"]
        opened = receiver.events("case.opened")
        assert len(opened) == 1 and opened[0]["data"]["department"] == "billing"
        assert receiver.bad_signatures == 0 and all(c["verified"] for c in receiver.calls)
        # running again opens nothing and sends nothing
        run_jobs(loop_rt, ["rules", "notifications"], now=NOW)
        assert len(cases.list_cases(loop_rt, ADMIN)) == 1
        assert len(smtp_inbox.messages) == 1 and len(receiver.calls) == 1


def test_sla_breach_escalates_at_business_hour_across_polish_holiday(
    loop_rt: Runtime, smtp_inbox: SmtpInbox
) -> None:
    _configure(loop_rt)
    record = {"external_id": "r1", "customer_external_id": "k1", "responded_at": "2026-11-10"}
    _import(loop_rt, [record | {"nps": 1, "touchpoint": "invoice"}])
    run_jobs(loop_rt, ["rules"], now=NOW)
    (case,) = cases.list_cases(loop_rt, ADMIN)
    # normal priority: 4 business hours. Tuesday 14:00–16:00 (2 h), Wednesday 11 November is
    # a holiday, Thursday 08:00–10:00 Warsaw = 09:00 UTC.
    assert case["first_response_due"] == datetime(2026, 11, 12, 9, 0)
    before = datetime(2026, 11, 12, 8, 59)
    assert sla.escalate_breaches(loop_rt, now=before).escalated == 0
    assert sla.escalate_breaches(loop_rt, now=datetime(2026, 11, 11, 15, 0)).escalated == 0
    at = datetime(2026, 11, 12, 9, 0)
    assert sla.escalate_breaches(loop_rt, now=at).escalated == 1
    assert sla.escalate_breaches(loop_rt, now=at + timedelta(minutes=5)).escalated == 0
    escalated = cases.get_case(loop_rt, case["id"], ADMIN)
    assert escalated["priority"] == "high" and escalated["escalation_level"] == 1
    assert escalated["first_response_breached_at"] == at
    kinds = [e["kind"] for e in escalated["events"]]
    assert kinds == ["created", "sla_breach", "escalated"]
    notifications.dispatch_notifications(loop_rt, now=at)
    to_manager = [m for m in smtp_inbox.messages if m["To"] == "marek@firma.pl"]
    assert len(to_manager) == 1 and "SLA" in to_manager[0]["Subject"]


def test_business_calendar_skips_weekends_and_may_holidays() -> None:
    calendar = BusinessCalendar()
    # Thursday 30 April 2026 15:00 Warsaw (13:00 UTC) + 2 h: 1 May (Fri) holiday, weekend,
    # 3 May is Sunday anyway → Monday 4 May 09:00 Warsaw = 07:00 UTC.
    assert calendar.add_business_minutes(datetime(2026, 4, 30, 13, 0), 120) == datetime(
        2026, 5, 4, 7, 0
    )
    assert calendar.business_minutes_between(
        datetime(2026, 4, 30, 13, 0), datetime(2026, 5, 4, 7, 0)
    ) == pytest.approx(120)


def test_webhook_failing_three_times_gets_event_later_exactly_once(loop_rt: Runtime) -> None:
    with WebhookReceiver(fail_first=3) as receiver:
        _configure(loop_rt, receiver)
        _import(loop_rt, [{"external_id": "r1", "responded_at": "2026-11-09", "nps": 0,
                           "touchpoint": "invoice"}])  # fmt: skip
        run_jobs(loop_rt, ["rules"], now=NOW)
        t = NOW
        for wait in (0, 30, 60, 120):  # back-off: 30 s, 1 min, 2 min
            t += timedelta(seconds=wait)
            early = notifications.dispatch_notifications(loop_rt, now=t - timedelta(seconds=1))
            assert early.attempted == 0 or wait == 0
            notifications.dispatch_notifications(loop_rt, now=t)
        assert len(receiver.calls) == 4
        assert len(receiver.accepted) == 1 and receiver.duplicates == 0
        notifications.dispatch_notifications(loop_rt, now=t + timedelta(hours=1))
        assert len(receiver.calls) == 4
        log = notifications.list_deliveries(loop_rt)
        hooks = [d for d in log if d["channel"] == "webhook"]
        assert sorted((d["attempt"], d["ok"], d["status_code"]) for d in hooks) == [
            (1, False, 500), (2, False, 500), (3, False, 500), (4, True, 200),
        ]  # fmt: skip


def test_wrong_secret_fails_signature_check_then_dead_letter_replays(loop_rt: Runtime) -> None:
    with WebhookReceiver() as receiver:
        _configure(loop_rt)
        notifications.add_webhook(loop_rt, "bad", receiver.url, secret="not-the-secret", now=NOW)
        _import(loop_rt, [{"external_id": "r1", "responded_at": "2026-11-09", "nps": 3,
                           "touchpoint": "invoice"}])  # fmt: skip
        run_jobs(loop_rt, ["rules"], now=NOW)
        t = NOW
        for _ in range(notifications.MAX_ATTEMPTS):
            notifications.dispatch_notifications(loop_rt, now=t)
            t += timedelta(hours=1)
        assert receiver.bad_signatures == notifications.MAX_ATTEMPTS and not receiver.accepted
        (dead,) = notifications.list_outbox(loop_rt, status="dead")
        assert dead["channel"] == "webhook" and dead["last_error"] == "HTTP 401"
        receiver.secret = "not-the-secret"  # the receiver's operator fixes the secret
        assert notifications.replay_dead(loop_rt, [dead["id"]], now=t) == 1
        assert notifications.dispatch_notifications(loop_rt, now=t).delivered == 1
        assert len(receiver.accepted) == 1


def test_complaint_is_acknowledged_answered_and_followed_up(
    loop_rt: Runtime, smtp_inbox: SmtpInbox
) -> None:
    _configure(loop_rt)
    _import(loop_rt, [{"external_id": "r1", "customer_external_id": "k1",
                       "responded_at": "2026-11-09", "nps": 0, "touchpoint": "complaint",
                       "comment": "Reklamuję fakturę"}])  # fmt: skip
    run_jobs(loop_rt, ["rules", "notifications"], now=NOW)
    (case,) = cases.list_cases(loop_rt, ADMIN)
    assert case["kind"] == "complaint" and case["department"] == "complaints"
    record = cases.get_case(loop_rt, case["id"], ADMIN)["complaint"]
    assert record["step"] == "acknowledged" and record["reference"].startswith("R/2026/")
    ack = [m for m in smtp_inbox.messages if m["To"] == "jan@example.pl"]
    assert len(ack) == 1 and record["reference"] in ack[0]["Subject"]
    cases.change_status(loop_rt, case["id"], "in_progress", ADMIN, now=NOW)
    complaints.record_assessment(loop_rt, case["id"], ADMIN, assessment="zasadna",
                                 cause_category="system", cause_analysis="błąd taryfy")  # fmt: skip
    later = NOW + timedelta(days=2)
    complaints.respond_to_complaint(loop_rt, case["id"], ADMIN, "Korekta wystawiona.", now=later)
    cases.change_status(loop_rt, case["id"], "closed", ADMIN, now=later)
    notifications.dispatch_notifications(loop_rt, now=later)
    done = cases.get_case(loop_rt, case["id"], ADMIN)
    assert done["status"] == "closed" and done["root_cause"] == "system"
    assert done["complaint"]["step"] == "closed" and done["complaint"]["responded_at"] == later
    subjects = [m["Subject"] for m in smtp_inbox.messages if m["To"] == "jan@example.pl"]
    assert len(subjects) == 3  # acknowledgement, answer, follow-up with the recontact link
    follow_up = [m for m in smtp_inbox.messages if "/loop/recontact/" in m.get_payload()]
    assert len(follow_up) == 1
    analysis = complaints.cause_analysis(loop_rt, ADMIN)
    assert {"department": "complaints", "cause_category": "system", "complaints": 1} in analysis


def test_case_transitions_refuse_skips_and_count_reopens(loop_rt: Runtime) -> None:
    _configure(loop_rt)
    case = cases.open_case(loop_rt, BILLING_AGENT, title="Klient dzwonił", now=NOW)
    assert case["department"] == "billing"
    with pytest.raises(Conflict):
        cases.change_status(loop_rt, case["id"], "closed", BILLING_AGENT, now=NOW)
    for status in ("acknowledged", "in_progress", "waiting_customer", "resolved", "closed"):
        cases.change_status(loop_rt, case["id"], status, BILLING_AGENT, now=NOW)
    reopened = cases.change_status(loop_rt, case["id"], "in_progress", BILLING_AGENT, now=NOW)
    assert reopened["reopen_count"] == 1 and reopened["closed_at"] is None
    assert reopened["first_response_at"] == NOW
    result = cases.bulk_update(loop_rt, [case["id"], 999], BILLING_AGENT, status="resolved")
    assert result["updated"] == [case["id"]] and 999 in result["refused"]


def test_churn_words_emotions_and_control_limits_open_cases(loop_rt: Runtime) -> None:
    _configure(loop_rt)
    _import(loop_rt, [
        {"external_id": "r1", "responded_at": "2026-11-09", "csat": 4, "touchpoint": "hotline",
         "comment": "Rezygnuję z waszych usług"},
        {"external_id": "r2", "responded_at": "2026-11-09", "csat": 4, "touchpoint": "hotline",
         "comment": "I will cancel my contract"},
        {"external_id": "r3", "responded_at": "2026-11-09", "csat": 4, "touchpoint": "hotline",
         "comment": "Bardzo miła obsługa"},
    ])  # fmt: skip
    run_jobs(loop_rt, ["rules"], now=NOW)
    titles = {c["response_id"]: c["title"] for c in cases.list_cases(loop_rt, ADMIN)}
    assert len(titles) == 2 and all("Churn words" in t for t in titles.values())
    insert_new_alerts(loop_rt.db, [{
        "metric": "nps", "scope_key": "department=billing", "scope": {"department": "billing"},
        "grain": "month", "period": datetime(2026, 10, 1).date(), "n": 120, "value": -30.0,
        "centre": 10.0, "limit_value": -5.0, "severity": "critical", "status": "open",
        "created_at": NOW, "updated_at": NOW,
    }])  # fmt: skip
    result = rules.evaluate_alert_rules(loop_rt, now=NOW)
    assert result.opened == 1
    alert_case = next(c for c in cases.list_cases(loop_rt, ADMIN) if c["source"] == "alert")
    assert alert_case["department"] == "billing" and alert_case["priority"] == "critical"
    assert rules.evaluate_alert_rules(loop_rt, now=NOW).opened == 0


def test_anger_above_threshold_opens_case_from_comment_analysis(loop_rt: Runtime) -> None:
    _configure(loop_rt)
    _import(loop_rt, [
        {"external_id": f"e{i}", "responded_at": "2026-11-09", "csat": 4, "touchpoint": "hotline"}
        for i in range(2)
    ])  # fmt: skip
    ids = {r["external_id"]: r["id"] for r in (ingest.get_response(loop_rt, f"e{i}")
                                               for i in range(2))}  # fmt: skip
    emotions = dict.fromkeys(
        ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation",
         "frustration", "disappointment", "delight"), 0.0,
    )  # fmt: skip
    rows = [
        {"response_id": ids[key], "responded_at": datetime(2026, 11, 9), "analyser_version": "t",
         "language": "pl", "sentiment": "negative", "sentiment_score": -0.8, "themes": "|",
         "redacted_comment": "…", **emotions, "anger": anger}
        for key, anger in (("e0", 0.9), ("e1", 0.2))
    ]  # fmt: skip
    insert_rows(loop_rt, "comment_analyses", rows)
    run_jobs(loop_rt, ["rules"], now=NOW)
    (case,) = cases.list_cases(loop_rt, ADMIN)
    assert case["response_id"] == ids["e0"] and case["priority"] == "high"
    assert case["department"] == "customer_service"


def test_follow_up_uses_published_recontact_survey_invitation(
    loop_rt: Runtime, smtp_inbox: SmtpInbox
) -> None:
    from cxm.services.surveys import designer

    definition = {
        "title": {"pl": "Czy już lepiej?", "en": "Is it better now?"},
        "questions": [{"key": "nps", "type": "nps", "required": True,
                       "text": {"pl": "Czy polecisz nas?", "en": "Would you recommend us?"}}],
    }  # fmt: skip
    designer.create_survey(loop_rt, notifications.RECONTACT_SURVEY_KEY, "Recontact", definition)
    designer.publish_survey(loop_rt, notifications.RECONTACT_SURVEY_KEY)
    _configure(loop_rt)
    record = {"external_id": "r1", "customer_external_id": "k1", "responded_at": "2026-11-09"}
    _import(loop_rt, [record | {"nps": 2, "touchpoint": "hotline"}])
    run_jobs(loop_rt, ["rules"], now=NOW)
    (case,) = cases.list_cases(loop_rt, ADMIN)
    cases.update_case(loop_rt, case["id"], ADMIN, resolution="Oddzwoniliśmy.", now=NOW)
    cases.change_status(loop_rt, case["id"], "resolved", ADMIN, now=NOW)
    notifications.dispatch_notifications(loop_rt, now=NOW)
    (follow_up,) = [m for m in smtp_inbox.messages if m["To"] == "jan@example.pl"]
    body = follow_up.get_payload()
    assert "/s/" in body and "/loop/recontact/" not in body and "Oddzwoniliśmy." in body


def test_scheduled_run_skips_while_another_runner_holds_the_lock(loop_rt: Runtime) -> None:
    from cxm.services.loop import jobs

    _configure(loop_rt)
    with jobs.job_lock(loop_rt, wait=True) as held:
        assert held
        assert jobs.run_scheduled(loop_rt) == {}
        with pytest.raises(Conflict):
            jobs.run_jobs(loop_rt, ["sla"], wait=False)
    result = jobs.run_scheduled(loop_rt)
    assert set(result) == set(jobs.JOBS)
