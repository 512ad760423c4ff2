"""Logging in and out, and the language switch (a cookie, plus the user's preference)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.errors import ValidationFailed
from cxm.services import auth as auth_service
from cxm.web import i18n
from cxm.web.deps import (
    CSRF_SESSION_KEY,
    USER_SESSION_KEY,
    CsrfDep,
    LanguageDep,
    OptionalPrincipalDep,
    RuntimeDep,
    call_service,
)
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render

router = APIRouter()
MAX_FAILURES = 10
FAILURE_WINDOW_SECONDS = 900.0
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class LoginContext:
    next: str
    username: str
    error: str | None
    no_users: bool


class LoginThrottle:
    """Refuse a username after too many recent failures (slows password guessing)."""

    def __init__(self) -> None:
        self.failures: dict[str, deque[float]] = {}

    def blocked(self, username: str) -> bool:
        recent = self.failures.get(username.lower())
        if not recent:
            return False
        while recent and time.monotonic() - recent[0] > FAILURE_WINDOW_SECONDS:
            recent.popleft()
        return len(recent) >= MAX_FAILURES

    def fail(self, username: str) -> None:
        self.failures.setdefault(username.lower(), deque(maxlen=MAX_FAILURES)).append(
            time.monotonic()
        )

    def clear(self, username: str) -> None:
        self.failures.pop(username.lower(), None)


def safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    if not hasattr(state, "login_throttle"):
        state.login_throttle = LoginThrottle()
    throttle: LoginThrottle = state.login_throttle
    return throttle


@router.get("/login", response_class=Response, include_in_schema=False)
async def login_page(
    request: Request,
    rt: RuntimeDep,
    principal: OptionalPrincipalDep,
    language: LanguageDep,
    next: str = "/",
) -> Response:
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    no_users = not await call_service(rt, auth_service.has_users, rt)
    ctx = LoginContext(next=safe_next(next), username="", error=None, no_users=no_users)
    return render(request, "login.html", build_chrome(request, None, language, N_("Log in")), ctx)


@router.post("/login", response_class=Response, include_in_schema=False, dependencies=[CsrfDep])
async def login_submit(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    throttle = _throttle(request)
    username = username.strip()
    if throttle.blocked(username):
        error, status = i18n.gettext(language, "Too many failed attempts; try again later."), 429
        principal = None
    else:
        # argon2 is slow on purpose: keep it off the event loop
        principal = await run_in_threadpool(
            auth_service.authenticate_password, rt, username, password
        )
        error, status = i18n.gettext(language, "Wrong username or password."), 401
    if principal is None:
        throttle.fail(username)
        ctx = LoginContext(next=safe_next(next), username=username, error=error, no_users=False)
        chrome = build_chrome(request, None, language, N_("Log in"))
        return render(request, "login.html", chrome, ctx, status_code=status)
    throttle.clear(username)
    request.session.clear()  # a fresh session (and CSRF token) for the logged-in user
    request.session[USER_SESSION_KEY] = principal.user_id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[CsrfDep])
async def logout(request: Request) -> Response:
    request.session.pop(USER_SESSION_KEY, None)
    request.session.pop(CSRF_SESSION_KEY, None)
    return RedirectResponse("/login", status_code=303)


@router.post("/language", include_in_schema=False, dependencies=[CsrfDep])
async def switch_language(
    request: Request,
    rt: RuntimeDep,
    principal: OptionalPrincipalDep,
    lang: str = Form(...),
    next: str = Form("/"),
) -> Response:
    language = i18n.normalise(lang)
    if language is None:
        raise ValidationFailed(f"unknown language '{lang}'", field="lang")
    if principal is not None:
        await call_service(rt, auth_service.set_user_language, rt, principal.user_id, language)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=rt.settings.env == "production",
    )
    return response
