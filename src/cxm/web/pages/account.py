"""My API tokens: any signed-in user creates tokens for their own machine clients (the
plaintext shown once), sees when each was last used and revokes them — as the API's
``/tokens`` does for its caller. Linked from the user's name in the page header."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.services import auth as auth_service
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.users import TokenRow, token_rows

router = APIRouter()


@dataclass(frozen=True)
class AccountTokensContext:
    tokens: tuple[TokenRow, ...]
    new_token: str | None
    new_token_name: str | None


@router.get("/account/tokens", response_class=Response, include_in_schema=False)
async def my_tokens(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: PrincipalDep
) -> Response:
    return await _page(request, rt, principal, language, None)


@router.post("/account/tokens", response_class=Response, include_in_schema=False)
async def create_my_token(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: PrincipalDep,
    name: str = Form(...),
) -> Response:
    token = await call_service(
        rt, auth_service.create_api_token, rt, principal.username, name.strip()
    )
    # Rendered, not redirected: the plaintext exists only in this one response.
    response = await _page(request, rt, principal, language, (name.strip(), token))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke", response_class=Response, include_in_schema=False)
async def revoke_my_token(token_id: int, rt: RuntimeDep, principal: PrincipalDep) -> Response:
    await call_service(rt, auth_service.revoke_api_token, rt, token_id, owner=principal)
    return RedirectResponse("/account/tokens", status_code=303)


async def _page(
    request: Request,
    rt: RuntimeDep,
    principal: Principal,
    language: str,
    new_token: tuple[str, str] | None,
) -> Response:
    tokens = await call_service(rt, auth_service.list_api_tokens, rt, user_id=principal.user_id)
    ctx = AccountTokensContext(
        tokens=token_rows(tokens, language),
        new_token=new_token[1] if new_token else None,
        new_token_name=new_token[0] if new_token else None,
    )
    chrome = build_chrome(request, principal, language, N_("My API tokens"))
    return render(request, "account_tokens.html", chrome, ctx)
