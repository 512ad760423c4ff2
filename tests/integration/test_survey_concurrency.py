"""2,000 concurrent submissions of distinct invitations against a real uvicorn server (two
worker processes) on the SQLite default: nothing lost, nothing duplicated — the store, the
invitations and the Parquet mirror agree — and every resubmission is refused."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from cxm.config import Settings
from cxm.services import mirror
from cxm.services.runtime import open_runtime
from cxm.services.surveys import designer, invitations, tokens
from cxm.store import surveys_invitations as store
from cxm.store.bulk import utc_now
from mail_helpers import free_port
from settings_helpers import make_settings
from survey_helpers import NPS_ONLY, publish

SUBMISSIONS = 2_000
SECRET = "concurrency-test-secret"


def make_invitations(settings: Settings, n: int) -> list[str]:
    """``n`` invitations of a one-step NPS survey; their signed tokens."""
    rt = open_runtime(settings)
    try:
        publish(rt, "nps_rel", NPS_ONLY)
        survey = designer.get_survey(rt, "nps_rel")
        now = utc_now()
        rows = [
            invitations.invitation_row(
                survey,
                now=now,
                send_after=now,
                channel="link",
                language="pl",
                context={
                    "touchpoint": "hotline",
                    "journey": "get_help",
                    "channel": "call_center",
                    "segment": ("young", "family")[i % 2],
                    "department": "customer_service",
                },
            )
            for i in range(n)
        ]
        with rt.db.write() as conn:
            store.insert_invitations_bulk(conn, rows)
    finally:
        rt.close()
    expiry = now + timedelta(days=14)
    return [tokens.sign_invitation(settings, r["nonce"], expiry) for r in rows]


@pytest.fixture
def workers(data_dir: Path) -> Iterator[tuple[str, Settings]]:
    settings = make_settings(data_dir, secret_key=SECRET, mirror_refresh_interval_seconds=0)
    open_runtime(settings).close()  # migrate once, before the workers start
    port = free_port()
    env = {
        **os.environ,
        "CXM_ENV": "test",
        "CXM_DATA_DIR": str(data_dir),
        "CXM_SECRET_KEY": SECRET,
        "CXM_MIRROR_REFRESH_INTERVAL_SECONDS": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cxm.web.app:create_app",
            "--factory",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(data_dir),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "uvicorn exited"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield url, settings
    finally:
        process.terminate()
        process.wait(15)


async def _submit_all(url: str, tokens_: list[str], score: int) -> Counter[int]:
    limits = httpx.Limits(max_connections=SUBMISSIONS, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def one(i: int, token: str) -> int:
            response = await client.post(f"/s/{token}", data={"nps": str((i + score) % 11)})
            return response.status_code

        return Counter(await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens_))))


def test_concurrent_submissions_lose_nothing_and_duplicate_nothing(
    workers: tuple[str, Settings],
) -> None:
    url, settings = workers
    signed = make_invitations(settings, SUBMISSIONS)

    first = asyncio.run(_submit_all(url, signed, 0))
    assert first == {200: SUBMISSIONS}
    again = asyncio.run(_submit_all(url, signed[:300], 5))  # replays, also concurrent
    assert again == {409: 300}

    rt = open_runtime(settings, migrate=False)
    try:
        with rt.db.read() as conn:
            total, distinct, seqs = conn.exec_driver_sql(
                "SELECT count(*), count(DISTINCT external_id), count(DISTINCT change_seq) "
                "FROM responses"
            ).first()  # type: ignore[misc]
            completed, linked = conn.exec_driver_sql(
                "SELECT count(*), count(DISTINCT response_id) FROM survey_invitations "
                "WHERE completed_at IS NOT NULL"
            ).first()  # type: ignore[misc]
            touchpoints = conn.exec_driver_sql(
                "SELECT count(*) FROM responses WHERE touchpoint = 'hotline' "
                "AND channel = 'call_center' AND source = 'survey'"
            ).scalar()
            first_nps = conn.exec_driver_sql("SELECT sum(nps) FROM responses").scalar()
        assert (total, distinct, seqs) == (SUBMISSIONS, SUBMISSIONS, SUBMISSIONS)
        assert (completed, linked) == (SUBMISSIONS, SUBMISSIONS)
        assert touchpoints == SUBMISSIONS
        assert first_nps == sum(i % 11 for i in range(SUBMISSIONS))  # the replays changed nothing

        status = mirror.refresh_mirror(rt)
        mirrored = {t.table: t.rows for t in status.tables}
        assert mirrored["responses"] == SUBMISSIONS
    finally:
        rt.close()
