"""The data page: how current the analytical mirror is, and the recent imports."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.services import ingest, mirror
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import PAGE_ROLES, build_chrome, render

router = APIRouter()
DataReader = Depends(require_roles(*PAGE_ROLES["/data"]))


@dataclass(frozen=True)
class MirrorTableView:
    table: str
    rollup_of: str | None
    rows: str
    watermark: int
    store_head: int
    lag: int
    refreshed_at: str


@dataclass(frozen=True)
class ImportView:
    id: int
    kind: str
    source: str
    status: str
    started_at: str
    rows_read: str
    inserted: str
    updated: str
    rejected: str
    rejects_path: str | None


@dataclass(frozen=True)
class DataContext:
    engine: str
    mirror_built: bool
    mirror_path: str
    mirror_lag: int
    mirror_age: str
    refresh_interval_seconds: float
    max_age_seconds: float
    tables: tuple[MirrorTableView, ...]
    imports: tuple[ImportView, ...]
    refreshed: bool


def _count(value: int, language: str) -> str:
    return i18n.format_number(value, language, 0)


@router.get("/data", response_class=Response, include_in_schema=False)
async def data_page(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = DataReader,
    refreshed: int = 0,
) -> Response:
    status = await call_service(rt, mirror.mirror_status, rt)
    runs = await call_service(rt, ingest.recent_imports, rt, limit=20)
    age = status.age_seconds
    ctx = DataContext(
        engine=rt.settings.engine,
        mirror_built=status.built,
        mirror_path=status.path,
        mirror_lag=status.lag,
        mirror_age="—" if age is None else f"{i18n.format_number(age, language, 0)} s",
        refresh_interval_seconds=rt.settings.mirror_refresh_interval_seconds,
        max_age_seconds=rt.settings.mirror_max_age_seconds,
        tables=tuple(
            MirrorTableView(
                t.table,
                t.rollup_of,
                _count(t.rows, language),
                t.watermark,
                t.store_head,
                t.lag,
                i18n.format_day(t.refreshed_at, language),
            )
            for t in status.tables
        ),
        imports=tuple(
            ImportView(
                r.id,
                r.kind,
                r.source,
                r.status,
                i18n.format_day(r.started_at, language),
                _count(r.rows_read, language),
                _count(r.inserted, language),
                _count(r.updated, language),
                _count(r.rejected, language),
                r.rejects_path,
            )
            for r in runs
        ),
        refreshed=bool(refreshed),
    )
    return render(request, "data.html", build_chrome(request, principal, language, N_("Data")), ctx)


@router.post("/data/refresh", include_in_schema=False)
async def refresh_now(rt: RuntimeDep, principal: Principal = DataReader) -> Response:
    await run_in_threadpool(mirror.refresh_mirror, rt)  # slow (writes Parquet): off the event loop
    return RedirectResponse("/data?refreshed=1", status_code=303)
