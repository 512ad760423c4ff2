"""Key drivers on an engine: the complete-case table of (outcome, drivers) as an Ibis
expression, its moments (n, Σx, Σxxᵀ) aggregated in the engine, then LMG in NumPy.

The bootstrap resamples responses without pulling them: the engine also returns the
frequency table of distinct value combinations (ratings are few: 5 attributes on 1–5 and
an NPS 0–10 make at most 34 375 cells), and resampling n responses is a multinomial draw
over the cells — the same distribution as resampling rows, at a fraction of the cost.
Cells are sorted before the seeded draw, so every engine gets identical replicates."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np

from cxm.analytics.engine import Engine
from cxm.analytics.lmg import FloatArray, correlation_from_moments, lmg
from cxm.analytics.metrics import query_filters
from cxm.domain.drivers import DriverImportance, DriverQuery, DriverReport
from cxm.domain.errors import ValidationFailed

OUTCOME = "y"
#: Replicates drawn per batch (bounds memory when cells are many).
_BATCH = 64


def answer_value(answers: ir.Value, key: str) -> ir.FloatingValue:
    """A numeric answer out of the JSON text of ``answers`` (portable: a regular expression
    works alike on DuckDB, PostgreSQL and Spark, JSON functions do not)."""
    pattern = '"' + key + r'"\s*:\s*(-?[0-9]+(\.[0-9]+)?)'
    text = answers.cast("string").re_extract(pattern, 1)
    return text.nullif("").cast("float64")


def driver_table(responses: ir.Table, query: DriverQuery) -> ir.Table:
    """Complete cases: columns ``y`` and ``d0…d{k-1}`` (float64), one row per response
    (answers) or per customer (touch-points)."""
    t = responses
    if query.source == "answers":
        t = t.filter(t[query.outcome].notnull(), t.answers.notnull(), *query_filters(t, query))
        cols = {OUTCOME: t[query.outcome].cast("float64")}
        for i, key in enumerate(query.drivers):
            cols[f"d{i}"] = answer_value(t.answers, key)
        table = t.select(**cols)
    else:
        t = t.filter(t.customer_id.notnull(), *query_filters(t, query))
        tp = t.filter(t.csat.notnull(), t.touchpoint.isin(list(query.drivers)))
        aggs: dict[str, ir.Scalar] = {}
        for i, key in enumerate(query.drivers):
            hit = tp.touchpoint == key
            total = hit.ifelse(tp.csat.cast("int64"), 0).sum().cast("float64")
            count = hit.ifelse(1, 0).sum().cast("float64")
            aggs[f"d{i}"] = (count > 0).ifelse(total / count, ibis.null("float64"))
        per_tp = tp.group_by(cid=tp.customer_id).aggregate(**aggs)
        if query.outcome == "nps":
            out = t.filter(t.nps.notnull(), t.interaction_id.isnull())
            score = out.nps
        else:
            out = t.filter(t.csat.notnull())
            score = out.csat
        outcome = out.group_by(oid=out.customer_id).aggregate(
            s=score.cast("int64").sum().cast("float64"), c=out.count().cast("float64")
        )
        joined = per_tp.join(outcome, per_tp.cid == outcome.oid)
        table = joined.select(
            **{OUTCOME: joined.s / joined.c},
            **{f"d{i}": joined[f"d{i}"] for i in range(len(query.drivers))},
        )
    names = [OUTCOME, *(f"d{i}" for i in range(len(query.drivers)))]
    return table.filter(*(table[c].notnull() for c in names))


def moments_expression(table: ir.Table, k: int, top_box_min: float) -> ir.Table:
    """n, Σ and Σ of cross-products of the outcome and drivers, top-box counts: one row."""
    names = [OUTCOME, *(f"d{i}" for i in range(k))]
    aggs: dict[str, ir.Scalar] = {"n": table.count().cast("int64")}
    for a, x in enumerate(names):
        aggs[f"s_{a}"] = table[x].sum().cast("float64")
        aggs[f"top_{a}"] = (table[x] >= top_box_min).ifelse(1, 0).sum().cast("int64")
        for b in range(a, len(names)):
            aggs[f"c_{a}_{b}"] = (table[x] * table[names[b]]).sum().cast("float64")
    return table.aggregate(**aggs)


def cells_expression(table: ir.Table, k: int) -> ir.Table:
    """The frequency table of distinct (outcome, drivers) combinations."""
    names = [OUTCOME, *(f"d{i}" for i in range(k))]
    return table.group_by(names).aggregate(w=table.count().cast("int64"))


def compute_driver_report(engine: Engine, query: DriverQuery) -> DriverReport:
    """Run a (validated) driver query on an engine → LMG importances with intervals."""
    k = len(query.drivers)
    p = k + 1
    with engine.lock:
        table = driver_table(engine.table("responses"), query)
        row = moments_expression(table, k, query.top_box_min).to_pyarrow().to_pylist()[0]
        cells = cells_expression(table, k).to_pyarrow() if query.bootstrap > 0 else None
    n = int(row["n"] or 0)
    if n < p + 2:
        raise ValidationFailed(f"too few complete responses for {k} drivers ({n})", field="drivers")
    sums = np.array([float(row[f"s_{a}"]) for a in range(p)])
    cross = np.zeros((p, p))
    for a in range(p):
        for b in range(a, p):
            cross[a, b] = cross[b, a] = float(row[f"c_{a}_{b}"])
    corr = correlation_from_moments(float(n), sums, cross)
    importance, r2 = lmg(corr)
    intervals = None
    if cells is not None:
        intervals = _bootstrap(cells, k, n, query)
    total = float(np.sum(importance))
    shares = importance / total if total > 0 else np.zeros(k)
    order = sorted(range(k), key=lambda j: (-importance[j], query.drivers[j]))
    items = []
    for rank, j in enumerate(order, start=1):
        lo = hi = s_lo = s_hi = None
        if intervals is not None:
            lo, hi = float(intervals[0][0, j]), float(intervals[0][1, j])
            s_lo, s_hi = float(intervals[1][0, j]), float(intervals[1][1, j])
        items.append(
            DriverImportance(
                driver=query.drivers[j],
                importance=float(importance[j]),
                low=lo,
                high=hi,
                share=float(shares[j]),
                share_low=s_lo,
                share_high=s_hi,
                correlation=float(corr[0, j + 1]),
                mean=float(sums[j + 1] / n),
                top_box=int(row[f"top_{j + 1}"]) / n,
                rank=rank,
            )
        )
    r2_lo = r2_hi = None
    if intervals is not None:
        r2_lo, r2_hi = float(intervals[2][0]), float(intervals[2][1])
    return DriverReport(
        query=query,
        n=n,
        r2=float(r2),
        r2_low=r2_lo,
        r2_high=r2_hi,
        outcome_mean=float(sums[0] / n),
        drivers=tuple(items),
    )


def _bootstrap(
    cells: object, k: int, n: int, query: DriverQuery
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Percentile intervals of (importance, share, R²) over seeded multinomial replicates."""
    names = [OUTCOME, *(f"d{i}" for i in range(k))]
    data = np.column_stack([np.asarray(cells[c], dtype=np.float64) for c in names])  # type: ignore[index]
    weights = np.asarray(cells["w"], dtype=np.float64)  # type: ignore[index]
    order = np.lexsort(data.T[::-1])
    data, weights = data[order], weights[order]
    products = (data[:, :, None] * data[:, None, :]).reshape(len(data), -1)
    rng = np.random.default_rng(query.seed)
    probabilities = weights / weights.sum()
    imps, r2s = [], []
    remaining = query.bootstrap
    while remaining > 0:
        size = min(_BATCH, remaining)
        remaining -= size
        draw = rng.multinomial(n, probabilities, size=size).astype(np.float64)
        sums = draw @ data
        cross = (draw @ products).reshape(size, k + 1, k + 1)
        corr = correlation_from_moments(np.full(size, float(n)), sums, cross)
        imp, r2 = lmg(corr)
        imps.append(imp)
        r2s.append(r2)
    imp_all = np.concatenate(imps)
    r2_all = np.concatenate(r2s)
    share_all = imp_all / np.where(r2_all > 0, r2_all, 1.0)[:, None]
    alpha = (1 - query.confidence) / 2
    qs = [alpha, 1 - alpha]
    return (
        np.quantile(imp_all, qs, axis=0),
        np.quantile(share_all, qs, axis=0),
        np.quantile(r2_all, qs),
    )


