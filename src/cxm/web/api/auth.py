"""API: who am I, API tokens (own; admins: all) and users (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cxm.services import auth as auth_service
from cxm.web.deps import AdminDep, PrincipalDep, RuntimeDep, call_service

router = APIRouter(tags=["auth"])


class Me(BaseModel):
    user_id: int
    username: str
    role: str
    department: str | None
    language: str
    department_scope: list[str] | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=128, description="What the token is for")


class TokenCreated(BaseModel):
    name: str
    token: str = Field(description="Shown only in this response; store it safely")


class TokenOut(BaseModel):
    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=auth_service.MIN_PASSWORD_LENGTH)
    role: Literal["admin", "analyst", "manager", "agent", "employee"]
    department: str | None = None
    language: Literal["pl", "en"] = "pl"


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    department: str | None
    language: str
    active: bool
    created_at: datetime


@router.get("/me", response_model=Me, summary="The authenticated principal")
async def me(principal: PrincipalDep) -> Me:
    scope = principal.department_scope
    return Me(
        user_id=principal.user_id,
        username=principal.username,
        role=principal.role,
        department=principal.department,
        language=principal.language,
        department_scope=list(scope) if scope is not None else None,
    )


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens (admins: everyone's)")
async def list_tokens(rt: RuntimeDep, principal: PrincipalDep) -> list[TokenOut]:
    user_id = None if principal.role == "admin" else principal.user_id
    tokens = await call_service(rt, auth_service.list_api_tokens, rt, user_id=user_id)
    return [TokenOut.model_validate(t, from_attributes=True) for t in tokens]


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="New own token")
async def create_token(rt: RuntimeDep, principal: PrincipalDep, body: TokenIn) -> TokenCreated:
    token = await call_service(rt, auth_service.create_api_token, rt, principal.username, body.name)
    return TokenCreated(name=body.name, token=token)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a token")
async def revoke_token(token_id: int, rt: RuntimeDep, principal: PrincipalDep) -> Response:
    await call_service(rt, auth_service.revoke_api_token, rt, token_id, owner=principal)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut], summary="Users (admin)")
async def list_users(rt: RuntimeDep, principal: AdminDep) -> list[UserOut]:
    users = await call_service(rt, auth_service.list_users, rt)
    return [UserOut.model_validate(u, from_attributes=True) for u in users]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user (admin)")
async def create_user(rt: RuntimeDep, principal: AdminDep, body: UserIn) -> UserOut:
    await run_in_threadpool(
        auth_service.create_user,
        rt,
        body.username,
        body.password,
        body.role,
        body.department,
        body.language,
    )
    user = next(
        u
        for u in await call_service(rt, auth_service.list_users, rt)
        if u.username == body.username
    )
    return UserOut.model_validate(user, from_attributes=True)
