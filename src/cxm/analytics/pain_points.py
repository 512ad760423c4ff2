"""Pain points: per value of a dimension (touch-point, department, … or a comment theme) the
counts that rank sources of negative experience — responses, NPS promoters/detractors,
negative responses (NPS 0–6, or CSAT 1–2 when there is no NPS), analysed comments and the
negative ones, and the monetary value of the interactions behind detractor responses.

One aggregation; integers are cast to int64 and the money sum to float64 on every engine.
Themes come from ``comment_analyses.themes`` (``|price|delivery|``), exploded with
``split``/``unnest``."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from cxm.analytics.engine import Engine
from cxm.analytics.metrics import query_filters
from cxm.domain.metrics import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, MetricQuery
from cxm.domain.pain_points import PainCounts

THEME = "theme"
NEGATIVE_CSAT_MAX = 2


def _filtered(t: ir.Table, query: MetricQuery) -> ir.Table:
    filters = query_filters(t, query)
    return t.filter(*filters) if filters else t


def pain_expression(
    engine: Engine, query: MetricQuery, dimension: str, *, comments: bool, money: bool
) -> ir.Table:
    """The aggregation behind the ranking (``query.by`` is ignored; ``dimension`` groups)."""
    r = _filtered(engine.table("responses"), query)
    nps = r.nps.cast("int64")
    csat = r.csat.cast("int64")
    negative = (nps <= NPS_DETRACTOR_MAX) | (nps.isnull() & (csat <= NEGATIVE_CSAT_MAX))
    base = r.select(
        rid=r.id,
        iid=r.interaction_id,
        key=r[dimension] if dimension != THEME else ibis.literal(None, type="string"),
        has_nps=nps.notnull().ifelse(1, 0),
        promoter=(nps >= NPS_PROMOTER_MIN).ifelse(1, 0),
        detractor=(nps <= NPS_DETRACTOR_MAX).ifelse(1, 0),
        scored=(nps.notnull() | csat.notnull()).ifelse(1, 0),
        negative=negative.fill_null(False).ifelse(1, 0),
    )
    if comments or dimension == THEME:
        ca = engine.table("comment_analyses")
        ca = ca.select(
            ca_rid=ca.response_id,
            analysed=ibis.literal(1),
            neg_comment=(ca.sentiment == "negative").ifelse(1, 0),
            themes=ca.themes,
        )
        how = "inner" if dimension == THEME else "left"
        base = base.join(ca, base.rid == ca.ca_rid, how=how)
        if dimension == THEME:
            base = base.mutate(key=base.themes.split("|").unnest())
            base = base.filter(base.key != "")
    else:
        base = base.mutate(analysed=ibis.literal(0), neg_comment=ibis.literal(0))
    counts = base.group_by("key").aggregate(
        n=base.count().cast("int64"),
        nps_n=base.has_nps.sum().cast("int64"),
        promoters=base.promoter.sum().cast("int64"),
        detractors=base.detractor.sum().cast("int64"),
        scored=base.scored.sum().cast("int64"),
        negative=base.negative.sum().cast("int64"),
        comments=base.analysed.fill_null(0).sum().cast("int64"),
        negative_comments=base.neg_comment.fill_null(0).sum().cast("int64"),
        money_at_risk=ibis.literal(0.0, "float64"),
    )
    if not money:
        return counts
    # Only detractor rows carry money: join just their (key, interaction) pairs with the
    # interactions and add the sums per key, instead of joining every response (measured:
    # the hash table over all responses and their columns was most of the time). Each row
    # has at most one interaction (its id is the key), so the sums are those of the join.
    # Interactions without a monetary value add nothing, so they are left out of the join.
    ix = engine.table("interactions")
    ix = ix.filter(ix.monetary_value.notnull())
    ix = ix.select(ix_id=ix.id, value=ix.monetary_value.cast("float64"))
    risky = base.filter(base.detractor == 1, base.iid.notnull()).select("key", "iid")
    risky = risky.join(ix, risky.iid == ix.ix_id)
    at_risk = risky.group_by("key").aggregate(at_risk=risky.value.sum())
    zero = {name: ibis.literal(0, "int64") for name in counts.columns[1:-1]}
    at_risk = at_risk.select("key", **zero, money_at_risk=at_risk.at_risk.cast("float64"))
    both = ibis.union(counts, at_risk)
    return both.group_by("key").aggregate(
        **{name: both[name].sum().cast(counts[name].type()) for name in counts.columns[1:]}
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
