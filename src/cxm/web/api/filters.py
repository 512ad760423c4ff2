"""Query-string filters shared by the API routers."""

from __future__ import annotations

from cxm.domain.errors import ValidationFailed


def parse_where(items: list[str], field: str = "where") -> dict[str, tuple[str, ...]]:
    """`dim:value` filters (repeatable; the same dim twice means either value) →
    {dim: values}; ValidationFailed names ``field``."""
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        dim, sep, value = item.partition(":")
        if not sep or not dim or not value:
            raise ValidationFailed(f"{field} needs dim:value, got '{item}'", field=field)
        out[dim] = (*out.get(dim, ()), value)
    return out
