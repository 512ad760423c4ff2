"""API: key-driver analysis (LMG relative importance of ratings for NPS or CSAT)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from cxm.domain.drivers import DriverQuery
from cxm.services import drivers
from cxm.web.api.filters import parse_where
from cxm.web.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["analysis"])

DESCRIPTION = """Relative importance of each driver by the Shapley decomposition of R² (LMG)
with seeded bootstrap percentile intervals, R² and n. `source=answers`: drivers are numeric
answers of the responses (default: every numeric answer found), outcome the same response's
`nps` or `csat`; `source=touchpoints`: drivers are touch-points (a customer's mean CSAT
there), outcome the customer's mean relationship NPS (or CSAT). `importance` sums to `r2`;
`share` is the part of R²; `mean` and `top_box` are the drivers' performance."""


@router.get("/analysis/drivers", summary="Key drivers of NPS or CSAT", description=DESCRIPTION)
async def get_drivers(
    rt: RuntimeDep,
    principal: PrincipalDep,
    outcome: str = Query(default="nps", description="nps or csat"),
    source: str = Query(default="answers", description="answers or touchpoints"),
    driver: list[str] = Query(default=[], description="A driver (answer key or touch-point)"),
    since: date | None = Query(default=None, description="First day, inclusive"),
    until: date | None = Query(default=None, description="Last day, inclusive"),
    where: list[str] = Query(default=[], description="Filter `dim:value`; repeatable"),
    bootstrap: int = Query(default=500, description="Bootstrap replicates (0: no intervals)"),
    seed: int = Query(default=7, description="Seed of the bootstrap"),
) -> dict[str, Any]:
    query = DriverQuery(
        outcome=outcome,  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        drivers=tuple(d for value in driver for d in value.split(",") if d),
        since=since,
        until=until,
        where=parse_where(where),
        bootstrap=bootstrap,
        seed=seed,
    )
    report = await run_in_threadpool(drivers.key_drivers, rt, query, principal)
    return drivers.driver_report_dict(report)
