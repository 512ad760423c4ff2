"""A crash test: ``cxm jobs run`` as a real subprocess, killed with SIGKILL twice mid-run
(once while opening cases, once while sending), then run to the end. Every case and every
notification arrives, none twice: e-mails are counted at the aiosmtpd server (by their
stable Message-ID) and webhook deliveries at a real receiver (by their delivery id)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from cxm.services import ingest
from cxm.services.loop import notifications, setup, standards
from cxm.services.runtime import Runtime, open_runtime
from cxm.store import loop_store as ls
from loop_helpers import WebhookReceiver
from mail_helpers import SmtpInbox
from settings_helpers import make_settings

N = 200
CLI = Path(sys.executable).with_name("cxm")
NOW = datetime(2026, 11, 10, 13, 0)


def _seed(rt: Runtime, receiver: WebhookReceiver) -> None:
    setup.install_defaults(rt, now=NOW)
    for standard in standards.load_standards(rt):  # only the rules' cases are counted here
        standards.set_standard_active(rt, standard.id, False)
    setup.add_route(rt, "billing", touchpoint="invoice", owner="agata",
                    owner_email="agata@firma.pl", now=NOW)  # fmt: skip
    notifications.add_webhook(rt, "crm", receiver.url, secret=receiver.secret, now=NOW)
    records = [
        {"external_id": f"r{i}", "responded_at": "2026-11-09", "nps": i % 7,
         "touchpoint": "invoice"}
        for i in range(N)
    ]  # fmt: skip
    assert ingest.import_records(rt, "responses", records).rejected == 0


def _count(rt: Runtime, table: object, *where: object) -> int:
    with rt.db.read() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int(conn.execute(query.where(*where)).scalar() or 0)


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(CLI), "jobs", "run", "--batch-size", "4", "--now", NOW.isoformat()],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    return False


def test_killed_job_resumes_without_missing_or_doubled_cases_or_notifications(
    data_dir: Path, smtp_inbox: SmtpInbox
) -> None:
    settings = make_settings(data_dir, smtp_port=smtp_inbox.port)
    rt = open_runtime(settings)
    env = os.environ | {"CXM_DATA_DIR": str(data_dir), "CXM_SMTP_PORT": str(smtp_inbox.port),
                        "CXM_ENV": "test"}  # fmt: skip
    with WebhookReceiver() as receiver:
        _seed(rt, receiver)
        first = _start(env)
        killed_opening = _kill_when(first, lambda: _count(rt, ls.CASES) > 0)
        opened_before = _count(rt, ls.CASES)
        second = _start(env)
        killed_sending = _kill_when(second, lambda: len(smtp_inbox.messages) >= 20)
        sent_before = len(smtp_inbox.messages)
        third = _start(env)
        assert third.wait(120) == 0, third.stderr.read() if third.stderr else ""
    assert killed_opening and killed_sending, "the job ended before it could be killed"
    assert opened_before < N, "the first kill came after every case was open"
    assert sent_before < 2 * N
    # cases: exactly one per response, none missing
    assert _count(rt, ls.CASES) == N
    with rt.db.read() as conn:
        responses = conn.execute(select(ls.CASES.c.response_id)).scalars().all()
    assert len(set(responses)) == N
    # e-mails at the SMTP server: every one, each Message-ID once; a message in flight at
    # the kill may be repeated (same Message-ID), nothing else
    ids = [m["Message-ID"] for m in smtp_inbox.messages]
    assert len(set(ids)) == N and all(m["To"] == "agata@firma.pl" for m in smtp_inbox.messages)
    assert len(ids) - len(set(ids)) <= 1
    # webhooks at the receiver: every event, once
    assert len(receiver.accepted) == N and len(receiver.events("case.opened")) == N
    assert receiver.duplicates <= 1 and receiver.bad_signatures == 0
    assert _count(rt, ls.OUTBOX, ls.OUTBOX.c.status != "delivered") == 0
    rt.close()
