"""A customer's path in a real browser: a trigger rule invites them after a hotline call, the
invitation arrives over SMTP (aiosmtpd on loopback), they follow the link from the message
in Chromium, answer (the branch for a low score appears on the next step) and the response
is stored with the call's touch-point and dimensions; the link then refuses a second use."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cxm.config import Settings
from cxm.services import ingest
from cxm.services.runtime import open_runtime
from cxm.services.surveys import distribution, tokens, triggers
from cxm.store.bulk import utc_now
from mail_helpers import SmtpInbox, free_port
from survey_helpers import CSAT_SURVEY, publish, seed_customers_and_interactions

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not at /usr/bin/chromium"
    ),
]


@pytest.fixture
def server(tmp_path: Path, smtp_inbox: SmtpInbox) -> Iterator[tuple[str, Settings]]:
    import uvicorn

    from cxm.web.app import create_app

    port = free_port()
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path / "data",
        _env_file=None,
        mirror_refresh_interval_seconds=0,
        smtp_port=smtp_inbox.port,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    thread.join(10)


def _plain_text(message: Any) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return str(part.get_payload(decode=True).decode("utf-8"))
    raise AssertionError("no text part")


def test_email_link_answered_in_chromium_lands_with_dimensions(
    server: tuple[str, Settings], smtp_inbox: SmtpInbox
) -> None:
    from playwright.sync_api import sync_playwright

    url, settings = server
    rt = open_runtime(settings)
    try:
        publish(rt, "csat_call", CSAT_SURVEY)
        seed_customers_and_interactions(rt, 3, 3, start=utc_now() - timedelta(hours=2))
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
        assert triggers.evaluate_triggers(rt)["invited"] == 1  # i1 → customer c1 (Polish)
        assert distribution.send_due(rt)["sent"] == 1
    finally:
        rt.close()

    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == "c1@example.test"
    link = re.search(rf"{re.escape(url)}/s/[A-Za-z0-9_.\-]+", _plain_text(message))
    assert link, "no survey link in the e-mail"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB")  # the invitation's language (pl) wins
            page.goto(link.group(0))
            assert page.inner_text("h1") == "Rozmowa z infolinią"
            assert page.locator("textarea").count() == 0
            page.click("label[for='q-csat-2']")
            page.click("button[type=submit]")
            page.wait_for_selector("textarea#q-why")  # the low score opened the branch
            page.fill("#q-why", "Za długo czekałem na połączenie.")
            page.focus("#q-feel-joy")
            page.keyboard.press("ArrowRight")  # radios are operable from the keyboard
            assert page.eval_on_selector("#q-feel-trust", "el => el.checked")
            page.click("label[for='q-feel-frustration']")
            page.click("button[type=submit]")
            page.wait_for_selector("text=Dziękujemy bardzo!")

            page.goto(link.group(0))
            assert "Już odpowiedziałeś" in page.inner_text("h1")
        finally:
            browser.close()

    rt = open_runtime(settings)
    try:
        nonce = tokens.read_invitation(settings, link.group(0).rsplit("/", 1)[1]).value
        stored = ingest.get_response(rt, f"svy-{nonce}")
    finally:
        rt.close()
    assert stored["csat"] == 2 and stored["answers"]["feel"] == "frustration"
    assert stored["comment"] == "Za długo czekałem na połączenie."
    assert stored["interaction_external_id"] == "i1" and stored["customer_external_id"] == "c1"
    assert stored["touchpoint"] == "invoice" and stored["channel"] == "call_center"
    assert stored["department"] == "customer_service" and stored["segment"] == "family"
    assert stored["journey"] and stored["stage"] and stored["process"] == "support"
