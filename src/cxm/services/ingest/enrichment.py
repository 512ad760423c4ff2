"""From a validated batch to rows ready to write: references resolved to ids, journey and
stage placed from the touch-point, missing dimensions inherited (interaction → response,
customer → interaction and response), and columns converted to Python lists once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxm.domain.dimensions import SEVEN_DIMENSIONS
from cxm.domain.taxonomy import Taxonomy
from cxm.services.ingest.validation import CheckedBatch
from cxm.services.runtime import Runtime
from cxm.store import bulk

#: What a reference column resolves to: table, looked-up columns.
_LOOKUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "customers": ("customers", ("id", "segment", "lifecycle_stage")),
    "employees": ("employees", ("id",)),
    "interactions": (
        "interactions",
        (
            "id",
            "customer_id",
            "employee_id",
            "journey",
            "stage",
            "touchpoint",
            *SEVEN_DIMENSIONS,
        ),
    ),
}
_REF_COLUMNS = {
    "customer_external_id": "customers",
    "employee_external_id": "employees",
    "interaction_external_id": "interactions",
}
_NOUN = {"customers": "customer", "employees": "employee", "interactions": "interaction"}

#: Master data keeps what a file leaves out or blank; events are replaced whole.
_PARTIAL_UPDATE = ("customers", "employees")
#: NOT NULL columns and their value for new rows when the file lacks them.
_INSERT_DEFAULTS: dict[str, dict[str, Any]] = {
    "customers": {
        "consent_email": False,
        "consent_survey": False,
        "consent_profiling": False,
        "created_at": None,
    },
    "employees": {"active": True},
    "responses": {},
    "interactions": {},
}


class ReferenceCache:
    """External id → looked-up row, kept across the batches of one import (files repeat the
    same customers over and over); bounded, then simply cleared. Rows are kept per set of
    looked-up columns, so a batch that needs fewer columns never gets a wider row's cost."""

    def __init__(self, limit: int = 500_000) -> None:
        self._limit = limit
        self._rows: dict[tuple[str, tuple[str, ...]], dict[str, tuple[Any, ...]]] = {}

    def clear(self) -> None:
        """Forget every row (up to ~150 MiB at the limit, measured with three columns)."""
        self._rows.clear()

    def lookup(
        self,
        rt: Runtime,
        ref_kind: str,
        keys: list[str],
        columns: tuple[str, ...] | None = None,
    ) -> dict[str, tuple[Any, ...]]:
        table, wanted = _LOOKUPS[ref_kind]
        wanted = columns or wanted
        known = self._rows.setdefault((ref_kind, wanted), {})
        result = {k: known[k] for k in keys if k in known}
        missing = [k for k in keys if k not in known]
        if missing:
            found = bulk.lookup_rows(rt.db, table, missing, wanted)
            result.update(found)
            if len(known) + len(found) > self._limit:
                known.clear()
            known.update(found)
        return result


@dataclass
class WritePlan:
    """Columns (``external_id`` first), one Arrow array per column, and what to update."""

    columns: list[str]
    values: list[pa.Array]
    update: list[str]
    keep_when_null: list[str]


