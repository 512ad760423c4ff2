"""Word of mouth: what customers heard from others (indirect feedback: reviews, social
media, word of mouth) against what they experienced themselves (direct feedback), per value
of a dimension (touch-point, product, …): NPS and CSAT of each side, the gap with its
significance (BH over all values and metrics), and both volumes over time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from cxm.analytics.cells import compute_cells
from cxm.domain.access import Principal
from cxm.domain.dimensions import INDIRECT_SOURCES, RESPONSE_SOURCES
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import CellStats, MetricQuery
from cxm.domain.significance import ALPHA, Scan, TestedMetric, compare_cells, scan_rows
from cxm.services.analysis.common import check_dimension, prepared
from cxm.services.runtime import Runtime

WOM_METRICS: tuple[TestedMetric, ...] = ("nps", "csat")


@dataclass(frozen=True)
class VolumePoint:
    month: date
    direct: int
    indirect: int


@dataclass(frozen=True)
class WordOfMouth:
    """``gaps``: per (value, metric) heard (A) minus experienced (B)."""

    dimension: str
    gaps: Scan
    volume: tuple[VolumePoint, ...]


def word_of_mouth(
    rt: Runtime,
    dimension: str = "touchpoint",
    *,
    base: MetricQuery | None = None,
    principal: Principal | None = None,
    alpha: float = ALPHA,
) -> WordOfMouth:
    """Both sides come from one aggregation by value, source and month (one scan of the
    responses), summed here per side."""
    check_dimension(dimension)
    if dimension == "source":
        raise ValidationFailed("word of mouth is already split by source", field="dimension")
    query, engine, min_n = prepared(rt, base, principal)
    asked = query.where.get("source")
    sources = tuple(s for s in RESPONSE_SOURCES if asked is None or s in asked)
    split = replace(
        query, by=(dimension, "source"), grain="month", where={**query.where, "source": sources}
    )
    heard: dict[str | None, CellStats] = {}
    lived: dict[str | None, CellStats] = {}
    heard_m: dict[date, int] = {}
    lived_m: dict[date, int] = {}
    for cell, stats in compute_cells(engine, split):
        side, monthly = (heard, heard_m) if cell["source"] in INDIRECT_SOURCES else (lived, lived_m)
        side[cell[dimension]] = side.get(cell[dimension], CellStats()) + stats
        monthly[cell["month"]] = monthly.get(cell["month"], 0) + stats.n
    keys = sorted(set(heard) | set(lived), key=lambda k: (k is None, str(k)))
    tests = [
        (
            key,
            compare_cells(heard.get(key, CellStats()), lived.get(key, CellStats()), m, min_n=min_n),
        )
        for key in keys
        for m in WOM_METRICS
    ]
    gaps = Scan(dimension, "heard", "experienced", alpha, scan_rows(tests, alpha))
    volume = tuple(
        VolumePoint(m, lived_m.get(m, 0), heard_m.get(m, 0))
        for m in sorted(set(heard_m) | set(lived_m))
    )
    return WordOfMouth(dimension, gaps, volume)
