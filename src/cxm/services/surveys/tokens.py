"""Signed links: one-time invitation tokens (with their expiry inside the signature),
touch-point links for counters and receipts, and unsubscribe links (itsdangerous, keyed by
``settings.secret_key``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer

from cxm.config import Settings

TokenProblem = Literal["tampered", "expired"]


@dataclass(frozen=True)
class TokenCheck:
    """The nonce of a valid token, or what is wrong with it."""

    value: str | None
    problem: TokenProblem | None = None


def _serializer(settings: Settings, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=f"cxm-survey-{purpose}")


def sign_invitation(settings: Settings, nonce: str, expires_at: datetime) -> str:
    expiry = int(expires_at.replace(tzinfo=UTC).timestamp())
    return str(_serializer(settings, "invitation").dumps([nonce, expiry]))


def read_invitation(settings: Settings, token: str, now: float | None = None) -> TokenCheck:
    try:
        nonce, expiry = _serializer(settings, "invitation").loads(token)
    except (BadSignature, ValueError, TypeError):
        return TokenCheck(None, "tampered")
    if not isinstance(nonce, str) or not isinstance(expiry, int):
        return TokenCheck(None, "tampered")
    if (now if now is not None else time.time()) >= expiry:
        return TokenCheck(nonce, "expired")
    return TokenCheck(nonce)


def sign_touchpoint(settings: Settings, survey_key: str, touchpoint: str, via: str) -> str:
    return str(_serializer(settings, "link").dumps([survey_key, touchpoint, via]))


def read_touchpoint(settings: Settings, token: str) -> tuple[str, str, str] | None:
    try:
        key, touchpoint, via = _serializer(settings, "link").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(key), str(touchpoint), str(via)


def sign_unsubscribe(settings: Settings, nonce: str) -> str:
    return str(_serializer(settings, "unsubscribe").dumps(nonce))


def read_unsubscribe(settings: Settings, token: str) -> str | None:
    try:
        value = _serializer(settings, "unsubscribe").loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None
