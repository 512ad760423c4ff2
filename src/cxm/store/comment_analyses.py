"""Stored text analyses of comments: the backlog of comments still to analyse, and batch
upserts of analyses by response id.

A response is in the backlog when it has a non-empty comment and no analysis, an analysis
by another analyser version, or an analysis older than the response (its comment may have
changed since). Upserts assign ``change_seq``/``updated_at`` inside the table's write lock,
as every mirrored table does; when originals are not kept, the same transaction replaces
the response's comment with its redacted text (with a fresh ``change_seq`` of responses)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from cxm.store.bulk import format_timestamp, utc_now
from cxm.store.database import Database

#: The analysis columns a caller gives, in this order, after ``response_id``.
ANALYSIS_COLUMNS = (
    "responded_at",
    "analyser_version",
    "language",
    "sentiment",
    "sentiment_score",
    "joy",
    "trust",
    "fear",
    "surprise",
    "sadness",
    "disgust",
    "anger",
    "anticipation",
    "frustration",
    "disappointment",
    "delight",
    "themes",
    "redacted_comment",
)
_CHUNK = 5_000


@dataclass(frozen=True)
class PendingComment:
    """A comment waiting for its analysis."""

    response_id: int
    comment: str
    responded_at: datetime | str


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _pending_condition(version: str | None, analysed_before: str | None) -> str:
    """SQL (over ``r`` responses and ``a`` analyses) of a comment needing (re)analysis."""
    parts = ["a.id IS NULL", "a.updated_at < r.updated_at"]
    if version is not None:
        parts.append("a.analyser_version <> :version")
    if analysed_before is not None:
        parts.append("a.updated_at < :before")
    return "(" + " OR ".join(parts) + ")"


def select_pending(
    db: Database,
    *,
    version: str | None,
    after_id: int = 0,
    limit: int = 2_000,
    analysed_before: datetime | None = None,
) -> list[PendingComment]:
    """The next ``limit`` comments needing analysis with response id above ``after_id``, in id
    order. ``version``: an analysis by another version is outdated (None: any version
    counts); ``analysed_before``: analyses older than this are outdated too (a forced
    re-run that can resume)."""
    before = format_timestamp(analysed_before) if analysed_before is not None else None
    sql = text(
        "SELECT r.id, r.comment, r.responded_at FROM responses r "
        "LEFT JOIN comment_analyses a ON a.response_id = r.id "
        "WHERE r.id > :after AND r.comment IS NOT NULL AND r.comment <> '' "
        f"AND {_pending_condition(version, before)} ORDER BY r.id LIMIT :limit"
    )
    params: dict[str, Any] = {"after": after_id, "limit": limit}
    if version is not None:
        params["version"] = version
    if before is not None:
        params["before"] = before
    with db.read() as conn:
        rows = conn.execute(sql, params).all()
    return [PendingComment(int(r[0]), str(r[1]), r[2]) for r in rows]


def responses_head(db: Database) -> int:
    """The newest ``change_seq`` of responses (0 when there are none)."""
    with db.read() as conn:
        return int(conn.execute(text("SELECT max(change_seq) FROM responses")).scalar() or 0)


def select_changed(
    db: Database, *, version: str | None, after_seq: int, up_to_seq: int, limit: int = 2_000
) -> list[tuple[int, PendingComment]]:
    """Comments needing analysis among the responses written after ``after_seq`` (up to
    ``up_to_seq``), in ``change_seq`` order, with each one's ``change_seq``: the arrival path
    reads only what is new instead of scanning every response."""
    sql = text(
        "SELECT r.change_seq, r.id, r.comment, r.responded_at FROM responses r "
        "LEFT JOIN comment_analyses a ON a.response_id = r.id "
        "WHERE r.change_seq > :after AND r.change_seq <= :upto "
        "AND r.comment IS NOT NULL AND r.comment <> '' "
        f"AND {_pending_condition(version, None)} ORDER BY r.change_seq LIMIT :limit"
    )
    params: dict[str, Any] = {"after": after_seq, "upto": up_to_seq, "limit": limit}
    if version is not None:
        params["version"] = version
    with db.read() as conn:
        rows = conn.execute(sql, params).all()
    return [(int(r[0]), PendingComment(int(r[1]), str(r[2]), r[3])) for r in rows]


def count_pending(
    db: Database, *, version: str | None, analysed_before: datetime | None = None
) -> int:
    """How many comments :func:`select_pending` would eventually return."""
    before = format_timestamp(analysed_before) if analysed_before is not None else None
    sql = text(
        "SELECT count(*) FROM responses r LEFT JOIN comment_analyses a ON a.response_id = r.id "
        "WHERE r.comment IS NOT NULL AND r.comment <> '' "
        f"AND {_pending_condition(version, before)}"
    )
    params: dict[str, Any] = {}
    if version is not None:
        params["version"] = version
    if before is not None:
        params["before"] = before
    with db.read() as conn:
        return int(conn.execute(sql, params).scalar_one())


def count_analysed(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(text("SELECT count(*) FROM comment_analyses")).scalar_one())


def _lock(conn: Connection, db: Database, key: str) -> None:
    if not db.is_sqlite:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def upsert_analyses(
    db: Database,
    rows: Sequence[tuple[Any, ...]],
    comments: Sequence[str],
    *,
    replace_comments: bool = False,
) -> int:
    """Store analyses in one short transaction; returns how many were written.

    ``rows`` are ``(response_id, *ANALYSIS_COLUMNS)``; ``comments[i]`` is the text that
    ``rows[i]`` analysed: a row is skipped when the response is gone or its comment changed
    meanwhile (it stays in the backlog). ``replace_comments``: the response's comment
    becomes the redacted text (the original is not kept)."""
    if not rows:
        return 0
    now = format_timestamp(utc_now())
    names = ("response_id", *ANALYSIS_COLUMNS, "change_seq", "updated_at")
    assignments = ", ".join(f"{c} = excluded.{c}" for c in names[1:])
    redacted_at = 1 + ANALYSIS_COLUMNS.index("redacted_comment")
    # responses first, then analyses: the same order as any writer holding both locks
    with db.write(lock_key="responses" if replace_comments else "comment_analyses") as conn:
        if replace_comments:
            _lock(conn, db, "comment_analyses")
        mark = _mark(conn)
        current = _current_comments(conn, [int(r[0]) for r in rows])
        keep = [
            (row, comment)
            for row, comment in zip(rows, comments, strict=True)
            if current.get(int(row[0])) == comment
        ]
        if not keep:
            return 0
        first = db.next_change_seq(conn, "comment_analyses")
        values = [(*row, first + n, now) for n, (row, _comment) in enumerate(keep)]
        conn.exec_driver_sql(
            f"INSERT INTO comment_analyses ({', '.join(names)}) "
            f"VALUES ({', '.join([mark] * len(names))}) "
            f"ON CONFLICT (response_id) DO UPDATE SET {assignments}",
            values,
        )
        if replace_comments:
            changed = [
                (row[redacted_at], row[0])
                for row, comment in keep
                if row[redacted_at] is not None and row[redacted_at] != comment
            ]
            if changed:
                seq = db.next_change_seq(conn, "responses")
                conn.exec_driver_sql(
                    f"UPDATE responses SET comment = {mark}, change_seq = {mark}, "
                    f"updated_at = {mark} WHERE id = {mark}",
                    [(red, seq + n, now, rid) for n, (red, rid) in enumerate(changed)],
                )
    return len(keep)


def _current_comments(conn: Connection, ids: list[int]) -> dict[int, str | None]:
    mark = _mark(conn)
    found: dict[int, str | None] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        result = conn.exec_driver_sql(
            f"SELECT id, comment FROM responses WHERE id IN ({', '.join([mark] * len(chunk))})",
            tuple(chunk),
        )
        for rid, comment in result:
            found[int(rid)] = comment
    return found


def analyses_of(db: Database, response_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Stored analyses of some responses (tests, the single-response API)."""
    if not response_ids:
        return {}
    with db.read() as conn:
        mark = _mark(conn)
        ids = list(response_ids)
        result = conn.exec_driver_sql(
            f"SELECT response_id, {', '.join(ANALYSIS_COLUMNS)}, change_seq "
            f"FROM comment_analyses WHERE response_id IN ({', '.join([mark] * len(ids))})",
            tuple(ids),
        )
        keys = ("response_id", *ANALYSIS_COLUMNS, "change_seq")
        return {int(row[0]): dict(zip(keys, row, strict=True)) for row in result}
