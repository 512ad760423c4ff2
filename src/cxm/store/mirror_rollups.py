"""Daily rollups of the mirrored responses: for every dimension, the exact metric statistics
(:class:`~cxm.domain.metrics.CellStats`) and the pain-point counts (``ROLLUP_COUNTS``) of each
(dimension value, source, day). A touch-point's rows also carry its journey and stage, so
they answer queries over the three journey levels together.

A month of responses becomes a few thousand rollup rows whatever its size, one file per
month partition (``response_rollups/month=YYYY-MM/``). A refresh that adds responses to a
month adds their rollup to the month's (the statistics are sums); one that updates or moves
responses rolls the month up again from its files. Analytics answer a metric query from the
rollups when it breaks down or filters by at most one dimension besides the source, or only by
journey levels; every other query reads the responses. The statistics are integer counts and
sums, so both give the same numbers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cxm.domain.dimensions import DAY_COLUMNS
from cxm.domain.metrics import (
    NEGATIVE_CSAT_MAX,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
    ROLLUP_COUNTS,
    ROLLUP_DIMENSIONS,
    TOP2_MIN,
    CellStats,
)

STAT_COLUMNS = (*CellStats.__dataclass_fields__, *ROLLUP_COUNTS)
DAY = DAY_COLUMNS["responded_at"]
_KEYS = ("dimension", "value", "journey", "stage", "source", DAY)
_BATCH_ROWS = 262_144

ROLLUP_SCHEMA = pa.schema(
    [
        pa.field("dimension", pa.string(), nullable=False),
        pa.field("value", pa.string()),
        pa.field("journey", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("source", pa.string()),
        pa.field(DAY, pa.date32()),
        *(pa.field(name, pa.int64(), nullable=False) for name in STAT_COLUMNS),
    ]
)


def rollup_of(files: Iterable[Path]) -> pa.Table:
    """The rollup of some response files, read a batch at a time (memory stays bounded by
    one batch and the rollup itself)."""
    columns = [*ROLLUP_DIMENSIONS, "source", DAY, "nps", "csat", "ces"]
    partials = [
        _rollup(pa.Table.from_batches([batch]))
        for path in files
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS, columns=columns)
    ]
    return merge_rollups(partials)


def merge_rollups(parts: list[pa.Table]) -> pa.Table:
    """Rollups of disjoint sets of responses → the rollup of their union."""
    if not parts:
        return ROLLUP_SCHEMA.empty_table()
    return _summed(pa.concat_tables(parts))


def _rollup(rows: pa.Table) -> pa.Table:
    """One batch's rollup rows for every dimension."""

    def flag(condition: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.cast(pc.fill_null(condition, False), pa.int64())

    def zero_null(values: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.fill_null(values, 0)

    nps, csat, ces = (pc.cast(rows[c], pa.int64()) for c in ("nps", "csat", "ces"))
    stats = {
        "n": pa.repeat(1, rows.num_rows).cast(pa.int64()),
        "nps_n": flag(pc.is_valid(nps)),
        "promoters": flag(pc.greater_equal(nps, NPS_PROMOTER_MIN)),
        "detractors": flag(pc.less_equal(nps, NPS_DETRACTOR_MAX)),
        "csat_n": flag(pc.is_valid(csat)),
        "csat_sum": zero_null(csat),
        "csat_sumsq": zero_null(pc.multiply(csat, csat)),
        "csat_top2": flag(pc.greater_equal(csat, TOP2_MIN)),
        "ces_n": flag(pc.is_valid(ces)),
        "ces_sum": zero_null(ces),
        "ces_sumsq": zero_null(pc.multiply(ces, ces)),
        "scored": flag(pc.or_kleene(pc.is_valid(nps), pc.is_valid(csat))),
        "negative": flag(
            pc.or_kleene(
                pc.less_equal(nps, NPS_DETRACTOR_MAX),
                pc.and_(pc.is_null(nps), pc.less_equal(csat, NEGATIVE_CSAT_MAX)),
            )
        ),
    }
    base = pa.table({"source": rows["source"], DAY: rows[DAY], **stats})
    parts = []
    no_level = pa.nulls(rows.num_rows, pa.string())
    for dimension in ROLLUP_DIMENSIONS:
        keyed = base.append_column("value", pc.cast(rows[dimension], pa.string()))
        keyed = keyed.append_column("dimension", pa.repeat(dimension, rows.num_rows))
        for level in ("journey", "stage"):
            keyed = keyed.append_column(
                level, rows[level] if dimension == "touchpoint" else no_level
            )
        parts.append(_summed(keyed))
    return pa.concat_tables(parts)


def _summed(rows: pa.Table) -> pa.Table:
    """The statistics summed per rollup key, as ``ROLLUP_SCHEMA``."""
    summed = rows.group_by(list(_KEYS), use_threads=False).aggregate(
        [(c, "sum") for c in STAT_COLUMNS]
    )
    columns = {k: summed[k] for k in _KEYS} | {c: summed[f"{c}_sum"] for c in STAT_COLUMNS}
    return pa.table(columns, schema=ROLLUP_SCHEMA)
