"""Administration of users (roles, departments, the employee each one is) and API tokens; a
new token is shown once."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.domain.dimensions import USER_ROLES
from cxm.domain.errors import CxmError
from cxm.services import auth as auth_service
from cxm.services.people import common as people_common
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option

router = APIRouter()
Admin = Depends(require_roles("admin"))
ROLE_NAMES = {
    "admin": N_("Administrator"),
    "analyst": N_("Analyst"),
    "manager": N_("Manager"),
    "agent": N_("Agent"),
    "employee": N_("Employee"),
}


@dataclass(frozen=True)
class UserRow:
    username: str
    role: str
    department: str
    language: str
    active: bool
    created_at: str
    employee: str  # the external id of the employee the user is, or ""


@dataclass(frozen=True)
class TokenRow:
    id: int
    username: str
    name: str
    prefix: str
    created_at: str
    last_used_at: str
    revoked: bool


@dataclass(frozen=True)
class UsersContext:
    users: tuple[UserRow, ...]
    tokens: tuple[TokenRow, ...]
    roles: tuple[Option, ...]
    departments: tuple[Option, ...]
    new_token: str | None
    new_token_name: str | None
    message: str | None
    error: str | None
    error_field: str | None


def token_rows(tokens: list[auth_service.TokenView], language: str) -> tuple[TokenRow, ...]:
    """Tokens as the token table shows them (never the plaintext, which is not stored)."""
    return tuple(
        TokenRow(
            t.id,
            t.username,
            t.name,
            t.prefix,
            i18n.format_day(t.created_at, language),
            i18n.format_day(t.last_used_at, language),
            t.revoked,
        )
        for t in tokens
    )


async def _page(
    request: Request,
    rt: RuntimeDep,
    principal: Principal,
    language: str,
    *,
    new_token: tuple[str, str] | None = None,
    message: str | None = None,
    error: CxmError | None = None,
) -> Response:
    users = await call_service(rt, auth_service.list_users, rt)
    links = await call_service(rt, people_common.user_links, rt)
    tokens = await call_service(rt, auth_service.list_api_tokens, rt)
    taxonomy = rt.taxonomy
    ctx = UsersContext(
        users=tuple(
            UserRow(
                u.username,
                i18n.gettext(language, ROLE_NAMES.get(u.role, u.role)),
                taxonomy.label("department", u.department, language) if u.department else "",
                u.language,
                u.active,
                i18n.format_day(u.created_at, language),
                links.get(u.username, ""),
            )
            for u in users
        ),
        tokens=token_rows(tokens, language),
        roles=tuple(
            Option(r, i18n.gettext(language, ROLE_NAMES[r]), None, False) for r in USER_ROLES
        ),
        departments=tuple(
            Option(k, v, None, False) for k, v in taxonomy.labels("department", language).items()
        ),
        new_token=new_token[1] if new_token else None,
        new_token_name=new_token[0] if new_token else None,
        message=message,
        error=error.message if error else None,
        error_field=error.field if error else None,
    )
    chrome = build_chrome(request, principal, language, N_("Users and tokens"))
    return render(
        request, "users.html", chrome, ctx, status_code=error.http_status if error else 200
    )


@router.get("/admin/users", response_class=Response, include_in_schema=False)
async def users_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Admin
) -> Response:
    message = i18n.gettext(language, "Saved.") if request.query_params.get("saved") else None
    return await _page(request, rt, principal, language, message=message)


@router.post("/admin/users", response_class=Response, include_in_schema=False)
async def create_user(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Admin,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(...),
    department: str = Form(""),
    user_language: str = Form("pl"),
) -> Response:
    try:
        await run_in_threadpool(  # argon2 hashing is slow on purpose
            auth_service.create_user,
            rt,
            username.strip(),
            password,
            role,
            department or None,
            user_language,
        )
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc)
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/admin/users/link", response_class=Response, include_in_schema=False)
async def link_employee(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Admin,
    username: str = Form(...),
    employee: str = Form(""),
) -> Response:
    """Say which employee a user is (empty: unlink), as ``PUT /api/v1/people/links`` does."""
    try:
        await call_service(rt, people_common.link_user, rt, username, employee.strip() or None)
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc)
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/admin/users/{username}/active", response_class=Response, include_in_schema=False)
async def set_active(
    username: str, rt: RuntimeDep, principal: Principal = Admin, active: int = Form(...)
) -> Response:
    await call_service(rt, auth_service.set_user_active, rt, username, bool(active))
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/admin/tokens", response_class=Response, include_in_schema=False)
async def create_token(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Admin,
    username: str = Form(...),
    name: str = Form(...),
) -> Response:
    try:
        token = await call_service(rt, auth_service.create_api_token, rt, username, name.strip())
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc)
    # Rendered, not redirected: the plaintext exists only in this one response.
    response = await _page(request, rt, principal, language, new_token=(name, token))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/tokens/{token_id}/revoke", response_class=Response, include_in_schema=False)
async def revoke_token(token_id: int, rt: RuntimeDep, principal: Principal = Admin) -> Response:
    await call_service(rt, auth_service.revoke_api_token, rt, token_id)
    return RedirectResponse("/admin/users?saved=1", status_code=303)
