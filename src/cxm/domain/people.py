"""The people area's rules: the idea workflow, notification preferences, the pulse's
questions and its anonymity rule (minimum group size with protection against differencing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Final, Literal

from cxm.domain.errors import ValidationFailed
from cxm.domain.surveys import SCALES, SurveyDefinition

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
    #: (question key, mean) of the survey's further numeric questions
    others: tuple[tuple[str, float | None], ...] = ()


def enps(scores: list[int]) -> float | None:
    """eNPS in points: % of 9–10 minus % of 0–6."""
    if not scores:
        return None
    return 100.0 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


UNKNOWN: Final = "unknown"


GroupKey = frozenset[tuple[str, str]]


def _key(row: Mapping[str, str | None], dimension: str) -> str:
    return row.get(dimension) or UNKNOWN


def group_key(where: Mapping[str, str]) -> GroupKey:
    return frozenset(where.items())


def shown_groups(
    rows: list[Mapping[str, str | None]], k: int, dimensions: tuple[str, ...] = PULSE_DIMENSIONS
) -> set[GroupKey]:
    """Every group (a filter on any of ``dimensions``) whose result may be shown.

    One policy for the whole round, so that no two answers contradict each other:
    1. a group needs at least ``k`` people; groups with the same people share one fate;
    2. for every two shown groups whose people nest (by the people, whatever the filters
       say: "billing" may be all the "specialists with 1–3 years"), the larger minus the
       smaller is none or at least ``k`` people — else the smaller is hidden;
    3. for every shown group and dimension, its shown subgroups leave none or at least
       ``k`` of its people — else the smallest shown subgroup is hidden too.
    Repeated until nothing changes. A difference of two shown results, or a result minus
    its shown breakdown, therefore never isolates fewer than ``k`` people."""
    members: dict[GroupKey, int] = {}
    for index, row in enumerate(rows):
        bit = 1 << index
        values = [(d, _key(row, d)) for d in dimensions]
        for size in range(len(values) + 1):
            for chosen in combinations(values, size):
                key = frozenset(chosen)
                members[key] = members.get(key, 0) | bit
    size_of = {key: mask.bit_count() for key, mask in members.items()}
    shown = {key for key, n in size_of.items() if n >= k}
    changed = True
    while changed:
        changed = False
        by_mask: dict[int, set[GroupKey]] = {}
        for key in shown:
            by_mask.setdefault(members[key], set()).add(key)
        masks = sorted(by_mask, key=lambda m: m.bit_count())
        hide: set[int] = set()
        for i, small in enumerate(masks):
            for large in masks[i + 1 :]:
                if small & large == small and 0 < large.bit_count() - small.bit_count() < k:
                    hide.add(small)
                    break
        for key in shown:
            if members[key] in hide:
                continue
            for dimension in dimensions:
                if any(d == dimension for d, _ in key):
                    continue
                children = [
                    c
                    for c in shown
                    if len(c) == len(key) + 1
                    and key < c
                    and any(d == dimension for d, _ in c)
                    and members[c] not in hide
                ]
                rest = size_of[key] - sum(size_of[c] for c in children)
                if children and 0 < rest < k:
                    hide.add(members[min(children, key=lambda c: (size_of[c], sorted(c)))])
        if hide:
            shown = {key for key in shown if members[key] not in hide}
            changed = True
    return shown


def group_allowed(rows: list[Mapping[str, str | None]], where: Mapping[str, str], k: int) -> bool:
    """Whether the group ``where`` is among :func:`shown_groups` (one-off convenience)."""
    return group_key(where) in shown_groups(rows, k)


#: Names of the statuses in e-mails (pages translate through the catalogs).
STATUS_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "new": ("nowy", "new"),
    "under_review": ("w ocenie", "under review"),
    "accepted": ("przyjęty", "accepted"),
    "in_progress": ("w realizacji", "in progress"),
    "implemented": ("wdrożony", "implemented"),
    "declined": ("odrzucony", "declined"),
    "merged": ("połączony z innym pomysłem", "merged as a duplicate"),
}


def status_name(status: str, language: str) -> str:
    pl, en = STATUS_NAMES.get(status, (status, status))
    return en if language == "en" else pl


@dataclass(frozen=True)
class PulseQuestions:
    """Which questions of a pulse survey give eNPS, "how well can you serve customers?"
    (1–5) and "what stops you?" (None when the survey has no text question)."""

    enps: str
    serve: str
    blockers: str | None
    #: the further numeric questions, averaged per group
    others: tuple[str, ...]


def pulse_questions(definition: SurveyDefinition) -> PulseQuestions:
    """The pulse's questions in a survey; ValidationFailed if the survey cannot be a pulse."""
    unconditional = [q for q in definition.questions if not q.show_if]
    enps_q = next((q for q in unconditional if q.type == "nps" and q.required), None)
    serve_q = next((q for q in unconditional if q.type == "csat" and q.required), None)
    if enps_q is None or serve_q is None:
        raise ValidationFailed(
            "a pulse survey needs a required eNPS question (type nps) and a required 1–5 "
            "question (type csat), both always shown",
            field="questions",
        )
    text_q = next((q for q in definition.questions if q.type == "text"), None)
    others = tuple(
        q.key
        for q in definition.questions
        if (q.type in SCALES or q.type == "rating") and q.key not in (enps_q.key, serve_q.key)
    )
    return PulseQuestions(enps_q.key, serve_q.key, text_q.key if text_q else None, others)
