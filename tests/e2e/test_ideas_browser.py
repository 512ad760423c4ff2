"""An idea's life in a real browser: an employee submits it, a reviewer moves it through
the workflow and comments, and after each step the author sees the change in the app
(status, history, notifications) and receives an e-mail on a real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CHROMIUM, log_in

from cxm.config import Settings
from cxm.services import auth
from cxm.services.people import common
from cxm.services.runtime import open_runtime
from factories import insert_rows
from mail_helpers import SmtpInbox

PASSWORD = "browser-pass-1"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]


@pytest.fixture
def live_url(tmp_path: Path, smtp_inbox: SmtpInbox, serve_app: Callable[..., str]) -> str:
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path / "data",
        _env_file=None,
        mirror_refresh_interval_seconds=3600,
        smtp_port=smtp_inbox.port,
    )
    rt = open_runtime(settings)
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
            }
        ],
    )
    auth.ensure_user(rt, "ewa", PASSWORD, "employee")
    auth.ensure_user(rt, "recenzent", PASSWORD, "analyst")
    common.link_user(rt, "ewa", "E1")
    rt.close()
    return serve_app(settings)


def _wait_for_mail(inbox: SmtpInbox, count: int) -> str:
    deadline = time.monotonic() + 15
    while len(inbox.messages) < count:
        assert time.monotonic() < deadline, f"expected {count} e-mails, got {len(inbox.messages)}"
        time.sleep(0.05)
    message = inbox.messages[count - 1]
    assert message["To"] == "ewa@example.test"
    return str(message.get_payload(decode=True).decode("utf-8"))


def test_author_follows_the_idea_through_the_workflow_in_app_and_mail(
    live_url: str, smtp_inbox: SmtpInbox, browser: Any, tmp_path: Path
) -> None:
    author = browser.new_context(locale="pl-PL").new_page()
    log_in(author, live_url, "ewa", PASSWORD)
    author.goto(live_url + "/ideas")
    author.fill("#idea-title", "Jedna infolinia dla reklamacji faktur")
    author.fill("#idea-description", "Klienci są przełączani trzy razy; jeden numer.")
    author.select_option("#idea-department", "billing")
    author.click("#idea-form button[type=submit]")
    author.wait_for_url("**/ideas/*")
    idea_url = author.url
    assert author.inner_text("#idea-status") == "Nowy"

    reviewer = browser.new_context(locale="pl-PL").new_page()
    log_in(reviewer, live_url, "recenzent", PASSWORD)
    steps = (
        ("under_review", "", "W ocenie", "w ocenie"),
        ("accepted", "Dobry pomysł, robimy.", "Przyjęty", "przyjęty"),
        ("in_progress", "", "W realizacji", "w realizacji"),
        ("implemented", "Działa od poniedziałku.", "Wdrożony", "wdrożony"),
    )
    mails = 0
    for number, (status, note, shown, mailed) in enumerate(steps, start=1):
        reviewer.goto(idea_url)
        reviewer.select_option("#new-status", status)
        if note:
            reviewer.fill("#status-note", note)
        reviewer.click("#status-form button[type=submit]")
        reviewer.wait_for_selector(f"#idea[data-status='{status}']")
        if status == "accepted":
            reviewer.fill("#comment-body", "Proszę o szczegóły kolejki.")
            reviewer.click("#comment-form button[type=submit]")
            reviewer.wait_for_selector("#comments >> text=Proszę o szczegóły kolejki.")

        author.goto(idea_url)
        assert author.inner_text("#idea-status") == shown
        assert shown in author.inner_text("#history")
        if note:
            assert note in author.inner_text("#history")
        mails += 1
        body = _wait_for_mail(smtp_inbox, mails)
        assert mailed in body and idea_url.split("/ideas/")[1] in body
        if note:
            assert note in body
        if status == "accepted":
            mails += 1
            assert "Proszę o szczegóły kolejki." in _wait_for_mail(smtp_inbox, mails)
            assert "Proszę o szczegóły kolejki." in author.inner_text("#comments")
        author.goto(live_url + "/notifications")
        unread = number + (1 if number >= 2 else 0)
        assert author.inner_text("#unread-count") == str(unread)
        assert author.locator("#notifications li.unread").count() == unread
    author.screenshot(path=str(tmp_path / "notifications.png"), full_page=True)
    assert len(smtp_inbox.messages) == 5
    assert len({m["Message-ID"] for m in smtp_inbox.messages}) == 5
    author.click("#read-all")
    author.wait_for_url(live_url + "/notifications")
    assert author.inner_text("#unread-count") == "0"
