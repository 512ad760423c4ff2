"""E-mail distribution against a real SMTP server (aiosmtpd on loopback): the invitation in
the customer's language, one reminder, the unsubscribe link honoured, a crash between send
and confirmation retried with the same Message-ID, QR codes and the embed snippet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cxm.services.runtime import Runtime, open_runtime
from cxm.services.surveys import distribution, funnel, invitations, triggers
from cxm.store.bulk import utc_now
from mail_helpers import SmtpInbox
from settings_helpers import make_settings
from survey_helpers import CSAT_SURVEY, publish, seed_customers_and_interactions


@pytest.fixture
def mail_rt(data_dir: Path, smtp_inbox: SmtpInbox) -> Iterator[Runtime]:
    rt = open_runtime(make_settings(data_dir, smtp_port=smtp_inbox.port))
    yield rt
    rt.close()


def _body(message: object) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else None  # type: ignore[attr-defined]
    if part is None:
        for sub in message.walk():  # type: ignore[attr-defined]
            if sub.get_content_type() == "text/plain":
                return str(sub.get_payload(decode=True).decode("utf-8"))
    return str(part.get_content())


def test_invitation_reminder_and_unsubscribe_over_smtp(
    mail_rt: Runtime, smtp_inbox: SmtpInbox
) -> None:
    rt = mail_rt
    publish(rt, "csat_call", CSAT_SURVEY, reminder_after_hours=48)
    seed_customers_and_interactions(
        rt, 5, 15, start=utc_now() - timedelta(hours=5), minutes_apart=1
    )
    triggers.create_rule(
        rt,
        {
            "survey": "csat_call",
            "touchpoint": "hotline",
            "delay_minutes": 0,
            "quiet_start": None,
            "quiet_end": None,
        },
    )
    decided = triggers.evaluate_triggers(rt)
    # hotline: i0 → c0, i3 → c3 (no address), i6 → c1, i9 → c4, i12 → c2 (no consent)
    assert decided == {"invited": 3, "no_rule": 10, "no_email": 1, "no_consent": 1}

    sent = distribution.send_due(rt)
    assert sent["sent"] == 3 and sent["failed"] == 0
    assert len(smtp_inbox.messages) == 3
    english = next(m for m in smtp_inbox.messages if m["To"] == "c0@example.test")
    assert english["Subject"].startswith("How did we do?")
    assert english["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/s/u/")
    assert english["Message-ID"].startswith("<cxm-survey-")
    assert "/s/" in _body(english)

    assert distribution.send_due(rt) == {"sent": 0, "reminded": 0, "failed": 0, "skipped": 0}
    later = utc_now() + timedelta(hours=49)
    reminded = distribution.send_due(rt, now=later)
    assert reminded["reminded"] == 3 and len(smtp_inbox.messages) == 6
    assert distribution.send_due(rt, now=later)["reminded"] == 0  # one reminder only
    assert smtp_inbox.messages[-1]["Subject"].startswith(("Reminder", "Przypomnienie"))

    # unsubscribe from the link in the message: no more invitations for this customer
    unsubscribe = english["List-Unsubscribe"].strip("<>")
    assert distribution.unsubscribe(rt, unsubscribe.rsplit("/", 1)[1]) is True
    rows = funnel.survey_funnel(rt, "csat_call")
    assert (rows[0].invited, rows[0].reminded) == (3, 3)
    with rt.db.write() as conn:
        conn.exec_driver_sql("UPDATE survey_trigger_state SET last_interaction_id = 0")
        conn.exec_driver_sql("DELETE FROM survey_invitations")
    again = triggers.evaluate_triggers(rt)
    assert again["opted_out"] == 1 and again["invited"] == 2


def test_crash_between_send_and_confirm_is_retried_with_the_same_message_id(
    mail_rt: Runtime, smtp_inbox: SmtpInbox
) -> None:
    rt = mail_rt
    publish(rt, "csat_call", CSAT_SURVEY)
    invitations.invite(rt, "csat_call", email="x@example.test")
    from cxm.store import surveys_invitations as store

    now = utc_now()
    claimed = store.claim_due(rt.db, now, now - timedelta(minutes=10), 10, reminder=False)
    assert len(claimed) == 1
    # the process died after claiming: a run soon after must not send it twice …
    assert distribution.send_due(rt, now=now + timedelta(minutes=1))["sent"] == 0
    # … and a run after the claim went stale sends it, once
    assert distribution.send_due(rt, now=now + timedelta(minutes=11))["sent"] == 1
    assert distribution.send_due(rt, now=now + timedelta(minutes=30))["sent"] == 0
    assert len(smtp_inbox.messages) == 1
    assert smtp_inbox.messages[0]["Message-ID"] == f"<cxm-survey-{claimed[0]['nonce']}-i@cxm>"


def test_unreachable_smtp_keeps_the_invitation_for_a_later_run(data_dir: Path) -> None:
    from mail_helpers import free_port

    rt = open_runtime(make_settings(data_dir, smtp_port=free_port()))
    try:
        publish(rt, "csat_call", CSAT_SURVEY)
        invitations.invite(rt, "csat_call", email="x@example.test")
        assert distribution.send_due(rt)["failed"] == 1
        assert funnel.survey_funnel(rt, "csat_call")[0].invited == 1
    finally:
        rt.close()


def test_qr_codes_and_snippet_point_at_the_signed_touchpoint_link(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    publish(rt, "csat_call", CSAT_SURVEY)
    link = distribution.touchpoint_link(rt, "csat_call", "store_sale")
    png = distribution.qr_code(rt, "csat_call", "store_sale", "png")
    svg = distribution.qr_code(rt, "csat_call", "store_sale", "svg").decode()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert svg.startswith("<svg") and "</svg>" in svg
    assert link.embed_url in link.snippet.replace("&amp;", "&") and "<iframe" in link.snippet
    assert link.url != link.qr_url  # the channel is part of the signed link