def prepare_write(
    rt: Runtime, kind: str, batch: CheckedBatch, cache: ReferenceCache | None = None
) -> WritePlan:
    """Resolve, derive and convert; rows with problems (also new ones found here) are dropped."""
    refs = _resolve_references(rt, kind, batch, cache or ReferenceCache())
    cols = dict(batch.columns)
    present = set(cols) | set(batch.objects)
    if kind == "interactions":
        _derive_interaction(rt.taxonomy, cols, refs, batch.n)
    elif kind == "responses":
        _derive_response(rt.taxonomy, cols, refs, batch.n)
    for name, ref_kind in _REF_COLUMNS.items():
        if name in cols:
            cols.pop(name)
            key = f"{_NOUN[ref_kind]}_id"
            if key not in cols:
                cols[key] = refs[ref_kind]["id"]
    keep = _accepted_mask(batch)
    columns = ["external_id", *[c for c in cols if c != "external_id"]]
    values = [cols[c].filter(keep) for c in columns]
    count = len(values[0])
    for name, objects in batch.objects.items():
        columns.append(name)
        texts = [json.dumps(o, ensure_ascii=False) if o is not None else None for o in objects]
        values.append(pa.array(texts, pa.string()).filter(keep))
    now = bulk.format_timestamp(bulk.utc_now())
    for name, default in _INSERT_DEFAULTS[kind].items():
        fill = pa.scalar(default if default is not None else now)
        if name not in columns:
            columns.append(name)
            values.append(pa.repeat(fill, count))
        else:
            index = columns.index(name)
            values[index] = _filled(values[index], fill)
    if kind in _PARTIAL_UPDATE:
        # master data: a blank never erases, and the creation time is set once
        update = [c for c in columns[1:] if c in present and c != "created_at"]
        nullable = [c for c in update if c not in _INSERT_DEFAULTS[kind]]
        return WritePlan(columns, values, update, nullable)
    update = [c for c in columns[1:] if c not in _INSERT_DEFAULTS[kind] or c in present]
    return WritePlan(columns, values, update, [])


def _accepted_mask(batch: CheckedBatch) -> pa.Array:
    keep = np.ones(batch.n, dtype=bool)
    if batch.problems:
        keep[list(batch.problems)] = False
    return pa.array(keep)


def _filled(array: pa.Array, fill: pa.Scalar) -> pa.Array:
    """Nulls replaced by ``fill`` (times as text, the form ``fill`` has for them)."""
    if pa.types.is_null(array.type):
        return pa.repeat(fill, len(array))
    if pa.types.is_timestamp(array.type):
        array = array.cast(pa.string())
    return pc.fill_null(array, fill)


#: Kinds looked up without the cache: events are referenced about once each, so caching
#: them costs memory and time and saves no query. On SQLite nothing is cached: one joined
#: query per batch (``bulk.lookup_columns``) costs less than the cache's dictionaries.
_UNCACHED = ("interactions",)


def _resolve_references(
    rt: Runtime, kind: str, batch: CheckedBatch, cache: ReferenceCache
) -> dict[str, dict[str, pa.Array]]:
    """Per referenced kind: looked-up columns aligned with the batch (null when absent).

    Only the columns the batch can use are looked up (``id`` alone is answered from the
    external id index without reading the table's rows); keys are looked up in sorted order
    so each query reads neighbouring index pages."""
    resolved: dict[str, dict[str, pa.Array]] = {}
    for column, ref_kind in _REF_COLUMNS.items():
        keys = batch.columns.get(column)
        if keys is None:
            continue
        wanted = _needed_columns(kind, ref_kind, batch)
        unique = pc.drop_null(pc.unique(keys))
        unique = unique.take(pc.sort_indices(unique))
        table = _LOOKUPS[ref_kind][0]
        if ref_kind in _UNCACHED or rt.db.is_sqlite:
            found_keys, found_columns = bulk.lookup_columns(rt.db, table, unique, wanted)
        else:
            found = cache.lookup(rt, ref_kind, unique.to_pylist(), wanted)
            rows = list(found.values())
            found_keys = pa.array(list(found), pa.string())
            found_columns = [pa.array(c) for c in zip(*rows, strict=True)] if rows else []
            found_columns = found_columns or [pa.array([]) for _ in wanted]
        index = pc.index_in(keys, value_set=found_keys)
        missing = pc.and_(pc.is_valid(keys), pc.is_null(index))
        batch.flag_mask(missing, column, keys, f"no {_NOUN[ref_kind]} with this external id")
        resolved[ref_kind] = {
            name: values.take(index) if len(found_keys) else pa.nulls(batch.n)
            for name, values in zip(wanted, found_columns, strict=True)
        }
    return resolved


