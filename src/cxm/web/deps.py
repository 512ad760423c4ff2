"""Dependency aliases of the web layer, in one place: the runtime, who is asking, role checks,
CSRF and the language of the answer.

Authentication: an ``Authorization: Bearer <token>`` header (machine clients; no CSRF needed,
a browser never sends it by itself) or the signed session cookie set at login (then every
state-changing request must carry the session's CSRF token, as the ``X-CSRF-Token`` header
or the ``csrf_token`` form field)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.domain.errors import CsrfFailed, NotAuthenticated, PermissionDenied
from cxm.services import auth as auth_service
from cxm.services.runtime import Runtime
from cxm.web import i18n

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
USER_SESSION_KEY = "uid"

P = ParamSpec("P")
T = TypeVar("T")


# Cheap dependencies are ``async def``: FastAPI runs a plain ``def`` one in a worker thread,
# a hand-over that costs more than the dependency itself on every request.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def call_service(rt: Runtime, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking service call: inline on SQLite (fast, local), in a thread otherwise."""
    if rt.settings.is_postgres:
        return await run_in_threadpool(fn, *args, **kwargs)
    return fn(*args, **kwargs)


# --- CSRF ------------------------------------------------------------------------------------
def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (the session cookie is signed)."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token does not match the session's."""
    expected = request.session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfFailed("missing or invalid CSRF token; reload the page and try again")


CsrfDep = Depends(verify_csrf)


# --- who is asking ----------------------------------------------------------------------------
_bearer_scheme = HTTPBearer(
    auto_error=False, description="An API token (`cxm tokens create USER NAME`)"
)


async def get_optional_principal(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Principal | None:
    """The principal of a bearer token or the session, without the CSRF check."""
    if bearer is not None:
        token = bearer.credentials
        principal = await call_service(rt, auth_service.authenticate_token, rt, token)
        if principal is None:
            raise NotAuthenticated("invalid or revoked API token")
        request.state.auth_scheme = "bearer"
        request.state.principal = principal
        return principal
    user_id = request.session.get(USER_SESSION_KEY)
    if not isinstance(user_id, int):
        return None
    principal = await call_service(rt, auth_service.principal_for_user, rt, user_id)
    if principal is None:  # deactivated or deleted since login
        request.session.pop(USER_SESSION_KEY, None)
        return None
    request.state.auth_scheme = "session"
    request.state.principal = principal
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_principal(request: Request, principal: OptionalPrincipalDep) -> Principal:
    """The logged-in principal; cookie-authenticated unsafe requests must pass CSRF."""
    if principal is None:
        raise NotAuthenticated("log in or send an API token (Authorization: Bearer …)")
    if request.state.auth_scheme == "session" and request.method not in SAFE_METHODS:
        await verify_csrf(request)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only principals with one of ``roles`` (403 otherwise)."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise PermissionDenied(
                f"role '{principal.role}' may not do this (needs {' or '.join(roles)})"
            )
        return principal

    return dependency


AdminDep = Annotated[Principal, Depends(require_roles("admin"))]
AnalystDep = Annotated[Principal, Depends(require_roles("admin", "analyst"))]


# --- language --------------------------------------------------------------------------------
def detect_language(request: Request, principal: Principal | None = None) -> str:
    rt: Runtime | None = getattr(request.app.state, "runtime", None)
    default = rt.settings.default_language if rt is not None else i18n.DEFAULT_LANGUAGE
    return i18n.choose_language(
        cookie=request.cookies.get(i18n.LANGUAGE_COOKIE),
        user_language=principal.language if principal is not None else None,
        accept_language=request.headers.get("accept-language"),
        default=default,
    )


async def get_language(request: Request, principal: OptionalPrincipalDep) -> str:
    language = detect_language(request, principal)
    request.state.language = language
    return language


LanguageDep = Annotated[str, Depends(get_language)]
