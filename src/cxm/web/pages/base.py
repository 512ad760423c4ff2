"""What every page shares: the chrome (navigation, user, language, CSRF token), the Jinja
environments (one per language, gettext installed) and rendering a typed page context.

In development and test, ``?_context=1`` answers with the page's context as JSON instead of
HTML (as datasette does), so tests pin exactly what each page is given."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from cxm.domain.access import Principal
from cxm.web import i18n
from cxm.web.deps import csrf_token, detect_language
from cxm.web.i18n import N_

#: (path, msgid, roles allowed) of the main navigation.
NAVIGATION: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/", N_("Overview"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/report", N_("Report"), ("admin", "analyst", "manager", "agent")),
    ("/comments", N_("Comments"), ("admin", "analyst", "manager", "agent")),
    ("/compare", N_("Compare"), ("admin", "analyst", "manager")),
    ("/changes", N_("Changes"), ("admin", "analyst", "manager")),
    ("/trends", N_("Trends"), ("admin", "analyst", "manager")),
    ("/pain-points", N_("Pain points"), ("admin", "analyst", "manager")),
    ("/word-of-mouth", N_("Word of mouth"), ("admin", "analyst", "manager")),
    ("/drivers", N_("Key drivers"), ("admin", "analyst", "manager")),
    ("/journeys", N_("Journeys"), ("admin", "analyst", "manager")),
    ("/alerts", N_("Alerts"), ("admin", "analyst")),
    ("/cases", N_("Cases"), ("admin", "analyst", "manager", "agent")),
    ("/loop", N_("Closed loop"), ("admin", "analyst", "manager")),
    ("/standards", N_("Standards"), ("admin", "analyst", "manager")),
    ("/admin/notifications", N_("Notifications"), ("admin",)),
    ("/surveys", N_("Surveys"), ("admin", "analyst")),
    ("/ideas", N_("Ideas"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/pulse", N_("Employee pulse"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/training", N_("Training"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/scorecards", N_("Scorecards"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/news", N_("Programme news"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/taxonomy", N_("CX model"), ("admin", "analyst", "manager", "agent", "employee")),
    ("/data", N_("Data"), ("admin", "analyst")),
    ("/admin/users", N_("Users and tokens"), ("admin",)),
)
PAGE_ROLES = {path: roles for path, _, roles in NAVIGATION}


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    active: bool


@dataclass(frozen=True)
class Chrome:
    """The frame around every page."""

    title: str
    language: str
    languages: tuple[tuple[str, str], ...]
    path: str
    here: str
    csrf_token: str
    username: str | None
    role: str | None
    department: str | None
    nav: tuple[NavItem, ...]


def build_chrome(
    request: Request, principal: Principal | None, language: str, title_msgid: str
) -> Chrome:
    path = request.url.path
    roles_nav = [
        NavItem(href, i18n.gettext(language, msgid), path == href)
        for href, msgid, roles in NAVIGATION
        if principal is not None and principal.role in roles
    ]
    return Chrome(
        title=i18n.gettext(language, title_msgid),
        language=language,
        languages=tuple(i18n.LANGUAGE_NAMES.items()),
        path=path,
        here=path + (f"?{request.url.query}" if request.url.query else ""),
        csrf_token=csrf_token(request) if "session" in request.scope else "",
        username=principal.username if principal else None,
        role=principal.role if principal else None,
        department=principal.department if principal else None,
        nav=tuple(roles_nav),
    )


@lru_cache(maxsize=len(i18n.LANGUAGES))
def environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("cxm.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        num=lambda v, d=1: i18n.format_number(v, language, d),
        signed=lambda v, d=1: i18n.format_signed(v, language, d),
        day=lambda v: i18n.format_day(v, language),
    )
    return env


async def form_fields(request: Request) -> dict[str, list[str]]:
    """The posted text fields, each with all its values (read through ``request.form()``:
    the CSRF check parsed it already)."""
    fields: dict[str, list[str]] = {}
    for name, value in (await request.form()).multi_items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    return fields


def wants_context(request: Request) -> bool:
    rt = getattr(request.app.state, "runtime", None)
    return (
        request.query_params.get("_context") == "1"
        and rt is not None
        and rt.settings.env != "production"
    )


def render(
    request: Request, template: str, chrome: Chrome, ctx: Any, status_code: int = 200
) -> Response:
    """The page as HTML (or, with ``?_context=1`` outside production, its context as JSON)."""
    if wants_context(request):
        payload = (
            dataclasses.asdict(ctx)
            if dataclasses.is_dataclass(ctx) and not isinstance(ctx, type)
            else ctx
        )
        return JSONResponse(
            jsonable_encoder({"page": template, "chrome": chrome, "context": payload}),
            status_code=status_code,
        )
    html = environment(chrome.language).get_template(template).render(chrome=chrome, ctx=ctx)
    return HTMLResponse(html, status_code=status_code)


@dataclass(frozen=True)
class ErrorContext:
    status: int
    code: str
    message: str
    field: str | None


def render_error_page(
    request: Request, status: int, code: str, message: str, field: str | None
) -> Response:
    language = getattr(request.state, "language", None) or detect_language(request)
    principal = getattr(request.state, "principal", None)
    chrome = build_chrome(request, principal, language, N_("Error"))
    return render(request, "error.html", chrome, ErrorContext(status, code, message, field), status)
