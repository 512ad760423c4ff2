"""The people area's rules: the idea workflow, notification preferences, the pulse's
questions and its anonymity rule (minimum group size with protection against differencing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from cxm.domain.errors import ValidationFailed

IdeaStatus = Literal[
    "new", "under_review", "accepted", "in_progress", "implemented", "declined", "merged"
]
IDEA_STATUSES: Final[tuple[IdeaStatus, ...]] = (
    "new",
    "under_review",
    "accepted",
    "in_progress",
    "implemented",
    "declined",
    "merged",
)
#: Which status may follow which; declined and merged need a reason / a target idea.
TRANSITIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "new": ("under_review", "declined", "merged"),
    "under_review": ("accepted", "declined", "merged"),
    "accepted": ("in_progress", "declined"),
    "in_progress": ("implemented", "declined"),
    "implemented": (),
    "declined": ("under_review",),
    "merged": (),
}
OPEN_STATUSES: Final = ("new", "under_review", "accepted", "in_progress")
REVIEWER_ROLES: Final = ("admin", "analyst", "manager")
EMAIL_MODES: Final = ("immediate", "digest", "off")
MAX_TITLE = 200
MAX_TEXT = 10_000
#: Attachments: the types accepted (by extension and first bytes) and the size limit.
ATTACHMENT_TYPES: Final[Mapping[str, tuple[str, bytes]]] = {
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8"),
    ".jpeg": ("image/jpeg", b"\xff\xd8"),
    ".pdf": ("application/pdf", b"%PDF"),
    ".txt": ("text/plain", b""),
}
MAX_ATTACHMENT_BYTES: Final = 5 * 1024 * 1024
MAX_ATTACHMENTS_PER_IDEA: Final = 5


def check_transition(current: str, target: str) -> None:
    """Raise unless ``target`` may follow ``current`` in the workflow."""
    if target not in IDEA_STATUSES:
        raise ValidationFailed(f"unknown status '{target}'", field="status")
    if target not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "none"
        raise ValidationFailed(
            f"an idea that is '{current}' cannot become '{target}' (allowed: {allowed})",
            field="status",
        )


# --- employee pulse ---------------------------------------------------------------------
PulseQuestion = Literal["enps", "serve", "blockers"]
PULSE_QUESTIONS: Final[tuple[PulseQuestion, ...]] = ("enps", "serve", "blockers")
#: Dimensions a pulse result may be cut or filtered by (copied to each answer at submission).
PULSE_DIMENSIONS: Final = ("department", "role", "tenure")
TENURE_BANDS: Final = ("under_1y", "1_3y", "over_3y")


def tenure_band(years: float | None) -> str | None:
    if years is None:
        return None
    if years < 1:
        return "under_1y"
    return "1_3y" if years < 3 else "over_3y"


@dataclass(frozen=True)
class PulseCell:
    """One group's pulse result; ``suppressed`` groups carry no numbers at all."""

    where: Mapping[str, str]
    suppressed: bool
    n: int | None
    enps: float | None = None
    promoters: float | None = None
    detractors: float | None = None
    serve_mean: float | None = None
    blockers: tuple[str, ...] = ()


def enps(scores: list[int]) -> float | None:
    """eNPS in points: % of 9–10 minus % of 0–6."""
    if not scores:
        return None
    return 100.0 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


UNKNOWN: Final = "unknown"


def _key(row: Mapping[str, str | None], dimension: str) -> str:
    return row.get(dimension) or UNKNOWN


def _matches(row: Mapping[str, str | None], where: Mapping[str, str]) -> bool:
    return all(_key(row, d) == v for d, v in where.items())


def hidden_siblings(
    rows: list[Mapping[str, str | None]], parent: Mapping[str, str], dimension: str, k: int
) -> set[str]:
    """Values of ``dimension`` hidden inside ``parent``: those with fewer than ``k`` people,
    and, while the people hidden so far are more than none but fewer than ``k``, the next
    smallest value too (else the parent minus the shown values would reveal them)."""
    counts: dict[str, int] = {}
    for row in rows:
        if _matches(row, parent):
            value = _key(row, dimension)
            counts[value] = counts.get(value, 0) + 1
    hidden = {v for v, n in counts.items() if n < k}
    mass = sum(counts[v] for v in hidden)
    for value in sorted((v for v in counts if v not in hidden), key=lambda v: (counts[v], v)):
        if mass == 0 or mass >= k:
            break
        hidden.add(value)
        mass += counts[value]
    return hidden


def group_allowed(rows: list[Mapping[str, str | None]], where: Mapping[str, str], k: int) -> bool:
    """Whether the group of ``rows`` matching ``where`` may be shown.

    It needs at least ``k`` people, and for every group with one filter fewer (its parent)
    the group must not be among the parent's hidden values (:func:`hidden_siblings`). So
    the parent minus every shown sibling, or minus this group, never isolates fewer than
    ``k`` people: whatever is hidden inside a parent is none or at least ``k`` people, and
    hiding more for another parent only adds groups of at least ``k``."""
    n = sum(1 for row in rows if _matches(row, where))
    if n < k:
        return False
    for dimension, value in where.items():
        parent = {d: v for d, v in where.items() if d != dimension}
        if value in hidden_siblings(rows, parent, dimension, k):
            return False
    return True
