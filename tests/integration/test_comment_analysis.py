"""Stored comment analyses: analysed on arrival (file import, API write), mirrored, a
resumable backlog with exact counts, re-runs of outdated analyses only, and originals
replaced by the redacted text when the settings say so. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from ingest_files import write_records
from sqlalchemy import text

from cxm.services import comment_analysis, ingest, mirror
from cxm.services.runtime import Runtime, open_runtime
from cxm.store import comment_analyses as store
from factories import insert_responses, response_rows, update_rows
from settings_helpers import make_settings

PESEL = "44051401359"  # a valid PESEL (checksum)
TEXTS = (
    f"Pan Nowak podał PESEL {PESEL}, obsługa fatalna, czekałem godzinę",
    "Great service, fast delivery :)",
    "Cena abonamentu za wysoka, nie polecam",
    "Kurier spóźnił się dwa dni",
)


def _rows(n: int, *, prefix: str = "r", share: float = 0.5) -> list[dict[str, Any]]:
    rows = response_rows(n, prefix=prefix, comment_share=share)
    for i, row in enumerate(rows):
        row["updated_at"] = datetime(2024, 1, 1)  # the analyses are newer than the responses
        if row["comment"]:
            row["comment"] = TEXTS[i % len(TEXTS)]
    return rows


def _commented(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM responses WHERE comment IS NOT NULL AND comment <> ''")
            ).scalar_one()
        )


def _analysis_stats(rt: Runtime) -> tuple[int, int, int]:
    """(rows, distinct response ids, distinct change_seq) of comment_analyses."""
    with rt.db.read() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT response_id), count(DISTINCT change_seq) "
                "FROM comment_analyses"
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def test_imported_comments_are_analysed_on_arrival_and_mirrored(
    runtime: Runtime, tmp_path: Path
) -> None:
    records = [
        {"external_id": f"F{i}", "responded_at": f"2025-03-{1 + i % 27:02d}", "nps": str(i % 11)}
        | ({"comment": TEXTS[i % len(TEXTS)]} if i % 2 == 0 else {})
        for i in range(40)
    ]
    path = write_records(tmp_path / "responses.csv", records)
    summary = ingest.import_file(runtime, "responses", path)
    assert summary.accepted == 40
    rows, distinct, _ = _analysis_stats(runtime)
    assert rows == distinct == 20
    assert comment_analysis.pending_count(runtime) == 0
    status = mirror.mirror_status(runtime).table("comment_analyses")
    assert status.rows == 20 and status.lag == 0
    files = sorted((runtime.settings.mirror_dir / "comment_analyses").rglob("*.parquet"))
    mirrored = pq.read_table(files[0]).column_names if files else []
    assert "redacted_comment" in mirrored and "themes" in mirrored
    with runtime.db.read() as conn:
        themes = conn.execute(
            text(
                "SELECT a.themes FROM comment_analyses a JOIN responses r "
                "ON r.id = a.response_id WHERE r.external_id = 'F2'"
            )
        ).scalar_one()
    assert themes.startswith("|") and themes.endswith("|") and "|price|" in themes


def test_api_write_with_a_comment_is_analysed_in_the_background(runtime: Runtime) -> None:
    stored = ingest.ingest_response(
        runtime,
        {
            "external_id": "A1",
            "responded_at": "2025-03-02T12:00:00Z",
            "nps": 2,
            "comment": TEXTS[0],
        },
    )
    assert comment_analysis.wait_for_new_comments(runtime, timeout=60)
    found = store.analyses_of(runtime.db, [stored["id"]])
    assert found[stored["id"]]["sentiment"] == "negative"
    assert PESEL not in found[stored["id"]]["redacted_comment"]


def test_backlog_resumes_after_an_interrupted_run_with_exact_counts(runtime: Runtime) -> None:
    insert_responses(runtime, _rows(600))
    expected = _commented(runtime)
    assert expected > 200
    first = comment_analysis.analyse_backlog(
        runtime, workers=1, batch_size=50, max_batches=2, refresh_mirror=False
    )
    assert (first.analysed, first.batches, first.remaining) == (100, 2, expected - 100)
    assert _analysis_stats(runtime) == (100, 100, 100)
    second = comment_analysis.analyse_backlog(runtime, workers=2, batch_size=50)
    assert second.analysed == expected - 100 and second.remaining == 0
    assert _analysis_stats(runtime) == (expected, expected, expected)
    again = comment_analysis.analyse_backlog(runtime, workers=2, batch_size=50)
    assert again.analysed == 0
    assert mirror.mirror_status(runtime).table("comment_analyses").rows == expected


def test_only_outdated_or_changed_analyses_run_again(runtime: Runtime) -> None:
    insert_responses(runtime, _rows(200))
    total = _commented(runtime)
    comment_analysis.analyse_pending(runtime)
    with runtime.db.write(lock_key="comment_analyses") as conn:
        conn.execute(
            text(
                "UPDATE comment_analyses SET analyser_version = 'builtin-0+old' "
                "WHERE response_id IN (SELECT response_id FROM comment_analyses "
                "ORDER BY response_id LIMIT 7)"
            )
        )
    with runtime.db.read() as conn:
        changed = (
            conn.execute(
                text("SELECT external_id FROM responses WHERE comment IS NOT NULL ORDER BY id DESC")
            )
            .scalars()
            .first()
        )
    update_rows(runtime, "responses", {changed: {"comment": "Zupełnie nowy komentarz, super"}})
    assert comment_analysis.pending_count(runtime) == 8
    run = comment_analysis.analyse_pending(runtime)
    assert run.analysed == 8
    assert _analysis_stats(runtime)[:2] == (total, total)
    with runtime.db.read() as conn:
        versions = (
            conn.execute(text("SELECT DISTINCT analyser_version FROM comment_analyses"))
            .scalars()
            .all()
        )
    assert versions == [comment_analysis.current_analyser(runtime).version]


def test_forced_reanalysis_resumes_after_interruption(runtime: Runtime) -> None:
    insert_responses(runtime, _rows(300))
    total = _commented(runtime)
    comment_analysis.analyse_pending(runtime)
    first = comment_analysis.analyse_backlog(
        runtime, workers=1, reanalyse=True, batch_size=40, max_batches=1, refresh_mirror=False
    )
    assert first.analysed == 40 and first.remaining == total - 40
    assert comment_analysis.pending_count(runtime) == total - 40
    rest = comment_analysis.analyse_backlog(runtime, workers=1, refresh_mirror=False)
    assert rest.analysed == total - 40 and rest.remaining == 0
    assert comment_analysis.pending_count(runtime) == 0
    assert _analysis_stats(runtime)[:2] == (total, total)


@pytest.mark.parametrize("keep", [True, False])
def test_originals_are_kept_only_when_the_settings_allow(tmp_path: Path, keep: bool) -> None:
    rt = open_runtime(make_settings(tmp_path / "d", keep_original_comments=keep))
    try:
        insert_responses(rt, _rows(40, share=1.0))
        comment_analysis.analyse_pending(rt)
        with rt.db.read() as conn:
            comments = conn.execute(text("SELECT comment FROM responses")).scalars().all()
            redacted = (
                conn.execute(text("SELECT redacted_comment FROM comment_analyses")).scalars().all()
            )
        assert len(redacted) == 40 and not any(PESEL in c for c in redacted)
        assert any(PESEL in c for c in comments) is keep
        assert comment_analysis.pending_count(rt) == 0  # replacing the text is no change
    finally:
        rt.close()
