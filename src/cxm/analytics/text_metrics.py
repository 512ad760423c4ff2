"""Text metrics as Ibis expressions over comment analyses joined to their responses:
sentiment shares and mean score, emotion intensities and NPS by any dimension and time
grain; the same per theme; example comments per theme; the filtered comment list.

Analyses are joined to responses on ``response_id`` for the dimensions and NPS. Themes are
stored ``|``-delimited (``|price|delivery|``); they are exploded portably by joining a
small in-memory table of theme keys on ``themes LIKE '%|key|%'`` (``contains``), which
DuckDB and PostgreSQL both run. Aggregates are exact integers (see
:mod:`cxm.domain.text_metrics`); everything else is finished in Python."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.metrics import (
    cell_groups,
    cell_key,
    cell_order,
    filtered_by,
    query_filters,
)
from cxm.domain.metrics import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from cxm.domain.text_metrics import (
    EMOTION_PRESENT,
    EMOTIONS,
    SCORE_SCALE,
    TextQuery,
    TextReport,
    TextStats,
    finish_text_row,
)

_RESPONSE_COLUMNS = (
    "journey",
    "stage",
    "touchpoint",
    "channel",
    "product",
    "department",
    "process",
    "transaction_type",
    "segment",
    "lifecycle_stage",
    "source",
    "nps",
)
_ANALYSIS_COLUMNS = (
    "response_id",
    "responded_at",
    "language",
    "sentiment",
    "sentiment_score",
    *EMOTIONS,
    "themes",
    "redacted_comment",
)


def comments_table(engine: Engine) -> ir.Table:
    """Every analysed comment with its response's dimensions and NPS (one row each)."""
    a = engine.table("comment_analyses")
    r = engine.table("responses")
    joined = a.join(r, a.response_id == r.id)
    return joined.select(*(a[c] for c in _ANALYSIS_COLUMNS), *(r[c] for c in _RESPONSE_COLUMNS))


def filtered(t: ir.Table, query: TextQuery) -> ir.Table:
    """The comments a query is about."""
    filters = query_filters(t, query)
    if query.theme is not None:
        filters.append(t.themes.contains(f"|{query.theme}|"))
    if query.sentiment is not None:
        filters.append(t.sentiment == query.sentiment)
    if query.emotion is not None:
        filters.append(t[query.emotion] >= EMOTION_PRESENT)
    return filtered_by(t, filters)


def _statistics(t: ir.Table) -> dict[str, ir.Scalar]:
    def count_if(cond: ir.BooleanValue) -> ir.IntegerScalar:
        return cond.ifelse(1, 0).sum().cast("int64")

    def scaled_sum(col: ir.FloatingValue) -> ir.IntegerScalar:
        return (col * SCORE_SCALE).round().cast("int64").sum().cast("int64")

    nps = t.nps.cast("int64")
    out: dict[str, ir.Scalar] = {
        "n": t.count().cast("int64"),
        "negative": count_if(t.sentiment == "negative"),
        "neutral": count_if(t.sentiment == "neutral"),
        "positive": count_if(t.sentiment == "positive"),
        "score_sum": scaled_sum(t.sentiment_score),
        "nps_n": nps.count().cast("int64"),
        "promoters": count_if(nps >= NPS_PROMOTER_MIN),
        "detractors": count_if(nps <= NPS_DETRACTOR_MAX),
    }
    for emotion in EMOTIONS:
        out[f"e_{emotion}"] = scaled_sum(t[emotion])
    return out


def text_expression(engine: Engine, query: TextQuery) -> ir.Table:
    """One aggregation: a row per cell with its keys and statistics."""
    t = filtered(comments_table(engine), query)
    groups = cell_groups(t, query)
    if groups:
        return t.group_by(**groups).aggregate(**_statistics(t))
    return t.aggregate(**_statistics(t))


def theme_expression(engine: Engine, query: TextQuery, themes: Sequence[str]) -> ir.Table:
    """Statistics per theme (and the query's breakdown): a comment counts once per theme."""
    t = filtered(comments_table(engine), query)
    keys = ibis.memtable({"theme": list(themes)}, schema={"theme": "string"})
    exploded = t.join(keys, t.themes.contains(ibis.literal("|") + keys.theme + "|"))
    groups = {"theme": exploded.theme, **cell_groups(exploded, query)}
    return exploded.group_by(**groups).aggregate(**_statistics(exploded))


def _stats_of(record: dict[str, Any]) -> TextStats:
    return TextStats(
        n=int(record.get("n") or 0),
        negative=int(record.get("negative") or 0),
        neutral=int(record.get("neutral") or 0),
        positive=int(record.get("positive") or 0),
        score_sum=int(record.get("score_sum") or 0),
        emotion_sums=tuple(int(record.get(f"e_{e}") or 0) for e in EMOTIONS),
        nps_n=int(record.get("nps_n") or 0),
        promoters=int(record.get("promoters") or 0),
        detractors=int(record.get("detractors") or 0),
    )


