"""Analysis results as JSON-ready rows (the same shape in ``cxm analyse … --format json``
and the API): dataclasses become objects, dates ISO strings, infinities None."""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from typing import Any

from cxm.domain.significance import Scan


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in ("significant", "breaches"):
            out.pop(name, None)  # derived tuples repeat rows already given
        return out
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def scan_table(scan: Scan) -> list[dict[str, Any]]:
    """One flat row per test: key, metric, n and value of both sides, difference with its
    95 % interval, statistic, p, BH q and whether it is significant."""
    rows = []
    for row in scan.rows:
        d = row.difference
        rows.append(
            {
                scan.dimension: row.key,
                "metric": d.metric,
                "n_a": d.n_a,
                "n_b": d.n_b,
                "value_a": d.value_a,
                "value_b": d.value_b,
                "difference": d.difference,
                "low": d.low,
                "high": d.high,
                "statistic": jsonable(d.statistic),
                "p_value": d.p_value,
                "q_value": row.q_value,
                "significant": row.significant,
            }
        )
    return rows
