"""The app factory: one FastAPI app serving the REST API under ``/api/v1`` (OpenAPI at
``/docs``), the server-rendered dashboard, static files and Plotly's JavaScript from the
installed ``plotly`` package (no CDN).

The lifespan opens the Runtime and, unless ``cxm serve`` runs them in its companion
process, the background jobs (``cxm.services.scheduler``) in threads."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxm.config import Settings, get_settings
from cxm.services.runtime import open_runtime
from cxm.services.scheduler import start_background_jobs, stop_all
from cxm.web.api import analysis, auth, imports, metrics, mirror, responses, taxonomy, text
from cxm.web.api import cases as cases_api
from cxm.web.api import drivers as drivers_api
from cxm.web.api import journeys as journeys_api
from cxm.web.api import people as people_api
from cxm.web.api import standards as standards_api
from cxm.web.api import surveys as surveys_api
from cxm.web.api import webhooks as webhooks_api
from cxm.web.errors import install_error_handlers
from cxm.web.pages import (
    account,
    changes,
    comments,
    compare,
    data,
    ideas_detail,
    ideas_inbox,
    login,
    loop_setup,
    overview,
    pain_points,
    report,
    text_analysis,
    trends,
    users,
    word_of_mouth,
)
from cxm.web.pages import alerts as alerts_page
from cxm.web.pages import answer as answer_page
from cxm.web.pages import cases as cases_page
from cxm.web.pages import ideas as ideas_page
from cxm.web.pages import journeys as journeys_page
from cxm.web.pages import news as news_page
from cxm.web.pages import notifications as notifications_page
from cxm.web.pages import pulse as pulse_page
from cxm.web.pages import scorecards as scorecards_page
from cxm.web.pages import standards as standards_page
from cxm.web.pages import surveys as surveys_page
from cxm.web.pages import surveys_triggers as surveys_triggers_page
from cxm.web.pages import taxonomy as taxonomy_page
from cxm.web.pages import training as training_page

log = logging.getLogger(__name__)
SESSION_COOKIE = "cxm_session"
SESSION_MAX_AGE_SECONDS = 12 * 3600
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
STATIC_DIR = Path(str(files("cxm.web").joinpath("static")))


class SecurityHeaders:
    """Headers every answer carries (pure ASGI: no per-request task, unlike BaseHTTPMiddleware,
    which matters on the API's hot write path)."""

    STATIC_PREFIXES = ("/static/", "/vendor/")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(self.STATIC_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the installed ``swagger-ui-bundle-v2`` package (no CDN)."""
    try:
        import swagger_ui_bundle
    except ImportError:  # pragma: no cover - the package is a dependency
        log.warning("swagger-ui-bundle-v2 is not installed: /docs falls back to a CDN")
        app.get("/docs", include_in_schema=False)(
            lambda: get_swagger_ui_html(openapi_url="/openapi.json", title="cxm API")
        )
        return
    app.mount(
        "/vendor/swagger",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger",
    )

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="cxm API",
            swagger_js_url="/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger/favicon-32x32.png",
        )


def install_assets(app: FastAPI) -> None:
    """The health probe, static files, Plotly JS and the API docs."""

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        return FileResponse(
            PLOTLY_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    install_api_docs(app)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; pass ``settings`` in tests, else they come from ``CXM_`` variables."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = open_runtime(settings)
        app.state.runtime = runtime
        # cxm serve runs the background jobs (WAL checkpoints too) in its companion process
        if not settings.background_jobs_in_web:
            runtime.db.checkpoint_in_background()
        tasks = start_background_jobs(runtime) if settings.background_jobs_in_web else {}
        app.state.background = tasks
        try:
            yield
        finally:
            stop_all(tasks)
            runtime.close()

    app = FastAPI(
        title="cxm",
        summary="Customer Experience Management on your own data",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=settings.env == "production",
    )
    install_error_handlers(app)

    app.add_middleware(SecurityHeaders)

    # routes are matched in order, and behind every other route matching costs ~1 ms per
    # request: first what monitors, browsers and integrations ask for most (health, static
    # files, public answer pages, single responses)
    install_assets(app)
    app.include_router(answer_page.router)
    app.include_router(responses.router, prefix="/api/v1")
    for router in (
        taxonomy.router,
        imports.router,
        metrics.router,
        mirror.router,
        auth.router,
        text.router,
        analysis.router,
        drivers_api.router,
        journeys_api.router,
        people_api.router,
        surveys_api.router,
    ):
        app.include_router(router, prefix="/api/v1")
    for page in (login, account, overview, report, taxonomy_page, data, users, comments):
        app.include_router(page.router)
    app.include_router(text_analysis.router)
    for page in (compare, changes, trends, pain_points, word_of_mouth, alerts_page):
        app.include_router(page.router)
    app.include_router(journeys_page.router)
    for router in (cases_api.router, standards_api.router, webhooks_api.router):
        app.include_router(router, prefix="/api/v1")
    for page in (cases_page, loop_setup, standards_page, notifications_page):
        app.include_router(page.router)
    for page in (ideas_page, ideas_inbox, ideas_detail, pulse_page, training_page):
        app.include_router(page.router)
    for page in (scorecards_page, news_page):
        app.include_router(page.router)
    # the triggers page first: its path would otherwise match /surveys/{key}
    for page in (surveys_triggers_page, surveys_page):
        app.include_router(page.router)
    return app
