"""Keeping the analytical mirror current: refresh on demand, report its state, refresh before
a query when it is both too old and behind the store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from filelock import Timeout

from cxm.services.runtime import Runtime
from cxm.store import mirror as mirror_store
from cxm.store.tables import MIRRORED_TABLES


@dataclass(frozen=True)
class TableStatus:
    """One mirrored table: what the mirror holds and how far the store is ahead of it."""

    table: str
    rows: int
    files: int
    watermark: int
    store_head: int
    refreshed_at: datetime | None
    age_seconds: float | None
    rollup_of: str | None = None  # a derived table's source: it is current up to its watermark

    @property
    def lag(self) -> int:
        """Changes in the store not yet mirrored (store max change_seq − watermark)."""
        return max(0, self.store_head - self.watermark)


@dataclass(frozen=True)
class MirrorStatus:
    """The whole mirror; ``built`` is False until the first refresh."""

    built: bool
    path: str
    tables: tuple[TableStatus, ...]

    @property
    def lag(self) -> int:
        """Changes not yet mirrored (a derived table's lag is its source's, not counted again)."""
        return sum(t.lag for t in self.tables if t.rollup_of is None)

    @property
    def age_seconds(self) -> float | None:
        ages = [t.age_seconds for t in self.tables if t.age_seconds is not None]
        return max(ages) if ages else None

    def table(self, name: str) -> TableStatus:
        return next(t for t in self.tables if t.table == name)

    def to_dict(self) -> dict[str, object]:
        return {
            "built": self.built,
            "path": self.path,
            "lag": self.lag,
            "age_seconds": self.age_seconds,
            "tables": [
                {
                    "table": t.table,
                    "rows": t.rows,
                    "files": t.files,
                    "watermark": t.watermark,
                    "store_head": t.store_head,
                    "lag": t.lag,
                    "refreshed_at": t.refreshed_at.isoformat() + "Z" if t.refreshed_at else None,
                    "age_seconds": t.age_seconds,
                    "rollup_of": t.rollup_of,
                }
                for t in self.tables
            ],
        }


_local_refresh = threading.Lock()


def refresh_mirror(
    rt: Runtime,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    load: mirror_store.Load | None = None,
) -> MirrorStatus:
    """Copy every change past the watermarks to the mirror (waits for a running refresh),
    taking over the copies a bulk ``load`` made (which holds the mirror's lock already)."""
    if load is not None:
        load.refresh(on_progress)
    else:
        with _local_refresh:
            mirror_store.refresh(rt.db, rt.settings.mirror_dir, on_progress=on_progress)
    return mirror_status(rt)


def mirror_status(rt: Runtime) -> MirrorStatus:
    manifest = mirror_store.read_manifest(rt.settings.mirror_dir)
    heads = mirror_store.store_max_change_seq(rt.db)
    now = datetime.now(UTC).replace(tzinfo=None)
    tables = []
    derived = mirror_store.DERIVED_TABLES.items()
    for name, source in [*((t, None) for t in MIRRORED_TABLES), *derived]:
        state = manifest.tables.get(name) if manifest else None
        refreshed = _parse_time(state.refreshed_at) if state else None
        tables.append(
            TableStatus(
                table=name,
                rows=state.rows if state else 0,
                files=len(state.files) if state else 0,
                watermark=state.watermark if state else 0,
                store_head=heads[source or name],
                refreshed_at=refreshed,
                age_seconds=(now - refreshed).total_seconds() if refreshed else None,
                rollup_of=source,
            )
        )
    return MirrorStatus(
        built=manifest is not None, path=str(rt.settings.mirror_dir), tables=tuple(tables)
    )


def ensure_fresh(rt: Runtime) -> None:
    """Refresh first when the mirror is missing, or older than the bound and behind the store.

    When another process is refreshing right now, the current mirror is used as it is."""
    manifest = mirror_store.read_manifest(rt.settings.mirror_dir)
    if manifest is not None:
        now = datetime.now(UTC).replace(tzinfo=None)
        times = [_parse_time(manifest.table(n).refreshed_at) for n in MIRRORED_TABLES]
        oldest = min((t for t in times if t is not None), default=None)
        max_age = rt.settings.mirror_max_age_seconds
        if oldest is not None and (now - oldest).total_seconds() <= max_age:
            return
        heads = mirror_store.store_max_change_seq(rt.db)
        if all(heads[n] <= manifest.table(n).watermark for n in MIRRORED_TABLES):
            return
    if not _local_refresh.acquire(blocking=manifest is None):
        return
    try:
        mirror_store.refresh(
            rt.db, rt.settings.mirror_dir, lock_timeout=-1 if manifest is None else 0
        )
    except Timeout:
        pass  # another process is refreshing; its result is at most moments away
    finally:
        _local_refresh.release()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.removesuffix("Z"))
