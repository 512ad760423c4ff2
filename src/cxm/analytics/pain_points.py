"""Pain points: per value of a dimension (touch-point, department, … or a comment theme) the
counts that rank sources of negative experience — responses, NPS promoters/detractors,
negative responses (NPS 0–6, or CSAT 1–2 when there is no NPS), analysed comments and the
negative ones, and the monetary value of the interactions behind detractor responses.

Integers are cast to int64 and the money sum to float64 on every engine. Themes come from
``comment_analyses.themes`` (``|price|delivery|``), exploded with ``split``/``unnest``."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.metrics import filtered_by, query_filters, rollup_rows
from cxm.domain.metrics import (
    NEGATIVE_CSAT_MAX,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
    MetricQuery,
)
from cxm.domain.pain_points import PainCounts

THEME = "theme"
_COUNTS = ("n", "nps_n", "promoters", "detractors", "scored", "negative")
_COMMENTS = ("comments", "negative_comments")
MONEY = "money_at_risk"


def pain_expression(
    engine: Engine, query: MetricQuery, dimension: str, *, comments: bool, money: bool
) -> ir.Table:
    """The aggregation behind the ranking (``query.by`` is ignored; ``dimension`` groups):
    the score counts, the comment counts and the money at risk are aggregated apart and
    added per key, so each reads only what it needs — the score counts come from the
    mirror's daily rollups when they hold the dimension and the filters."""
    r = engine.table("responses")
    r = filtered_by(r, query_filters(r, query))
    keyed = r.select(
        rid=r.id,
        iid=r.interaction_id,
        key=r[dimension] if dimension != THEME else ibis.literal(None, type="string"),
        nps=r.nps.cast("int64"),
        csat=r.csat.cast("int64"),
    )
    if dimension == THEME or comments:
        ca = engine.table("comment_analyses")
        ca = ca.select(ca_rid=ca.response_id, sentiment=ca.sentiment, themes=ca.themes)
        analysed = keyed.join(ca, keyed.rid == ca.ca_rid)
    if dimension == THEME:
        keyed = analysed.mutate(key=analysed.themes.split("|").unnest())
        keyed = analysed = keyed.filter(keyed.key != "")
    counts = _rollup_counts(engine, query, dimension)
    parts = [_score_counts(keyed) if counts is None else counts]
    if dimension == THEME or comments:
        parts.append(_comment_counts(analysed))
    if money:
        parts.append(_money_at_risk(engine, keyed))
    return _summed(parts)


def _rollup_counts(engine: Engine, query: MetricQuery, dimension: str) -> ir.Table | None:
    rows = rollup_rows(engine, {dimension, *query.where}) if dimension != THEME else None
    if rows is None:
        return None
    rows = filtered_by(rows, query_filters(rows, query))
    return rows.group_by(key=rows[dimension]).aggregate(
        **{name: rows[name].sum().cast("int64") for name in _COUNTS}
    )


def _score_counts(t: ir.Table) -> ir.Table:
    def count_if(condition: ir.BooleanValue) -> ir.IntegerScalar:
        return condition.fill_null(False).ifelse(1, 0).sum().cast("int64")

    nps, csat = t.nps, t.csat
    return t.group_by("key").aggregate(
        n=t.count().cast("int64"),
        nps_n=nps.count().cast("int64"),
        promoters=count_if(nps >= NPS_PROMOTER_MIN),
        detractors=count_if(nps <= NPS_DETRACTOR_MAX),
        scored=count_if(nps.notnull() | csat.notnull()),
        negative=count_if(
            (nps <= NPS_DETRACTOR_MAX) | (nps.isnull() & (csat <= NEGATIVE_CSAT_MAX))
        ),
    )


def _comment_counts(analysed: ir.Table) -> ir.Table:
    return analysed.group_by("key").aggregate(
        comments=analysed.count().cast("int64"),
        negative_comments=(analysed.sentiment == "negative").ifelse(1, 0).sum().cast("int64"),
    )


def _money_at_risk(engine: Engine, keyed: ir.Table) -> ir.Table:
    """Only detractor rows carry money: their (key, interaction) pairs are joined with the
    interactions that have a monetary value. Each response has at most one interaction
    (its id is the key), so the sums are those of the join."""
    ix = engine.table("interactions")
    ix = ix.filter(ix.monetary_value.notnull())
    ix = ix.select(ix_id=ix.id, value=ix.monetary_value.cast("float64"))
    risky = keyed.filter(keyed.nps <= NPS_DETRACTOR_MAX, keyed.iid.notnull())
    risky = risky.select("key", "iid").join(ix, risky.iid == ix.ix_id)
    return risky.group_by("key").aggregate(**{MONEY: risky.value.sum()})


def _summed(parts: list[ir.Table]) -> ir.Table:
    """The parts' columns added per key (a column a part lacks counts 0)."""
    zero = {name: ibis.literal(0, "int64") for name in (*_COUNTS, *_COMMENTS)}
    zero[MONEY] = ibis.literal(0.0, "float64")
    filled = [
        part.select(
            key=part.key.cast("string"),
            **{
                name: part[name].cast(value.type()) if name in part.columns else value
                for name, value in zero.items()
            },
        )
        for part in parts
    ]
    both = ibis.union(*filled) if len(filled) > 1 else filled[0]
    return both.group_by("key").aggregate(
        **{name: both[name].sum().cast(value.type()) for name, value in zero.items()}
    )


def compute_pain_counts(
    engine: Engine, query: MetricQuery, dimension: str, *, comments: bool, money: bool
) -> list[PainCounts]:
    """Counts per value of ``dimension`` (values with no response are absent)."""
    if any(len(values) == 0 for values in query.where.values()):
        return []
    with engine.lock:
        expr = pain_expression(engine, query, dimension, comments=comments, money=money)
        records = expr.to_pyarrow().to_pylist()
    return sorted(
        (_counts(rec) for rec in records if rec["n"]), key=lambda c: (c.key is None, str(c.key))
    )


def has_rows(engine: Engine, table: str) -> bool:
    """Whether a mirrored table holds any row."""
    with engine.lock:
        t = engine.table(table)
        return bool(t.limit(1).count().to_pyarrow().as_py())


def _counts(rec: dict[str, Any]) -> PainCounts:
    return PainCounts(
        key=None if rec["key"] is None else str(rec["key"]),
        n=int(rec["n"]),
        nps_n=int(rec["nps_n"] or 0),
        promoters=int(rec["promoters"] or 0),
        detractors=int(rec["detractors"] or 0),
        scored=int(rec["scored"] or 0),
        negative=int(rec["negative"] or 0),
        comments=int(rec["comments"] or 0),
        negative_comments=int(rec["negative_comments"] or 0),
        money_at_risk=float(rec["money_at_risk"] or 0.0),
    )