def _needed_columns(kind: str, ref_kind: str, batch: CheckedBatch) -> tuple[str, ...]:
    """The looked-up columns that can fill something: ``id`` always, an inherited column
    only when the batch leaves it out or blank somewhere."""
    wanted = _LOOKUPS[ref_kind][1]
    if kind != "responses" or ref_kind == "employees":
        return wanted
    cols = batch.columns

    def blank(name: str) -> bool:
        array = cols.get(name)
        return array is None or array.null_count > 0

    if ref_kind == "customers":
        return tuple(c for c in wanted if c == "id" or blank(c))
    needs = {
        "customer_id": blank("customer_external_id"),
        "employee_id": blank("employee_external_id"),
        "touchpoint": blank("touchpoint"),
        "journey": blank("touchpoint"),
        "stage": blank("touchpoint"),
    }
    return tuple(c for c in wanted if c == "id" or needs.get(c, blank(c)))


def _placement(taxonomy: Taxonomy, touchpoints: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(journey, stage, department) of every touch-point key (null for null)."""
    keys, journeys, stages, departments = [], [], [], []
    for journey, stage, tp in taxonomy.touchpoints():
        keys.append(tp.key)
        journeys.append(journey.key)
        stages.append(stage.key)
        departments.append(tp.department)
    index = pc.index_in(touchpoints, value_set=pa.array(keys, pa.string()))
    return (
        pa.array(journeys, pa.string()).take(index),
        pa.array(stages, pa.string()).take(index),
        pa.array(departments, pa.string()).take(index),
    )


def _column(cols: dict[str, pa.Array], name: str, n: int) -> pa.Array:
    return cols.get(name, pa.nulls(n, pa.string()))


def _coalesce(*arrays: pa.Array | None) -> pa.Array:
    present = [
        a.cast(pa.string()) if pa.types.is_null(a.type) else a for a in arrays if a is not None
    ]
    return pc.coalesce(*present) if len(present) > 1 else present[0]


def _derive_interaction(
    taxonomy: Taxonomy, cols: dict[str, pa.Array], refs: dict[str, dict[str, pa.Array]], n: int
) -> None:
    journey, stage, department = _placement(taxonomy, cols["touchpoint"])
    cols["journey"], cols["stage"] = journey, stage
    cols["department"] = _coalesce(cols.get("department"), department)
    customer = refs.get("customers", {})
    for name in ("segment", "lifecycle_stage"):
        cols[name] = _coalesce(customer.get(name), pa.nulls(n, pa.string()))


def _derive_response(
    taxonomy: Taxonomy, cols: dict[str, pa.Array], refs: dict[str, dict[str, pa.Array]], n: int
) -> None:
    interaction = refs.get("interactions", {})
    customer = refs.get("customers", {})
    if interaction:
        # an interaction column absent from ``refs`` was not needed (see _needed_columns)
        cols["customer_id"] = _coalesce_ids(customer.get("id"), interaction.get("customer_id"), n)
        cols["interaction_id"] = interaction["id"]
        cols["employee_id"] = _coalesce_ids(
            refs.get("employees", {}).get("id"), interaction.get("employee_id"), n
        )
    touchpoint = _coalesce(
        cols.get("touchpoint"), interaction.get("touchpoint"), pa.nulls(n, pa.string())
    )
    journey, stage, department = _placement(taxonomy, touchpoint)
    cols["touchpoint"] = touchpoint
    cols["journey"] = _coalesce(journey, interaction.get("journey"))
    cols["stage"] = _coalesce(stage, interaction.get("stage"))
    for name in SEVEN_DIMENSIONS:
        inherited: list[pa.Array | None] = [cols.get(name), interaction.get(name)]
        if name in ("segment", "lifecycle_stage"):
            inherited.append(customer.get(name))
        if name == "department":
            inherited.append(department)
        cols[name] = _coalesce(*inherited, pa.nulls(n, pa.string()))


def _coalesce_ids(first: pa.Array | None, second: pa.Array | None, n: int) -> pa.Array:
    present = [a.cast(pa.int64()) for a in (first, second) if a is not None]
    if not present:
        return pa.nulls(n, pa.int64())
    return pc.coalesce(*present) if len(present) > 1 else present[0]
