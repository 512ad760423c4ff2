"""The loop's clock: naive UTC like every stored time. Services take ``now`` so tests can
freeze it; this is the default when they are not given one."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
