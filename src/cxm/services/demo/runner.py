"""``generate_demo``: write the demo company's files, import them through the ingest
service, refresh the analytical mirror once, and create the demo dashboard users."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.engine import make_url

from cxm.services import auth, ingest, mirror
from cxm.services.demo.source import KINDS, Progress, demo_size, write_demo_source
from cxm.services.runtime import Runtime

SOURCE_DIR_NAME: Final = "demo-source"
MARKER_NAME: Final = "imported.json"


@dataclass(frozen=True)
class DemoUser:
    """A dashboard login of the demo; the passwords are public, for the demo only."""

    username: str
    password: str
    role: str
    department: str | None = None


DEMO_USERS: Final = (
    DemoUser("admin", "demo-admin", "admin"),
    DemoUser("analityk", "demo-analyst", "analyst"),
    DemoUser("kierownik", "demo-manager", "manager", "customer_service"),
    DemoUser("agent", "demo-agent", "agent", "customer_service"),
    DemoUser("pracownik", "demo-employee", "employee", "billing"),
)


@dataclass
class DemoSummary:
    """What ``generate_demo`` did: rows per kind, timings, the date range, the users."""

    size: str
    seed: int
    counts: dict[str, int]  # rows generated per kind
    imported: dict[str, int]  # rows accepted by the ingest service per kind
    rejected: int
    date_from: date
    date_to: date
    seconds: float
    generate_seconds: float
    import_seconds: float
    mirror_seconds: float
    source_dir: Path
    users: tuple[DemoUser, ...] = field(default=DEMO_USERS)


@dataclass(frozen=True)
class DemoMarker:
    """What demo data a data directory already holds (read from its marker file)."""

    size: str
    seed: int
    database: str
    counts: dict[str, int]
    imported_at: str


def demo_source_dir(rt: Runtime) -> Path:
    return rt.settings.data_dir / SOURCE_DIR_NAME


def _database_label(rt: Runtime) -> str:
    return make_url(rt.settings.resolved_database_url).render_as_string(hide_password=True)


def existing_demo(rt: Runtime) -> DemoMarker | None:
    """The demo data imported into this data directory's database, if any."""
    path = demo_source_dir(rt) / MARKER_NAME
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        marker = DemoMarker(
            size=str(data["size"]),
            seed=int(data["seed"]),
            database=str(data["database"]),
            counts={str(k): int(v) for k, v in data["counts"].items()},
            imported_at=str(data["imported_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return marker if marker.database == _database_label(rt) else None


def ensure_demo_users(rt: Runtime) -> tuple[DemoUser, ...]:
    for user in DEMO_USERS:
        auth.ensure_user(rt, user.username, user.password, user.role, user.department)
    return DEMO_USERS


def generate_demo(
    rt: Runtime, size: str = "medium", seed: int = 7, on_progress: Progress | None = None
) -> DemoSummary:
    """Generate, import and mirror the demo company; ``on_progress(phase, done, total)``
    reports the phases ``generate``, ``import:<kind>``, ``mirror`` and ``users``."""
    demo_size(size)
    started = time.perf_counter()
    out_dir = demo_source_dir(rt)
    (out_dir / MARKER_NAME).unlink(missing_ok=True)
    source = write_demo_source(rt.taxonomy, out_dir, size, seed, on_progress)
    imported_at = time.perf_counter()
    imported = dict.fromkeys(KINDS, 0)
    rejected = 0
    for kind in KINDS:
        phase, total = f"import:{kind}", source.counts[kind]
        if on_progress is not None:
            on_progress(phase, 0, total)

        def step(done: int, _of: int | None, phase: str = phase, total: int = total) -> None:
            if on_progress is not None:
                on_progress(phase, done, total)

        results = ingest.import_files(
            rt, kind, source.files[kind], refresh_mirror=False, on_progress=step
        )
        imported[kind] += sum(r.accepted for r in results)
        rejected += sum(r.rejected for r in results)
        if on_progress is not None:
            on_progress(phase, total, total)
    mirrored_at = time.perf_counter()
    if on_progress is not None:
        on_progress("mirror", 0, None)

    def mirror_step(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress("mirror", done, total)

    mirror.refresh_mirror(rt, on_progress=mirror_step)
    if on_progress is not None:
        on_progress("users", 0, len(DEMO_USERS))
    users = ensure_demo_users(rt)
    from cxm.services.demo.people import generate_people

    generate_people(rt, seed)
    from cxm.services.demo.surveys import generate_surveys

    generate_surveys(rt, seed)
    from cxm.services.demo.loop import generate_loop_demo

    generate_loop_demo(rt, seed)
    mirror.refresh_mirror(rt)  # the areas added responses (survey answers) and analyses
    if on_progress is not None:
        on_progress("users", len(DEMO_USERS), len(DEMO_USERS))
    finished = time.perf_counter()
    marker = {
        "size": size,
        "seed": seed,
        "database": _database_label(rt),
        "counts": source.counts,
        "imported_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
    }
    (out_dir / MARKER_NAME).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    return DemoSummary(
        size=size,
        seed=seed,
        counts=source.counts,
        imported=imported,
        rejected=rejected,
        date_from=source.date_from,
        date_to=source.date_to,
        seconds=finished - started,
        generate_seconds=source.seconds,
        import_seconds=mirrored_at - imported_at,
        mirror_seconds=finished - mirrored_at,
        source_dir=out_dir,
        users=users,
    )
