"""Metric reports: validate the query, scope it to the principal, run it on the analytics
engine (after making the mirror fresh), and shape the result as rows for the CLI and API.

Row shape (the same in ``cxm report --format json`` and ``GET /api/v1/metrics``):

* one metric asked: ``{<dim>: key, …, <grain>: "YYYY-MM-DD", "n": <responses with that
  metric>, "<metric>": value, "margin": m, "low": l, "high": h}``; CSAT adds ``top2``,
  ``top2_low``, ``top2_high`` (percent, Wilson interval). An insufficient cell carries
  ``"n"`` and ``"insufficient": true`` and no numbers.
* several metrics (``all``): ``"n"`` is every response in the cell; per metric ``m``:
  ``<m>_n``, ``<m>``, ``<m>_margin``, ``<m>_low``, ``<m>_high`` (CSAT also ``csat_top2``,
  ``csat_top2_low``, ``csat_top2_high``), or ``<m>_n`` and ``"<m>_insufficient": true``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from cxm import analytics
from cxm.domain.access import Principal
from cxm.domain.dimensions import DIMENSIONS, RESPONSE_SOURCES
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import (
    GRAINS,
    MAX_BREAKDOWN_DIMENSIONS,
    METRICS,
    MetricQuery,
    MetricReport,
    MetricRow,
)
from cxm.domain.text_metrics import TextQuery
from cxm.services.mirror import ensure_fresh
from cxm.services.runtime import Runtime

_SOURCE_LABELS = {
    "survey": ("Ankieta", "Survey"),
    "api": ("API", "API"),
    "import": ("Import", "Import"),
    "review": ("Opinia w serwisie", "Review"),
    "social": ("Media społecznościowe", "Social media"),
    "word_of_mouth": ("Poczta pantoflowa", "Word of mouth"),
}
_LANGUAGE_LABELS = {"pl": ("polski", "Polish"), "en": ("angielski", "English")}


def validate_query(query: MetricQuery) -> None:
    """Raise ValidationFailed naming the field for anything a report cannot be made of."""
    if not query.metrics:
        raise ValidationFailed("ask for at least one metric", field="metric")
    for metric in query.metrics:
        if metric not in METRICS:
            raise ValidationFailed(
                f"unknown metric '{metric}' (known: {', '.join(METRICS)})", field="metric"
            )
    if len(query.by) > MAX_BREAKDOWN_DIMENSIONS:
        raise ValidationFailed(
            f"break down by at most {MAX_BREAKDOWN_DIMENSIONS} dimensions", field="by"
        )
    if len(set(query.by)) != len(query.by):
        raise ValidationFailed("a dimension is repeated in the breakdown", field="by")
    for dimension in query.by:
        _check_dimension(dimension, "by")
    for dimension in query.where:
        _check_dimension(dimension, "where")
    if query.grain is not None and query.grain not in GRAINS:
        raise ValidationFailed(
            f"unknown grain '{query.grain}' (known: {', '.join(GRAINS)})", field="grain"
        )
    if query.since and query.until and query.since > query.until:
        raise ValidationFailed("'since' is after 'until'", field="since")
    if query.min_n is not None and query.min_n < 1:
        raise ValidationFailed("the minimum number of responses must be at least 1", field="min_n")


def _check_dimension(dimension: str, field: str) -> None:
    if dimension not in DIMENSIONS:
        raise ValidationFailed(
            f"unknown dimension '{dimension}' (known: {', '.join(DIMENSIONS)})", field=field
        )


ScopedQuery = TypeVar("ScopedQuery", MetricQuery, TextQuery)


def scoped_query(query: ScopedQuery, principal: Principal | None) -> ScopedQuery:
    """The query (of metrics or of comment text) restricted to the departments the
    principal may see."""
    scope = principal.department_scope if principal else None
    if scope is None:
        return query
    asked = query.where.get("department")
    allowed = tuple(d for d in asked if d in scope) if asked is not None else tuple(scope)
    return replace(query, where={**query.where, "department": allowed})


def metric_report(
    rt: Runtime, query: MetricQuery, principal: Principal | None = None
) -> MetricReport:
    """NPS/CSAT/CES with intervals and counts, cut as asked (see the module doc)."""
    validate_query(query)
    query = scoped_query(query, principal)
    settings = rt.settings
    if settings.engine in ("duckdb", "spark"):
        ensure_fresh(rt)
    engine = analytics.connect(settings)
    min_n = query.min_n if query.min_n is not None else settings.min_responses
    return analytics.compute_metric_report(engine, query, min_n=min_n)


def dimension_values(rt: Runtime, dimension: str, language: str) -> list[tuple[str, str]]:
    """(key, label) of every value a dimension can take, labelled in ``language``."""
    _check_dimension(dimension, "dimension")
    english = language == "en"
    if dimension == "source":
        return [(k, _SOURCE_LABELS[k][english]) for k in RESPONSE_SOURCES]
    if dimension == "language":
        return [(k, v[english]) for k, v in _LANGUAGE_LABELS.items()]
    return list(rt.taxonomy.labels(dimension, language).items())


def label_of(rt: Runtime, dimension: str, key: str | None, language: str) -> str:
    """The label of one dimension value (the key itself when unknown; "—" for none)."""
    if key is None:
        return "—"
    return dict(dimension_values(rt, dimension, language)).get(key, key)


def report_rows(report: MetricReport, *, total: bool = False) -> list[dict[str, Any]]:
    """The report as JSON-ready rows (the shape in the module doc); ``total``: only the total
    row. With neither a breakdown nor a grain the one row is the total."""
    query = report.query
    rows = (report.total,) if total or not (query.by or query.grain) else report.rows
    return [row_dict(row, query) for row in rows]


def row_dict(row: MetricRow, query: MetricQuery) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: v.isoformat() if isinstance(v, date) else v for k, v in row.keys.items()
    }
    single = len(query.metrics) == 1
    if not single:
        out["n"] = row.n
    for metric in query.metrics:
        value = row.values[metric]
        prefix = "" if single else f"{metric}_"
        out[f"{prefix}n" if single else f"{metric}_n"] = value.n
        if value.insufficient:
            out[f"{prefix}insufficient"] = True
            continue
        out[metric] = value.value
        out[f"{prefix}margin"] = value.margin
        out[f"{prefix}low"] = value.low
        out[f"{prefix}high"] = value.high
        if metric == "csat":
            top = "top2" if single else "csat_top2"
            out[top] = value.top2
            out[f"{top}_low"] = value.top2_low
            out[f"{top}_high"] = value.top2_high
    return out
