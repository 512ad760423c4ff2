"""Survey benchmark (issue 3): completed submissions per second through the public answer
endpoint (``POST /s/{token}``, form-encoded, one distinct invitation per request) of
``cxm serve`` on the SQLite default, driven by the raw-HTTP load generator on loopback;
and the weight of the answer page per question type.

Targets: ≥ 500 completed submissions/s with p99 ≤ 100 ms; every page under 50 KB.

    python -m bench.survey_submissions [--seconds 15] [--workers 2] [--rate 500]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.loadgen import FORM, LoadResult, closed_loop, open_loop
from bench.measure import served
from cxm.config import Settings
from cxm.services.runtime import open_runtime
from cxm.services.surveys import designer, invitations, tokens
from cxm.store import surveys_invitations as store
from cxm.store.bulk import utc_now

SECRET = "bench-survey-secret"
SURVEY = {
    "title": {"pl": "Polecenie", "en": "Recommendation"},
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"pl": "Czy polecisz nas znajomym?", "en": "Would you recommend us?"},
        },
        {
            "key": "reason",
            "type": "single",
            "text": {"pl": "Co zdecydowało?", "en": "Why?"},
            "choices": [
                {"key": "price", "text": {"pl": "Cena", "en": "Price"}},
                {"key": "service", "text": {"pl": "Obsługa", "en": "Service"}},
            ],
        },
    ],
}
TYPES: dict[str, dict[str, Any]] = {
    "nps": {},
    "csat": {},
    "ces": {},
    "rating": {"scale_min": 0, "scale_max": 10},
    "single": {"choices": [{"key": f"c{i}", "text": {"pl": f"Możliwość {i}"}} for i in range(6)]},
    "multiple": {"choices": [{"key": f"c{i}", "text": {"pl": f"Możliwość {i}"}} for i in range(8)]},
    "text": {},
    "emotion": {},
}
PAGE_LIMIT = 50_000


def _settings(data_dir: Path) -> Settings:
    return Settings(env="test", data_dir=data_dir, secret_key=SECRET, _env_file=None)  # type: ignore[call-arg]


def prepare(data_dir: Path, n: int) -> tuple[list[str], dict[str, str]]:
    """A published survey with ``n`` invitations (their tokens), and one invitation per
    single-question survey of each type (for page weights)."""
    settings = _settings(data_dir)
    rt = open_runtime(settings)
    try:
        designer.create_survey(rt, "bench_nps", "bench", SURVEY)
        survey = designer.publish_survey(rt, "bench_nps")
        now = utc_now()
        context = {
            "touchpoint": "hotline",
            "journey": "get_help",
            "channel": "call_center",
            "department": "customer_service",
            "segment": "family",
        }
        rows = [
            invitations.invitation_row(
                survey, now=now, send_after=now, channel="link", language="pl", context=context
            )
            for _ in range(n)
        ]
        for start in range(0, n, 20_000):
            with rt.db.write() as conn:
                store.insert_invitations_bulk(conn, rows[start : start + 20_000])
        expiry = now + timedelta(days=14)
        signed = [tokens.sign_invitation(settings, r["nonce"], expiry) for r in rows]
        pages = {}
        for qtype, extra in TYPES.items():
            key = f"page_{qtype}"
            question = {
                "key": "q",
                "type": qtype,
                "required": True,
                "text": {"pl": f"Pytanie typu {qtype}", "en": f"A {qtype} question"},
                **extra,
            }
            designer.create_survey(rt, key, key, {"title": {"pl": key}, "questions": [question]})
            designer.publish_survey(rt, key)
            made = invitations.invite(rt, key, channel="manual")
            pages[qtype] = made["link"].rsplit("/", 1)[1]
    finally:
        rt.close()
    return signed, pages


def _page_bytes(port: int, token: str) -> tuple[int, int]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            f"GET /s/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), len(body)


def run(seconds: float, workers: int, rate: float) -> dict[str, Any]:
    budget = int((seconds * 2_500) + rate * seconds + 5_000)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        signed, pages = prepare(data_dir, budget)
        prepared = time.perf_counter() - t0
        with served(
            data_dir, workers, CXM_SECRET_KEY=SECRET, CXM_MIRROR_REFRESH_INTERVAL_SECONDS="0"
        ) as port:
            weights = {qtype: _page_bytes(port, token) for qtype, token in pages.items()}

            def path(i: int) -> str:
                return f"/s/{signed[i]}"

            def body(i: int) -> bytes:
                return f"nps={i % 11}&reason={'price' if i % 2 else 'service'}".encode()

            host = "127.0.0.1"
            warm = asyncio.run(
                closed_loop(host, port, path, body, concurrency=8, seconds=2, content_type=FORM)
            )
            used = warm.sent
            peak = asyncio.run(
                closed_loop(
                    host,
                    port,
                    path,
                    body,
                    concurrency=32,
                    seconds=seconds,
                    start=used,
                    content_type=FORM,
                )
            )
            used += peak.sent
            steady = asyncio.run(
                open_loop(
                    host,
                    port,
                    path,
                    body,
                    rate=rate,
                    seconds=seconds,
                    start=used,
                    content_type=FORM,
                )
            )
            used += steady.sent
        con = sqlite3.connect(data_dir / "cxm.sqlite3")
        stored = con.execute("SELECT count(*) FROM responses").fetchone()[0]
        completed = con.execute(
            "SELECT count(*) FROM survey_invitations WHERE completed_at IS NOT NULL"
        ).fetchone()[0]
        con.close()
    return {
        "workers": workers,
        "invitations_prepared": budget,
        "prepare_seconds": prepared,
        "peak": peak,
        "steady": steady,
        "rate": rate,
        "stored": stored,
        "completed": completed,
        "accepted": warm.ok + peak.ok + steady.ok,
        "weights": weights,
    }


def _fmt(result: LoadResult) -> str:
    return (
        f"{result.rate:,.0f}/s | {result.percentile(50):.1f} | {result.percentile(99):.1f} | "
        f"{result.statuses}"
    )


def report(r: dict[str, Any]) -> str:
    lines = [
        f"## Survey submissions (SQLite, `cxm serve --workers {r['workers']}`, loopback)",
        "",
        "| load | completed submissions | p50 ms | p99 ms | statuses |",
        "|---|---|---|---|---|",
        f"| closed loop, 32 connections (peak) | {_fmt(r['peak'])} |",
        f"| open loop at {r['rate']:.0f}/s | {_fmt(r['steady'])} |",
        "",
        f"Stored responses {r['stored']:,} = completed invitations {r['completed']:,} = "
        f"2xx answers {r['accepted']:,}.",
        "",
        "| question type | status | page bytes (HTML incl. inline CSS) | under 50 KB |",
        "|---|---|---|---|",
    ]
    for qtype, (status, size) in r["weights"].items():
        lines.append(f"| {qtype} | {status} | {size:,} | {'yes' if size < PAGE_LIMIT else 'NO'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=500.0)
    args = parser.parse_args(argv)
    print(report(run(args.seconds, args.workers, args.rate)))


if __name__ == "__main__":
    main()
