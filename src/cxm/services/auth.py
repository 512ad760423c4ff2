"""Users and API tokens: argon2 password hashes, hashed tokens, and who a request is.

Passwords are hashed with pwdlib (argon2). API tokens are random strings shown once; only
their SHA-256 is stored, so a leaked database does not leak usable tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from pwdlib import PasswordHash
from sqlalchemy import Connection, select, update

from cxm.domain.access import Principal, Role
from cxm.domain.dimensions import USER_ROLES
from cxm.domain.errors import Conflict, NotFound, ValidationFailed
from cxm.services.runtime import Runtime
from cxm.store.tables import Base

TOKEN_PREFIX = "cxm_"
#: How long a process goes on accepting a token it has checked without asking the database
#: again. A revocation or deactivation made in this process applies at once; one made by
#: another (another server worker, the CLI) within this many seconds.
TOKEN_TRUST_SECONDS = 1.0
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHash.recommended()
# Verified against when the user does not exist, so a wrong username costs the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
USERS = Base.metadata.tables["users"]
TOKENS = Base.metadata.tables["api_tokens"]


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    role: str
    department: str | None
    language: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class TokenView:
    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@contextmanager
def _access_change(rt: Runtime) -> Iterator[Connection]:
    """A write to users or tokens: once it is committed, this process forgets the tokens it
    trusted (:data:`TOKEN_TRUST_SECONDS`), so the change applies to its next request."""
    with rt.db.write() as conn:
        yield conn
    rt.trusted_tokens.clear()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_user_fields(rt: Runtime, username: str, role: str, department: str | None) -> None:
    if not username or len(username) > 128 or not username.isprintable() or " " in username:
        raise ValidationFailed("username must be 1–128 printable characters", field="username")
    if role not in USER_ROLES:
        raise ValidationFailed(
            f"unknown role '{role}' (one of {', '.join(USER_ROLES)})", field="role"
        )
    if department is not None and department not in rt.taxonomy.keys("department"):
        raise ValidationFailed(f"unknown department '{department}'", field="department")
    if role in ("manager", "agent") and department is None:
        raise ValidationFailed(f"a {role} needs a department", field="department")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def ensure_user(
    rt: Runtime,
    username: str,
    password: str,
    role: str,
    department: str | None = None,
    language: str = "pl",
) -> int:
    """Create the user, or update an existing one's password, role, department, language."""
    _check_user_fields(rt, username, role, department)
    _check_password(password)
    if language not in ("pl", "en"):
        raise ValidationFailed(f"unknown language '{language}'", field="language")
    password_hash = _hasher.hash(password)  # slow on purpose: outside the write lock
    table = USERS
    values = {
        "password_hash": password_hash,
        "role": role,
        "department": department,
        "language": language,
        "active": True,
    }
    with _access_change(rt) as conn:
        existing = conn.execute(select(table.c.id).where(table.c.username == username)).scalar()
        if existing is not None:
            conn.execute(update(table).where(table.c.id == existing).values(**values))
            return int(existing)
        result = conn.execute(table.insert().values(username=username, created_at=_now(), **values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def create_user(
    rt: Runtime,
    username: str,
    password: str,
    role: str,
    department: str | None = None,
    language: str = "pl",
) -> int:
    """Like :func:`ensure_user` but refuses an existing username (the admin page's create)."""
    with rt.db.read() as conn:
        exists = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).scalar()
    if exists is not None:
        raise Conflict(f"user '{username}' already exists", field="username")
    return ensure_user(rt, username, password, role, department, language)


def set_user_active(rt: Runtime, username: str, active: bool) -> None:
    with _access_change(rt) as conn:
        result = conn.execute(
            update(USERS).where(USERS.c.username == username).values(active=active)
        )
    if result.rowcount == 0:
        raise NotFound(f"no user '{username}'", field="username")


def set_user_language(rt: Runtime, user_id: int, language: str) -> None:
    if language not in ("pl", "en"):
        raise ValidationFailed(f"unknown language '{language}'", field="language")
    with _access_change(rt) as conn:
        conn.execute(update(USERS).where(USERS.c.id == user_id).values(language=language))


def _principal(row: object) -> Principal:
    return Principal(
        user_id=int(row.id),  # type: ignore[attr-defined]
        username=str(row.username),  # type: ignore[attr-defined]
        role=cast(Role, row.role),  # type: ignore[attr-defined]
        department=row.department,  # type: ignore[attr-defined]
        language=row.language or "pl",  # type: ignore[attr-defined]
    )


def authenticate_password(rt: Runtime, username: str, password: str) -> Principal | None:
    """The principal for a correct username and password of an active user, else None."""
    table = USERS
    with rt.db.read() as conn:
        row = conn.execute(select(table).where(table.c.username == username)).first()
    if row is None or not row.active:
        _hasher.verify(password, _DUMMY_HASH)
        return None
    if not _hasher.verify(password, row.password_hash):
        return None
    return _principal(row)


def principal_for_user(rt: Runtime, user_id: int) -> Principal | None:
    """The principal of an active user by id (a session cookie holds only the id)."""
    table = USERS
    with rt.db.read() as conn:
        row = conn.execute(select(table).where(table.c.id == user_id)).first()
    if row is None or not row.active:
        return None
    return _principal(row)


def create_api_token(rt: Runtime, username: str, name: str) -> str:
    """A new token for the user; the plaintext is returned once and never stored."""
    if not name or len(name) > 128:
        raise ValidationFailed("token name must be 1–128 characters", field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with rt.db.write() as conn:
        user_id = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).scalar()
        if user_id is None:
            raise NotFound(f"no user '{username}'", field="username")
        conn.execute(
            TOKENS.insert().values(
                user_id=user_id,
                name=name,
                token_hash=hash_token(token),
                prefix=token[:12],
                created_at=_now(),
                revoked=False,
            )
        )
    return token


def authenticate_token(rt: Runtime, token: str) -> Principal | None:
    """The owner of a valid, unrevoked token of an active user, else None (a token checked
    in the last :data:`TOKEN_TRUST_SECONDS` is not looked up again)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_hash = hash_token(token)
    trusted = rt.trusted_tokens.get(token_hash)
    if trusted is not None and trusted[1] > time.monotonic():
        return trusted[0]
    tokens, users = TOKENS, USERS
    query = (
        select(tokens.c.id.label("token_id"), users)
        .join(users, users.c.id == tokens.c.user_id)
        .where(tokens.c.token_hash == token_hash, tokens.c.revoked.is_(False))
    )
    with rt.db.read() as conn:
        row = conn.execute(query).first()
    if row is None or not row.active:
        rt.trusted_tokens.pop(token_hash, None)
        return None
    now = _now()
    last_used = rt.__dict__.setdefault("_token_last_used", {})
    # Recording every use would put a write on every API call; once a minute is enough.
    if (now - last_used.get(row.token_id, datetime.min)).total_seconds() > 60:
        last_used[row.token_id] = now
        with rt.db.write() as conn:
            conn.execute(update(tokens).where(tokens.c.id == row.token_id).values(last_used_at=now))
    principal = _principal(row)
    rt.trusted_tokens[token_hash] = (principal, time.monotonic() + TOKEN_TRUST_SECONDS)
    return principal


def revoke_api_token(rt: Runtime, token_id: int, *, owner: Principal | None = None) -> None:
    """Revoke a token; with ``owner`` given, only a token of that user (unless admin)."""
    table = TOKENS
    condition = table.c.id == token_id
    if owner is not None and owner.role != "admin":
        condition = condition & (table.c.user_id == owner.user_id)
    with _access_change(rt) as conn:
        result = conn.execute(update(table).where(condition).values(revoked=True))
    if result.rowcount == 0:
        raise NotFound(f"no token {token_id}", field="token_id")


def list_users(rt: Runtime) -> list[UserView]:
    table = USERS
    with rt.db.read() as conn:
        rows = conn.execute(select(table).order_by(table.c.username)).all()
    return [
        UserView(
            id=r.id,
            username=r.username,
            role=r.role,
            department=r.department,
            language=r.language,
            active=bool(r.active),
            created_at=r.created_at,
        )
        for r in rows
    ]


def list_api_tokens(rt: Runtime, *, user_id: int | None = None) -> list[TokenView]:
    tokens, users = TOKENS, USERS
    query = (
        select(tokens, users.c.username)
        .join(users, users.c.id == tokens.c.user_id)
        .order_by(tokens.c.created_at.desc(), tokens.c.id.desc())
    )
    if user_id is not None:
        query = query.where(tokens.c.user_id == user_id)
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    return [
        TokenView(
            id=r.id,
            username=r.username,
            name=r.name,
            prefix=r.prefix,
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            revoked=bool(r.revoked),
        )
        for r in rows
    ]


def has_users(rt: Runtime) -> bool:
    """Whether anyone can log in yet (the login page then explains `cxm users create`)."""
    with rt.db.read() as conn:
        return conn.execute(select(USERS.c.id).limit(1)).first() is not None
