"""Users and API tokens in the system of record (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import select

from cxm.domain.errors import ValidationFailed
from cxm.services import auth
from cxm.services.runtime import Runtime, open_runtime
from cxm.store.tables import ApiToken, User


def test_authenticate_password_accepts_the_right_password_only(runtime: Runtime) -> None:
    user_id = auth.ensure_user(runtime, "marek", "s3cret-pass", "manager", "billing", "en")
    principal = auth.authenticate_password(runtime, "marek", "s3cret-pass")
    assert principal is not None
    assert (principal.user_id, principal.role, principal.department, principal.language) == (
        user_id,
        "manager",
        "billing",
        "en",
    )
    assert auth.authenticate_password(runtime, "marek", "wrong-pass") is None
    assert auth.authenticate_password(runtime, "nobody", "s3cret-pass") is None


def test_ensure_user_updates_an_existing_user_without_duplicating(runtime: Runtime) -> None:
    first = auth.ensure_user(runtime, "ola", "password-1", "analyst")
    second = auth.ensure_user(runtime, "ola", "password-2", "admin")
    assert first == second
    assert auth.authenticate_password(runtime, "ola", "password-1") is None
    principal = auth.authenticate_password(runtime, "ola", "password-2")
    assert principal is not None and principal.role == "admin"
    with runtime.db.read() as conn:
        stored = conn.execute(select(User.password_hash)).scalars().all()
    assert len(stored) == 1 and stored[0].startswith("$argon2")


@pytest.mark.parametrize(
    ("role", "department", "field"),
    [("boss", None, "role"), ("manager", None, "department"), ("agent", "nowhere", "department")],
)
def test_ensure_user_refuses_invalid_fields(
    sqlite_runtime: Runtime, role: str, department: str | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        auth.ensure_user(sqlite_runtime, "x", "long-enough", role, department)
    assert caught.value.field == field


def test_ensure_user_refuses_a_short_password(sqlite_runtime: Runtime) -> None:
    with pytest.raises(ValidationFailed) as caught:
        auth.ensure_user(sqlite_runtime, "x", "short", "admin")
    assert caught.value.field == "password"


def test_api_token_is_stored_only_as_its_sha256(runtime: Runtime) -> None:
    auth.ensure_user(runtime, "bot", "password-1", "analyst")
    token = auth.create_api_token(runtime, "bot", "etl")
    with runtime.db.read() as conn:
        row = conn.execute(select(ApiToken.token_hash, ApiToken.prefix, ApiToken.name)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row and row.prefix == token[:12]
    principal = auth.authenticate_token(runtime, token)
    assert principal is not None and principal.username == "bot"


def test_authenticate_token_refuses_revoked_unknown_and_inactive(runtime: Runtime) -> None:
    auth.ensure_user(runtime, "bot", "password-1", "analyst")
    revoked = auth.create_api_token(runtime, "bot", "old")
    kept = auth.create_api_token(runtime, "bot", "new")
    [old] = [t for t in auth.list_api_tokens(runtime) if t.name == "old"]
    auth.revoke_api_token(runtime, old.id)
    assert auth.authenticate_token(runtime, revoked) is None
    assert auth.authenticate_token(runtime, "cxm_" + "x" * 43) is None
    assert auth.authenticate_token(runtime, kept) is not None
    auth.set_user_active(runtime, "bot", False)
    assert auth.authenticate_token(runtime, kept) is None
    assert auth.authenticate_password(runtime, "bot", "password-1") is None


def test_a_revocation_by_another_process_applies_within_the_trust_window(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "TOKEN_TRUST_SECONDS", 0.3)
    auth.ensure_user(runtime, "bot", "password-1", "analyst")
    token = auth.create_api_token(runtime, "bot", "etl")
    assert auth.authenticate_token(runtime, token) is not None
    with open_runtime(runtime.settings, migrate=False) as other:  # e.g. the CLI
        [listed] = auth.list_api_tokens(other)
        auth.revoke_api_token(other, listed.id)
        assert auth.authenticate_token(other, token) is None
    time.sleep(0.35)
    assert auth.authenticate_token(runtime, token) is None
    # and a deactivation by another process likewise
    kept = auth.create_api_token(runtime, "bot", "kept")
    assert auth.authenticate_token(runtime, kept) is not None
    with open_runtime(runtime.settings, migrate=False) as other:
        auth.set_user_active(other, "bot", False)
    time.sleep(0.35)
    assert auth.authenticate_token(runtime, kept) is None


def test_revoke_api_token_refuses_someone_elses_token(sqlite_runtime: Runtime) -> None:
    from cxm.domain.errors import NotFound

    auth.ensure_user(sqlite_runtime, "a", "password-1", "analyst")
    auth.ensure_user(sqlite_runtime, "b", "password-1", "analyst")
    auth.create_api_token(sqlite_runtime, "a", "mine")
    [token] = auth.list_api_tokens(sqlite_runtime)
    intruder = auth.authenticate_password(sqlite_runtime, "b", "password-1")
    with pytest.raises(NotFound):
        auth.revoke_api_token(sqlite_runtime, token.id, owner=intruder)
    assert not auth.list_api_tokens(sqlite_runtime)[0].revoked
