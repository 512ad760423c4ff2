"""The idea board on both systems of record: workflow, lemma search, duplicate
suggestions, attachments, notifications and the e-mail outbox (a real SMTP server)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from cxm.domain.access import Principal
from cxm.domain.errors import PermissionDenied, ValidationFailed
from cxm.services import auth
from cxm.services.people import attachments, common, ideas, notifications, search
from cxm.services.runtime import Runtime
from cxm.store.tables import Base
from factories import insert_rows
from mail_helpers import SmtpInbox

PASSWORD = "people-pass-1"


def _people(rt: Runtime) -> tuple[Principal, Principal, Principal]:
    insert_rows(
        rt,
        "employees",
        [
            {
                "external_id": "E1",
                "name": "Ewa Nowak",
                "email": "ewa@example.test",
                "department": "billing",
                "role": "specialist",
                "active": True,
            },
            {
                "external_id": "E2",
                "name": "Jan Kos",
                "email": "jan@example.test",
                "department": "sales",
                "role": "agent",
                "active": True,
            },
        ],
    )
    made = {}
    for name, role, dept in (
        ("ewa", "employee", None),
        ("jan", "employee", None),
        ("rev", "analyst", None),
    ):
        user_id = auth.ensure_user(rt, name, PASSWORD, role, dept)
        made[name] = auth.principal_for_user(rt, user_id)
    common.link_user(rt, "ewa", "E1")
    common.link_user(rt, "jan", "E2")
    return made["ewa"], made["jan"], made["rev"]  # type: ignore[return-value]


def test_workflow_notifies_author_and_followers_once_each(runtime: Runtime) -> None:
    ewa, jan, rev = _people(runtime)
    idea = ideas.submit_idea(runtime, ewa, "Krótsze faktury", "Faktury są za długie i niejasne.")
    ideas.set_follow(runtime, jan, idea)
    ideas.set_vote(runtime, jan, idea)
    for status in ("under_review", "accepted", "in_progress"):
        ideas.change_status(runtime, rev, idea, status)
    ideas.comment_idea(runtime, rev, idea, "Wchodzi do następnego wydania.")
    ideas.comment_idea(runtime, jan, idea, "Super!")  # not a reviewer: no notification
    ideas.change_status(runtime, rev, idea, "implemented", implemented_on=date(2025, 5, 12))
    view = ideas.get_idea(runtime, ewa, idea)
    assert view.status == "implemented" and view.implemented_on == date(2025, 5, 12)
    assert view.votes == 1 and view.followers == 2 and len(view.comments) == 2
    assert [e.to_status for e in view.events if e.kind == "status"] == [
        "new",
        "under_review",
        "accepted",
        "in_progress",
        "implemented",
    ]
    assert notifications.unread_count(runtime, ewa) == 5  # 4 status changes + 1 reviewer comment
    assert notifications.unread_count(runtime, jan) == 5
    assert notifications.unread_count(runtime, rev) == 0  # the actor is not told about himself
    assert notifications.mark_read(runtime, ewa) == 5
    assert notifications.unread_count(runtime, ewa) == 0
    with pytest.raises(ValidationFailed):
        ideas.change_status(runtime, rev, idea, "under_review")  # implemented is final
    with pytest.raises(PermissionDenied):
        ideas.change_status(runtime, ewa, idea, "declined", note="x")


def test_declining_needs_a_reason_the_author_sees(runtime: Runtime) -> None:
    ewa, _, rev = _people(runtime)
    idea = ideas.submit_idea(runtime, ewa, "Kawa w salonach", "Darmowa kawa dla klientów.")
    with pytest.raises(ValidationFailed) as err:
        ideas.change_status(runtime, rev, idea, "declined")
    assert err.value.field == "note"
    ideas.change_status(runtime, rev, idea, "declined", note="Za drogo.")
    view = ideas.get_idea(runtime, ewa, idea)
    assert view.decline_reason == "Za drogo."
    assert "Za drogo." in notifications.list_notifications(runtime, ewa)[0].text


def test_merging_a_duplicate_makes_its_author_follow_the_original(runtime: Runtime) -> None:
    ewa, jan, rev = _people(runtime)
    first = ideas.submit_idea(runtime, ewa, "SMS przed wizytą", "SMS dzień przed wizytą technika.")
    dup = ideas.submit_idea(runtime, jan, "SMS o wizycie", "Przypomnienie SMS o wizycie technika.")
    ideas.change_status(runtime, rev, dup, "merged", merged_into=first)
    assert ideas.get_idea(runtime, jan, dup).merged_into_id == first
    assert ideas.get_idea(runtime, jan, first).following


def test_search_finds_inflected_polish_and_english_forms(runtime: Runtime) -> None:
    ewa, _, _ = _people(runtime)
    app = ideas.submit_idea(
        runtime, ewa, "Aplikacja mobilna zawiesza się", "Przy logowaniu do aplikacji."
    )
    other = ideas.submit_idea(
        runtime, ewa, "Faster invoices", "Customers wait for invoices too long."
    )
    assert [i.id for i in ideas.list_ideas(runtime, ewa, q="aplikacji mobilnej")] == [app]
    assert [i.id for i in ideas.list_ideas(runtime, ewa, q="logowanie")] == [app]
    assert [i.id for i in ideas.list_ideas(runtime, ewa, q="invoice waiting")] == [other]
    assert ideas.list_ideas(runtime, ewa, q="telewizja") == []
    similar = search.similar_ideas(runtime, "Zawieszająca się aplikacja mobilna", "")
    assert [m.idea_id for m in similar] == [app]


def test_attachments_are_limited_by_type_content_and_size(runtime: Runtime) -> None:
    ewa, jan, _ = _people(runtime)
    idea = ideas.submit_idea(runtime, ewa, "Zrzut ekranu", "Błąd w aplikacji, zrzut w załączniku.")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    attachment = attachments.add_attachment(runtime, ewa, idea, "ekran.png", png)
    path, content_type, name = attachments.attachment_file(runtime, idea, attachment)
    assert path.read_bytes() == png and content_type == "image/png" and name == "ekran.png"
    assert path.parent.is_relative_to(runtime.settings.data_dir)
    with pytest.raises(ValidationFailed):
        attachments.add_attachment(runtime, ewa, idea, "virus.exe", b"MZ")
    with pytest.raises(ValidationFailed):
        attachments.add_attachment(runtime, ewa, idea, "fake.png", b"GIF89a")
    with pytest.raises(ValidationFailed):
        attachments.add_attachment(runtime, ewa, idea, "big.txt", b"a" * (5 * 1024 * 1024 + 1))
    with pytest.raises(PermissionDenied):
        attachments.add_attachment(runtime, jan, idea, "note.txt", b"hello")


def test_outbox_sends_each_message_once_and_retries_with_the_same_message_id(
    sqlite_runtime: Runtime, smtp_inbox: SmtpInbox
) -> None:
    rt = sqlite_runtime
    ewa, jan, rev = _people(rt)
    notifications.set_preferences(rt, jan, "off")
    idea = ideas.submit_idea(rt, ewa, "Jedna infolinia", "Jeden numer dla reklamacji faktur.")
    ideas.set_follow(rt, jan, idea)
    # the SMTP server is not reachable yet: the message stays queued
    down = rt.settings.model_copy(update={"smtp_port": 9})
    rt_down = Runtime(settings=down, db=rt.db)
    ideas.change_status(rt, rev, idea, "under_review")
    assert notifications.deliver_outbox(rt_down) == {"sent": 0, "failed": 1}
    up = Runtime(settings=rt.settings.model_copy(update={"smtp_port": smtp_inbox.port}), db=rt.db)
    assert notifications.deliver_outbox(up) == {"sent": 1, "failed": 0}
    assert notifications.deliver_outbox(up) == {"sent": 0, "failed": 0}
    assert len(smtp_inbox.messages) == 1  # jan chose "off"
    message = smtp_inbox.messages[0]
    assert message["To"] == "ewa@example.test"
    assert "w ocenie" in message.get_payload(decode=True).decode("utf-8")
    first_id = message["Message-ID"]
    # a crash after sending, before marking sent: the claim goes stale and the retry
    # carries the same Message-ID
    ideas.change_status(rt, rev, idea, "accepted")
    outbox = Base.metadata.tables["people_outbox"]
    assert notifications.deliver_outbox(up)["sent"] == 1
    with rt.db.write() as conn:
        conn.execute(update(outbox).where(outbox.c.id == 2).values(sent_at=None, claimed_at=None))
    assert notifications.deliver_outbox(up)["sent"] == 1
    assert smtp_inbox.messages[1]["Message-ID"] == smtp_inbox.messages[2]["Message-ID"] != first_id


def test_digest_readers_get_one_mail_per_day(
    sqlite_runtime: Runtime, smtp_inbox: SmtpInbox
) -> None:
    rt = Runtime(
        settings=sqlite_runtime.settings.model_copy(update={"smtp_port": smtp_inbox.port}),
        db=sqlite_runtime.db,
    )
    ewa, _, rev = _people(rt)
    notifications.set_preferences(rt, ewa, "digest")
    idea = ideas.submit_idea(rt, ewa, "Czat w nocy", "Czat z konsultantem także w nocy.")
    ideas.change_status(rt, rev, idea, "under_review")
    ideas.comment_idea(rt, rev, idea, "Sprawdzamy koszty.")
    assert notifications.deliver_outbox(rt)["sent"] == 0  # nothing immediate
    today = common.now().date()
    assert notifications.queue_digests(rt, today) == 1
    assert notifications.queue_digests(rt, today) == 0
    assert notifications.deliver_outbox(rt)["sent"] == 1
    body = smtp_inbox.messages[0].get_payload(decode=True).decode("utf-8")
    assert "w ocenie" in body and "Sprawdzamy koszty." in body
