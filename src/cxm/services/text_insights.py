"""Comment insights for the API, pages and exports: sentiment and emotions by any dimension
and over time, themes with their NPS and example comments, theme discovery, the comment
drill-down list, and analysing one text.

Every comment shown is the redacted text; department-scoped principals see only their
departments (as in :mod:`cxm.services.reports`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from cxm import analytics
from cxm.analytics import text_metrics
from cxm.domain.access import Principal
from cxm.domain.dimensions import DIMENSIONS
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import GRAINS, MAX_BREAKDOWN_DIMENSIONS
from cxm.domain.text_metrics import EMOTIONS, SENTIMENTS, TextQuery, TextReport, TextRow
from cxm.services.comment_analysis import current_analyser
from cxm.services.mirror import ensure_fresh
from cxm.services.reports import scoped_query
from cxm.services.runtime import Runtime
from cxm.text.analyser import analyse
from cxm.text.themes import ThemeDictionary, default_theme_dictionary, discover_themes

MAX_PAGE_SIZE = 200
DISCOVERY_SAMPLE = 5_000


@dataclass(frozen=True)
class ThemeInsight:
    """One theme: its figures, its share of the comments asked about (%), examples."""

    key: str
    label: str
    row: TextRow
    share: float
    examples: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class CommentPage:
    comments: tuple[dict[str, Any], ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def validate_text_query(query: TextQuery) -> None:
    """Raise ValidationFailed naming the field for anything a text report cannot be made of."""
    if len(query.by) > MAX_BREAKDOWN_DIMENSIONS:
        raise ValidationFailed(
            f"break down by at most {MAX_BREAKDOWN_DIMENSIONS} dimensions", field="by"
        )
    if len(set(query.by)) != len(query.by):
        raise ValidationFailed("a dimension is repeated in the breakdown", field="by")
    for name, dims in (("by", query.by), ("where", tuple(query.where))):
        for dim in dims:
            if dim not in DIMENSIONS:
                raise ValidationFailed(
                    f"unknown dimension '{dim}' (known: {', '.join(DIMENSIONS)})", field=name
                )
    if query.grain is not None and query.grain not in GRAINS:
        raise ValidationFailed(
            f"unknown grain '{query.grain}' (known: {', '.join(GRAINS)})", field="grain"
        )
    if query.sentiment is not None and query.sentiment not in SENTIMENTS:
        raise ValidationFailed(
            f"unknown sentiment '{query.sentiment}' (known: {', '.join(SENTIMENTS)})",
            field="sentiment",
        )
    if query.emotion is not None and query.emotion not in EMOTIONS:
        raise ValidationFailed(
            f"unknown emotion '{query.emotion}' (known: {', '.join(EMOTIONS)})", field="emotion"
        )
    if query.theme is not None and ("|" in query.theme or not query.theme):
        raise ValidationFailed("a theme key cannot be empty or contain '|'", field="theme")
    if query.since and query.until and query.since > query.until:
        raise ValidationFailed("'since' is after 'until'", field="since")
    if query.min_n is not None and query.min_n < 1:
        raise ValidationFailed("the minimum number of comments must be at least 1", field="min_n")


def _prepare(
    rt: Runtime, query: TextQuery, principal: Principal | None
) -> tuple[analytics.Engine, TextQuery, int]:
    validate_text_query(query)
    query = scoped_query(query, principal)
    if rt.settings.engine == "duckdb":
        ensure_fresh(rt)
    min_n = query.min_n if query.min_n is not None else rt.settings.min_responses
    return analytics.connect(rt.settings), query, min_n


def theme_dictionary(rt: Runtime) -> ThemeDictionary:
    """The themes comments are matched against (the company's, else the shipped ones)."""
    return current_analyser(rt).themes or default_theme_dictionary()


def theme_labels(rt: Runtime, language: str) -> dict[str, str]:
    """Theme key → label in ``language``, in dictionary order."""
    return {
        t.key: t.label_en if language == "en" else t.label_pl for t in theme_dictionary(rt).themes
    }


def sentiment_report(
    rt: Runtime, query: TextQuery, principal: Principal | None = None
) -> TextReport:
    """Sentiment shares, mean score, emotion intensities and NPS per cell of the query."""
    engine, query, min_n = _prepare(rt, query, principal)
    return text_metrics.compute_text_report(engine, query, min_n=min_n)


def theme_report(
    rt: Runtime,
    query: TextQuery,
    principal: Principal | None = None,
    *,
    language: str = "pl",
    examples: int = 3,
) -> list[ThemeInsight]:
    """Every configured theme mentioned by the query's comments, most mentioned first, with
    share, mean sentiment, NPS and the newest redacted example comments."""
    engine, query, min_n = _prepare(rt, replace(query, by=(), grain=None), principal)
    labels = theme_labels(rt, language)
    keys = [query.theme] if query.theme else list(labels)
    report, covered = text_metrics.compute_theme_report(engine, query, keys, min_n=min_n)
    samples = text_metrics.theme_examples(engine, query, keys, examples) if examples else {}
    out = [
        ThemeInsight(
            key=str(row.keys["theme"]),
            label=labels.get(str(row.keys["theme"]), str(row.keys["theme"])),
            row=row,
            share=100.0 * row.n / covered if covered else 0.0,
            examples=tuple(_json_ready(e) for e in samples.get(str(row.keys["theme"]), [])),
        )
        for row in report.rows
    ]
    out.sort(key=lambda t: (-t.row.n, t.key))
    return out


def discovered_themes(
    rt: Runtime,
    query: TextQuery,
    principal: Principal | None = None,
    *,
    sample: int = DISCOVERY_SAMPLE,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """New, unconfigured themes among the newest ``sample`` comments of the query."""
    engine, query, _min_n = _prepare(rt, query, principal)
    recent = text_metrics.recent_comments(engine, query, sample)
    found = discover_themes(
        [text for text, _ in recent],
        [language for _, language in recent],
        theme_dictionary(rt),
        limit=limit,
    )
    return [{"phrase": d.phrase, "count": d.count, "examples": list(d.examples)} for d in found]


def comment_page(
    rt: Runtime,
    query: TextQuery,
    principal: Principal | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
) -> CommentPage:
    """One page of the query's comments (redacted), newest first."""
    if page < 1:
        raise ValidationFailed("pages are numbered from 1", field="page")
    if not 1 <= per_page <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"per_page must be 1–{MAX_PAGE_SIZE}", field="per_page")
    engine, query, _min_n = _prepare(rt, replace(query, by=(), grain=None), principal)
    records, total = text_metrics.list_comments(
        engine, query, offset=(page - 1) * per_page, limit=per_page
    )
    comments = []
    for record in records:
        item = _json_ready(record)
        item["themes"] = [t for t in str(record.get("themes") or "").split("|") if t]
        item["emotions"] = {e: item.pop(e) for e in EMOTIONS}
        item["comment"] = item.pop("redacted_comment")
        comments.append(item)
    return CommentPage(tuple(comments), total, page, per_page)


def analyse_text(rt: Runtime, text: str) -> dict[str, Any]:
    """One text's analysis with this data directory's analyser (not stored)."""
    if len(text) > 20_000:
        raise ValidationFailed("the text is longer than 20,000 characters", field="text")
    analyser = current_analyser(rt)
    result = analyse(text, analyser.languages, themes=analyser.themes, model=analyser.model)
    data = result.as_dict()
    data["analyser_version"] = analyser.version
    return data


# --- JSON shapes ----------------------------------------------------------------------------


def text_row_dict(row: TextRow) -> dict[str, Any]:
    """A report row for JSON: keys, ``n``, and either the figures or ``insufficient``."""
    out: dict[str, Any] = {
        k: v.isoformat() if isinstance(v, date) else v for k, v in row.keys.items()
    }
    out["n"] = row.n
    if row.insufficient:
        out["insufficient"] = True
        return out
    out["sentiment"] = {s: row.shares[s] for s in SENTIMENTS}
    out["mean_score"] = row.mean_score
    out["emotions"] = dict(row.emotions)
    out["nps_n"] = row.nps.n
    out["nps"] = None if row.nps.insufficient else row.nps.value
    return out


def theme_dict(theme: ThemeInsight) -> dict[str, Any]:
    out = text_row_dict(theme.row)
    out["label"] = theme.label
    out["share"] = theme.share
    out["examples"] = list(theme.examples)
    return out


def _json_ready(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in record.items()}
