"""Service standards, pure: what a standard measures, its target and window, and whether a
measured value complies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cxm.domain.errors import ValidationFailed

#: kind → (direction, unit): "max" means the value must not exceed the target.
STANDARD_KINDS: Final[dict[str, tuple[str, str]]] = {
    "response_time": ("max", "seconds"),
    "first_contact_resolution": ("min", "share"),
    "min_csat": ("min", "csat"),
    "min_nps": ("min", "nps"),
    "case_sla": ("min", "share"),
    "checklist_completion": ("min", "share"),
}
STANDARD_SCOPES: Final = ("touchpoint", "channel", "department")
#: Interaction outcomes that count as handled at the first contact / as a contact at all.
FCR_RESOLVED: Final = ("resolved",)
FCR_CONTACTS: Final = ("resolved", "unresolved", "escalated")


@dataclass(frozen=True)
class Standard:
    id: int
    key: str
    name_pl: str
    name_en: str
    kind: str
    scope_dimension: str
    scope_value: str | None
    target: float
    window_days: int = 30
    percentile: float = 0.9
    min_n: int = 10

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_pl

    @property
    def direction(self) -> str:
        return STANDARD_KINDS[self.kind][0]


def validate_standard(
    kind: str, scope_dimension: str, target: float, window_days: int, percentile: float
) -> None:
    if kind not in STANDARD_KINDS:
        raise ValidationFailed(
            f"unknown standard kind '{kind}' ({', '.join(STANDARD_KINDS)})", field="kind"
        )
    if scope_dimension not in STANDARD_SCOPES:
        raise ValidationFailed(
            f"a standard is set per {', '.join(STANDARD_SCOPES)}", field="scope_dimension"
        )
    if window_days < 1:
        raise ValidationFailed("the window is at least one day", field="window_days")
    if not 0 < percentile < 1:
        raise ValidationFailed("the percentile is between 0 and 1", field="percentile")
    if STANDARD_KINDS[kind][1] == "share" and not 0 <= target <= 1:
        raise ValidationFailed("a share target is between 0 and 1", field="target")


def complies(standard: Standard, value: float | None) -> bool | None:
    """True/False when measured; None when there is no value."""
    if value is None:
        return None
    if standard.direction == "max":
        return value <= standard.target
    return value >= standard.target
