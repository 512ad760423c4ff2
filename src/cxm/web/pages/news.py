"""Programme news: what changed in customer experience and which ideas were implemented,
with what they changed (measured); analysts and administrators publish news."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.errors import PermissionDenied
from cxm.services.people import news
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render

router = APIRouter()


@dataclass(frozen=True)
class NewsRow:
    title: str
    body: str
    when: str


@dataclass(frozen=True)
class DoneRow:
    id: int
    title: str
    when: str
    touchpoints: str
    change: str


@dataclass(frozen=True)
class NewsContext:
    items: tuple[NewsRow, ...]
    implemented: tuple[DoneRow, ...]
    editor: bool


@router.get("/news", response_class=Response, include_in_schema=False)
async def news_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    items = await call_service(rt, news.list_news, rt)
    done = await run_in_threadpool(news.implemented_ideas, rt)
    labels = rt.taxonomy.labels("touchpoint", language)
    rows = []
    for d in done:
        change = i18n.gettext(language, "not yet measurable")
        if d.outcome is not None and d.outcome.measurable:
            nps = d.outcome.differences[0]
            change = (
                f"NPS {i18n.format_signed(nps.difference or 0, language, 1)} "
                f"({i18n.format_signed(nps.low or 0, language, 1)} … "
                f"{i18n.format_signed(nps.high or 0, language, 1)})"
            )
        rows.append(
            DoneRow(
                d.id,
                d.title,
                i18n.format_day(d.implemented_on, language),
                ", ".join(labels.get(t, t) for t in d.touchpoints),
                change,
            )
        )
    ctx = NewsContext(
        tuple(NewsRow(n.title, n.body, i18n.format_day(n.published_at, language)) for n in items),
        tuple(rows),
        principal.role in ("admin", "analyst"),
    )
    chrome = build_chrome(request, principal, language, N_("Programme news"))
    return render(request, "news.html", chrome, ctx)


@router.post("/news", response_class=Response, include_in_schema=False)
async def publish(
    rt: RuntimeDep, principal: PrincipalDep, title: str = Form(...), body: str = Form(...)
) -> Response:
    if principal.role not in ("admin", "analyst"):
        raise PermissionDenied("only analysts and administrators publish news")
    await call_service(rt, news.publish_news, rt, principal, title, body)
    return RedirectResponse("/news", status_code=303)