def _finish(
    records: list[dict[str, Any]], key_names: Sequence[str], query: TextQuery, min_n: int
) -> TextReport:
    cells = []
    for record in records:
        stats = _stats_of(record)
        if stats.n:
            cells.append(({k: cell_key(record[k]) for k in key_names}, stats))
    cells.sort(key=lambda cell: tuple(cell_order(cell[0][k]) for k in key_names))
    total = TextStats()
    for _, stats in cells:
        total = total + stats
    rows = tuple(finish_text_row(keys, stats, min_n) for keys, stats in cells)
    return TextReport(query=query, rows=rows, total=finish_text_row({}, total, min_n))


def _no_match(query: TextQuery) -> bool:
    return any(len(values) == 0 for values in query.where.values())


def compute_text_report(engine: Engine, query: TextQuery, *, min_n: int) -> TextReport:
    """Sentiment, emotions and NPS per cell of the query."""
    key_names = (*query.by, *((query.grain,) if query.grain else ()))
    records: list[dict[str, Any]] = []
    if not _no_match(query):
        with engine.lock:
            records = text_expression(engine, query).to_pyarrow().to_pylist()
    return _finish(records, key_names, query, min_n)


def compute_theme_report(
    engine: Engine, query: TextQuery, themes: Sequence[str], *, min_n: int
) -> tuple[TextReport, int]:
    """Per theme (and breakdown): the report, and how many comments the query covers (the
    denominator of a theme's share)."""
    key_names = ("theme", *query.by, *((query.grain,) if query.grain else ()))
    records: list[dict[str, Any]] = []
    covered = 0
    if themes and not _no_match(query):
        with engine.lock:
            records = theme_expression(engine, query, themes).to_pyarrow().to_pylist()
            counted = filtered(comments_table(engine), query).count().to_pyarrow()
            covered = int(counted.as_py() or 0)
    return _finish(records, key_names, query, min_n), covered


def theme_examples(
    engine: Engine, query: TextQuery, themes: Sequence[str], per_theme: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """The newest ``per_theme`` redacted comments of each theme."""
    if not themes or _no_match(query):
        return {}
    t = filtered(comments_table(engine), query)
    keys = ibis.memtable({"theme": list(themes)}, schema={"theme": "string"})
    exploded = t.join(keys, t.themes.contains(ibis.literal("|") + keys.theme + "|"))
    ranked = exploded.mutate(
        rank=ibis.row_number().over(
            group_by=exploded.theme,
            order_by=[exploded.responded_at.desc(), exploded.response_id.desc()],
        )
    )
    chosen = ranked.filter(ranked["rank"] < per_theme).select(
        "theme", "rank", "response_id", "responded_at", "redacted_comment", "sentiment"
    )
    with engine.lock:
        records = chosen.to_pyarrow().to_pylist()
    out: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(records, key=lambda r: (r["theme"], r["rank"])):
        out.setdefault(record["theme"], []).append(
            {k: record[k] for k in ("response_id", "responded_at", "redacted_comment", "sentiment")}
        )
    return out


def list_comments(
    engine: Engine, query: TextQuery, *, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """A page of the query's comments, newest first, and how many there are in all."""
    if _no_match(query):
        return [], 0
    t = filtered(comments_table(engine), query)
    page = (
        t.order_by([t.responded_at.desc(), t.response_id.desc()])
        .limit(limit, offset=offset)
        .select(
            "response_id",
            "responded_at",
            "language",
            "sentiment",
            "sentiment_score",
            "themes",
            "redacted_comment",
            "touchpoint",
            "stage",
            "segment",
            "department",
            "nps",
            *EMOTIONS,
        )
    )
    with engine.lock:
        records = page.to_pyarrow().to_pylist()
        total = int(t.count().to_pyarrow().as_py() or 0)
    return records, total


def recent_comments(engine: Engine, query: TextQuery, limit: int) -> list[tuple[str, str]]:
    """(redacted comment, language) of the newest ``limit`` comments of the query."""
    if _no_match(query):
        return []
    t = filtered(comments_table(engine), query)
    newest = (
        t.order_by([t.responded_at.desc(), t.response_id.desc()])
        .limit(limit)
        .select("redacted_comment", "language")
    )
    with engine.lock:
        records = newest.to_pyarrow().to_pylist()
    return [(r["redacted_comment"] or "", r["language"] or "und") for r in records]


def compile_text_sql(engine: Engine, query: TextQuery) -> str:
    """The SQL a text query compiles to (snapshots, ``--explain``)."""
    with engine.lock:
        return str(ibis.to_sql(text_expression(engine, query)))
