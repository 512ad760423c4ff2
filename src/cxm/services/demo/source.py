"""Writing the demo company as Parquet files, chunk by chunk with bounded memory:
``<out_dir>/<kind>/part-NNNN.parquet`` for customers, employees, interactions and responses
(relationship surveys, which carry the ``q_<attribute>`` answers, in their own parts)."""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cxm.domain.errors import ValidationFailed
from cxm.domain.taxonomy import Taxonomy
from cxm.services.demo import catalogue as cat
from cxm.services.demo import effects
from cxm.services.demo.comments import build_comment_pool
from cxm.services.demo.feedback import indirect, relationship, responses_table, transactional
from cxm.services.demo.interactions import interactions_table, make_interactions
from cxm.services.demo.population import customers_table, make_customers, make_employees
from cxm.services.demo.seasons import DATE_FROM, DATE_TO, range_seconds
from cxm.services.demo.vocabulary import build_vocabulary

KINDS: Final = ("employees", "customers", "interactions", "responses")
#: Shares of all responses that are relationship surveys and indirect feedback.
RELATIONSHIP_SHARE: Final = 0.08
INDIRECT_SHARE: Final = 0.04
CUSTOMER_PART_ROWS: Final = 500_000

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class DemoSize:
    name: str
    customers: int
    employees: int
    interactions: int  # approximate target
    responses: int  # approximate target
    chunk: int = 1_000_000  # interactions per part file


SIZES: Final = {
    "small": DemoSize("small", 5_000, 240, 45_000, 15_000),
    "medium": DemoSize("medium", 50_000, 1_200, 450_000, 150_000),
    "large": DemoSize("large", 1_000_000, 6_000, 30_000_000, 10_000_000),
}


@dataclass
class DemoSource:
    """The generated files and how many rows of each kind they hold."""

    out_dir: Path
    size: str
    seed: int
    files: dict[str, list[Path]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    date_from: date = DATE_FROM
    date_to: date = DATE_TO


def demo_size(size: str) -> DemoSize:
    if size not in SIZES:
        raise ValidationFailed(
            f"unknown demo size '{size}' (one of {', '.join(SIZES)})", field="size"
        )
    return SIZES[size]


def _write(table: pa.Table, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", compression_level=1)
    return path


def write_demo_source(
    taxonomy: Taxonomy,
    out_dir: Path,
    size: str = "medium",
    seed: int = 7,
    on_progress: Progress | None = None,
) -> DemoSource:
    """Generate the demo company into ``out_dir`` (previous demo files there are replaced)."""
    spec = demo_size(size)
    vocab = build_vocabulary(taxonomy)
    started = time.perf_counter()
    for kind in KINDS:
        shutil.rmtree(out_dir / kind, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    result = DemoSource(out_dir=out_dir, size=size, seed=seed)
    files: dict[str, list[Path]] = {k: [] for k in KINDS}
    counts = dict.fromkeys(KINDS, 0)

    def report(phase: str, done: int, total: int | None) -> None:
        if on_progress is not None:
            on_progress(phase, done, total)

    employees = make_employees(rng, spec.employees)
    files["employees"].append(_write(employees.table, out_dir / "employees" / "part-0000.parquet"))
    counts["employees"] = employees.table.num_rows
    customers = make_customers(rng, spec.customers)
    for part, lo in enumerate(range(0, customers.size, CUSTOMER_PART_ROWS)):
        hi = min(lo + CUSTOMER_PART_ROWS, customers.size)
        path = out_dir / "customers" / f"part-{part:04d}.parquet"
        files["customers"].append(_write(customers_table(rng, customers, lo, hi), path))
    counts["customers"] = customers.size

    chunks = max(1, math.ceil(spec.interactions / spec.chunk))
    everyday = _everyday_total(customers, spec)
    pool = build_comment_pool()
    tx_rate = spec.responses * (1 - RELATIONSHIP_SHARE - INDIRECT_SHARE) / spec.interactions
    next_interaction, next_response = 1, 1
    report("generate", 0, spec.interactions)
    for k in range(chunks):
        lo, hi = customers.size * k // chunks, customers.size * (k + 1) // chunks
        n_everyday = everyday * (k + 1) // chunks - everyday * k // chunks
        ix = make_interactions(
            rng, vocab, customers, employees.handlers, lo, hi, n_everyday, next_interaction
        )
        next_interaction += ix.size
        files["interactions"].append(
            _write(
                interactions_table(vocab, ix), out_dir / "interactions" / f"part-{k:04d}.parquet"
            )
        )
        counts["interactions"] += ix.size
        tx = transactional(rng, vocab, customers, ix, tx_rate, pool, next_response)
        next_response += tx.size
        del ix
        share = (k + 1) / chunks - k / chunks
        ind = indirect(
            rng,
            vocab,
            customers,
            round(spec.responses * INDIRECT_SHARE * share),
            pool,
            next_response,
        )
        next_response += ind.size
        table = pa.concat_tables(
            [responses_table(vocab, customers, tx), responses_table(vocab, customers, ind)]
        )
        files["responses"].append(_write(table, out_dir / "responses" / f"part-{k:04d}.parquet"))
        # relationship invitations: about 1 in 1.4 reaches a consenting, current customer
        rel = relationship(
            rng,
            vocab,
            customers,
            round(spec.responses * RELATIONSHIP_SHARE * share * 1.4),
            pool,
            next_response,
        )
        next_response += rel.size
        path = out_dir / "responses" / f"part-{k:04d}-relationship.parquet"
        files["responses"].append(_write(responses_table(vocab, customers, rel), path))
        counts["responses"] += table.num_rows + rel.size
        del table, tx, ind, rel
        report("generate", min(counts["interactions"], spec.interactions), spec.interactions)
    result.files, result.counts = files, counts
    result.seconds = time.perf_counter() - started
    _write_manifest(result)
    return result


def _everyday_total(customers: object, spec: DemoSize) -> int:
    """Everyday contacts needed so life events + contacts + error complaints ≈ the target."""
    from cxm.services.demo.population import Customers

    assert isinstance(customers, Customers)
    start, end = range_seconds()
    buyers = int(((customers.created >= start) & ~customers.prospect).sum())
    leavers = int((customers.churned_at < end).sum())
    life = buyers * 3.6 + int(customers.prospect.sum()) + leavers * 1.5
    weights = cat.TOUCHPOINT_WEIGHTS
    complaints = (weights["invoice"] / sum(weights.values())) * (
        effects.INVOICE_ERROR_RATE * effects.ERROR_COMPLAINT_RATE
    )
    return max(0, round((spec.interactions - life) / (1 + complaints)))


def _write_manifest(src: DemoSource) -> None:
    manifest = {
        "size": src.size,
        "seed": src.seed,
        "counts": src.counts,
        "date_from": src.date_from.isoformat(),
        "date_to": src.date_to.isoformat(),
        "files": {k: [str(p.relative_to(src.out_dir)) for p in v] for k, v in src.files.items()},
    }
    (src.out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