def compile_driver_sql(engine: Engine, query: DriverQuery) -> str:
    """The SQL of the moments query (snapshots, ``--explain``)."""
    with engine.lock:
        table = driver_table(engine.table("responses"), query)
        return str(ibis.to_sql(moments_expression(table, len(query.drivers), query.top_box_min)))


def discover_answer_keys(engine: Engine, *, sample: int = 2000) -> list[str]:
    """The numeric answer keys of the most common questionnaire in a sample of responses:
    drivers must be answered together, so keys are taken from the most frequent set of
    numeric keys one response carries (with at least two), not pooled across surveys."""
    import json
    from collections import Counter

    with engine.lock:
        t = engine.table("responses")
        t = t.filter(t.answers.notnull())
        rows = t.select(a=t.answers.cast("string")).limit(sample).to_pyarrow().to_pylist()
    signatures: Counter[frozenset[str]] = Counter()
    for row in rows:
        try:
            data = json.loads(row["a"])
        except (TypeError, ValueError):
            continue
        if isinstance(data, dict):
            keys = frozenset(
                key
                for key, value in data.items()
                if isinstance(value, int | float) and not isinstance(value, bool)
            )
            if len(keys) >= 2:
                signatures[keys] += 1
    if not signatures:
        return []
    return sorted(signatures.most_common(1)[0][0])
