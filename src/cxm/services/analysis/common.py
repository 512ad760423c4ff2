"""What every analysis service does first: validate the base filters, scope them to the
principal's departments and get a fresh analytics engine."""

from __future__ import annotations

from dataclasses import replace

from cxm import analytics
from cxm.analytics.engine import Engine
from cxm.domain.access import Principal
from cxm.domain.dimensions import DIMENSIONS
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import MetricQuery
from cxm.services import reports
from cxm.services.mirror import ensure_fresh
from cxm.services.runtime import Runtime


def prepared(
    rt: Runtime, base: MetricQuery | None, principal: Principal | None
) -> tuple[MetricQuery, Engine, int]:
    """(scoped base query, engine, minimum responses per side)."""
    base = base or MetricQuery()
    reports.validate_query(replace(base, by=(), grain=None))
    base = reports.scoped_query(base, principal)
    if rt.settings.engine != "postgres":
        ensure_fresh(rt)
    engine = analytics.connect(rt.settings)
    min_n = base.min_n if base.min_n is not None else rt.settings.min_responses
    return base, engine, min_n


def check_dimension(dimension: str, field: str = "dimension") -> None:
    if dimension not in DIMENSIONS:
        raise ValidationFailed(
            f"unknown dimension '{dimension}' (known: {', '.join(DIMENSIONS)})", field=field
        )
