"""The filter bar shared by every dashboard page with filters: parsed from and kept in the
URL's query string (a GET form), so a link reproduces the view."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from cxm.domain.access import Principal
from cxm.domain.dimensions import RESPONSE_SOURCES
from cxm.domain.errors import ValidationFailed
from cxm.domain.taxonomy import Taxonomy
from cxm.services.overview import FILTER_DIMENSIONS, Filters
from cxm.web import i18n
from cxm.web.i18n import N_

#: msgids of every dimension's name.
DIMENSION_NAMES = {
    "journey": N_("Journey"),
    "stage": N_("Stage"),
    "touchpoint": N_("Touch-point"),
    "channel": N_("Channel"),
    "product": N_("Product"),
    "segment": N_("Segment"),
    "lifecycle_stage": N_("Lifecycle stage"),
    "department": N_("Department"),
    "process": N_("Process"),
    "transaction_type": N_("Transaction type"),
    "source": N_("Source"),
    "language": N_("Language"),
}
SOURCE_NAMES = {
    "survey": N_("Survey"),
    "api": N_("API"),
    "import": N_("Import"),
    "review": N_("Review"),
    "social": N_("Social media"),
    "word_of_mouth": N_("Word of mouth"),
}


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    group: str | None
    selected: bool


@dataclass(frozen=True)
class FilterField:
    """One dimension of the filter bar: several values may be chosen (any of them matches)
    unless ``single``."""

    name: str
    label: str
    options: tuple[Option, ...]
    single: bool = False


def dimension_name(dimension: str, language: str) -> str:
    return i18n.gettext(language, DIMENSION_NAMES.get(dimension, dimension))


def value_label(taxonomy: Taxonomy, dimension: str, key: str | None, language: str) -> str:
    if key is None:
        return i18n.gettext(language, "(none)")
    if dimension == "source":
        return i18n.gettext(language, SOURCE_NAMES.get(key, key))
    if dimension == "language":
        return i18n.LANGUAGE_NAMES.get(key, key)
    try:
        return taxonomy.label(dimension, key, language)
    except ValidationFailed:
        return key


def allowed_values(taxonomy: Taxonomy, dimension: str) -> list[str]:
    if dimension == "source":
        return list(RESPONSE_SOURCES)
    if dimension == "language":
        return list(i18n.LANGUAGES)
    return taxonomy.keys(dimension)


def parse_date(params: QueryParams, name: str) -> date | None:
    """A date parameter (YYYY-MM-DD) or None when empty; ValidationFailed names it."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name}: not a date (YYYY-MM-DD): '{raw}'", field=name) from exc


def parse_filters(
    params: QueryParams, taxonomy: Taxonomy, dimensions: Sequence[str] = FILTER_DIMENSIONS
) -> Filters:
    """Filters from a query string; unknown keys are errors naming the dimension."""
    where: dict[str, tuple[str, ...]] = {}
    for dimension in dimensions:
        values = tuple(v for v in params.getlist(dimension) if v)
        if not values:
            continue
        known = set(allowed_values(taxonomy, dimension))
        for value in values:
            if value not in known:
                raise ValidationFailed(f"{dimension}: unknown value '{value}'", field=dimension)
        where[dimension] = values
    return Filters(
        since=parse_date(params, "since"), until=parse_date(params, "until"), where=where
    )


def filter_fields(
    taxonomy: Taxonomy,
    filters: Filters,
    principal: Principal,
    language: str,
    dimensions: Sequence[str] = FILTER_DIMENSIONS,
    single: Collection[str] = (),
) -> tuple[FilterField, ...]:
    """The fields of the filter bar (``single``: the dimensions that take one value); a
    scoped principal sees only its departments."""
    fields = []
    placement = taxonomy.touchpoint_placement()
    scope = principal.department_scope
    for dimension in dimensions:
        selected = set(filters.where.get(dimension, ()))
        keys = allowed_values(taxonomy, dimension)
        if dimension == "department" and scope is not None:
            keys = [k for k in keys if k in scope]
        options = []
        for key in keys:
            group = None
            if dimension == "touchpoint" and key in placement:
                journey, stage = placement[key]
                group = (
                    f"{taxonomy.label('journey', journey, language)} › "
                    f"{taxonomy.label('stage', stage, language)}"
                )
            options.append(
                Option(key, value_label(taxonomy, dimension, key, language), group, key in selected)
            )
        name = dimension_name(dimension, language)
        fields.append(FilterField(dimension, name, tuple(options), dimension in single))
    return tuple(fields)


def filters_query(filters: Filters, **extra: str) -> str:
    """The query string reproducing ``filters`` (plus ``extra`` parameters)."""
    pairs: list[tuple[str, str]] = []
    if filters.since:
        pairs.append(("since", filters.since.isoformat()))
    if filters.until:
        pairs.append(("until", filters.until.isoformat()))
    for dimension, values in filters.where.items():
        pairs.extend((dimension, v) for v in values)
    pairs.extend(extra.items())
    return urlencode(pairs)


def whole_number(params: Any, name: str, default: int) -> int:
    """A whole-number setting from the URL (``default`` when absent or empty)."""
    raw = params.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name}: not a whole number: '{raw}'", field=name) from exc


def filter_bar(
    params: QueryParams,
    taxonomy: Taxonomy,
    principal: Principal,
    language: str,
    dimensions: Sequence[str] = FILTER_DIMENSIONS,
    single: Collection[str] = (),
) -> tuple[Filters, dict[str, Any]]:
    """A page's filters from its URL, and the fields ``_filters.html`` reads from the page's
    context (``filters``, ``since``, ``until``); ``single``: dimensions taking one value."""
    filters = parse_filters(params, taxonomy, dimensions)
    return filters, {
        "filters": filter_fields(taxonomy, filters, principal, language, dimensions, single),
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
    }
