"""The closed loop, pure: alert rules on feedback, routing, case states and transitions,
priorities and the ISO 10002 complaint steps. No I/O: services feed facts in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cxm.domain.errors import Conflict, ValidationFailed

CaseStatus = Literal["new", "acknowledged", "in_progress", "waiting_customer", "resolved", "closed"]
CASE_STATUSES: Final = (
    "new",
    "acknowledged",
    "in_progress",
    "waiting_customer",
    "resolved",
    "closed",
)
OPEN_STATUSES: Final = ("new", "acknowledged", "in_progress", "waiting_customer")
#: status → statuses it may move to ("reopen" is resolved/closed → in_progress).
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "new": ("acknowledged", "in_progress", "resolved"),
    "acknowledged": ("in_progress", "waiting_customer", "resolved"),
    "in_progress": ("waiting_customer", "resolved"),
    "waiting_customer": ("in_progress", "resolved"),
    "resolved": ("closed", "in_progress"),
    "closed": ("in_progress",),
}
#: Moving into these statuses counts as the first response to the customer.
FIRST_RESPONSE_STATUSES: Final = ("acknowledged", "in_progress", "waiting_customer", "resolved")

PRIORITIES: Final = ("low", "normal", "high", "critical")

RuleKind = Literal[
    "detractor", "low_csat", "high_effort", "negative_emotion", "churn_words", "control_limit"
]
RULE_KINDS: Final = (
    "detractor",
    "low_csat",
    "high_effort",
    "negative_emotion",
    "churn_words",
    "control_limit",
)
#: Default parameters per rule kind (a rule's ``params`` override them).
RULE_DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "detractor": {"max_nps": 6},
    "low_csat": {"max_csat": 2},
    "high_effort": {"min_ces": 6},
    "negative_emotion": {"emotions": ["anger", "fear"], "threshold": 0.5},
    "churn_words": {
        "words": ["rezygnować", "rezygnacja", "wypowiedzieć", "odejść", "cancel", "quit", "leave"]
    },
    "control_limit": {"metrics": []},
}
SCOPE_DIMENSIONS: Final = (
    "touchpoint",
    "channel",
    "segment",
    "department",
    "product",
    "journey",
    "process",
    "lifecycle_stage",
    "source",
)
ROOT_CAUSES: Final = (
    "process",
    "people",
    "product",
    "system",
    "communication",
    "price",
    "partner",
    "customer",
    "other",
)
#: ISO 10002 steps of a complaint, in order.
COMPLAINT_STEPS: Final = (
    "received",
    "acknowledged",
    "assessed",
    "investigated",
    "responded",
    "closed",
)
#: Checklist of the handling procedure per case kind (procedure-completion standards).
CHECKLISTS: Final[dict[str, tuple[str, ...]]] = {
    "feedback": ("contact_customer", "record_root_cause", "record_resolution"),
    "complaint": (
        "acknowledge_receipt",
        "assess_complaint",
        "investigate",
        "respond_to_customer",
        "record_root_cause",
    ),
    "standard": ("review_standard", "record_root_cause", "record_resolution"),
}


@dataclass(frozen=True)
class AlertRule:
    """One rule: ``kind`` with ``params``, limited to ``scope`` (dimension → allowed keys)."""

    id: int
    name: str
    kind: str
    priority: str = "normal"
    scope: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    complaint: bool = False

    def param(self, name: str) -> Any:
        return self.params.get(name, RULE_DEFAULTS[self.kind].get(name))


@dataclass(frozen=True)
class FeedbackFacts:
    """What a rule looks at for one response: its scores, dimensions, the lemmas of its
    comment and its emotion scores (empty when the comment was not analysed)."""

    nps: int | None
    csat: int | None
    ces: int | None
    dimensions: Mapping[str, str | None]
    lemmas: frozenset[str] = frozenset()
    emotions: Mapping[str, float] = field(default_factory=dict)


def validate_rule(kind: str, priority: str, scope: Mapping[str, Iterable[str]]) -> None:
    if kind not in RULE_KINDS:
        raise ValidationFailed(
            f"unknown rule kind '{kind}' ({', '.join(RULE_KINDS)})", field="kind"
        )
    validate_priority(priority)
    for dimension in scope:
        if dimension not in SCOPE_DIMENSIONS:
            raise ValidationFailed(f"unknown scope dimension '{dimension}'", field="scope")


def validate_priority(priority: str) -> None:
    if priority not in PRIORITIES:
        raise ValidationFailed(
            f"unknown priority '{priority}' ({', '.join(PRIORITIES)})", field="priority"
        )


def in_scope(rule: AlertRule, dimensions: Mapping[str, str | None]) -> bool:
    return all(dimensions.get(dim) in keys for dim, keys in rule.scope.items() if keys)


def rule_matches(rule: AlertRule, facts: FeedbackFacts) -> bool:
    """Does ``rule`` fire on this response? (control-limit rules never fire on responses)."""
    if not in_scope(rule, facts.dimensions):
        return False
    kind = rule.kind
    if kind == "detractor":
        return facts.nps is not None and facts.nps <= int(rule.param("max_nps"))
    if kind == "low_csat":
        return facts.csat is not None and facts.csat <= int(rule.param("max_csat"))
    if kind == "high_effort":
        return facts.ces is not None and facts.ces >= int(rule.param("min_ces"))
    if kind == "negative_emotion":
        threshold = float(rule.param("threshold"))
        return any(facts.emotions.get(e, 0.0) >= threshold for e in rule.param("emotions"))
    if kind == "churn_words":
        return bool(facts.lemmas & frozenset(rule.param("words")))
    return False


def highest_priority(priorities: Iterable[str]) -> str:
    return max(priorities, key=PRIORITIES.index, default="normal")


def raised_priority(priority: str) -> str:
    """One level up (escalation), capped at critical."""
    return PRIORITIES[min(PRIORITIES.index(priority) + 1, len(PRIORITIES) - 1)]


@dataclass(frozen=True)
class Route:
    department: str | None
    owner: str | None = None
    owner_email: str | None = None
    manager: str | None = None
    manager_email: str | None = None


@dataclass(frozen=True)
class RoutingRule:
    """touch-point (or any touch-point when None) → department → owner and manager."""

    id: int
    touchpoint: str | None
    department: str
    owner: str | None = None
    owner_email: str | None = None
    manager: str | None = None
    manager_email: str | None = None


def route_case(
    rules: Iterable[RoutingRule],
    *,
    touchpoint: str | None,
    department: str | None,
    touchpoint_departments: Mapping[str, str | None],
) -> Route:
    """The touch-point's rule first, then the department's (of the row or of the
    touch-point in the CX model), else the bare department with nobody assigned; among
    rules for the same touch-point or department the newest wins."""
    newest_first = sorted(rules, key=lambda rule: rule.id, reverse=True)  # later rules win
    if touchpoint is not None:
        for rule in newest_first:
            if rule.touchpoint == touchpoint:
                return _route(rule)
    dept = department or (touchpoint_departments.get(touchpoint) if touchpoint else None)
    for rule in newest_first:
        if rule.touchpoint is None and rule.department == dept:
            return _route(rule)
    return Route(department=dept)


def _route(rule: RoutingRule) -> Route:
    return Route(rule.department, rule.owner, rule.owner_email, rule.manager, rule.manager_email)


def check_transition(current: str, target: str) -> None:
    """Raise Conflict unless a case in ``current`` may move to ``target``."""
    if target not in CASE_STATUSES:
        raise ValidationFailed(f"unknown status '{target}'", field="status")
    if target not in TRANSITIONS.get(current, ()):
        raise Conflict(f"a case in status '{current}' cannot move to '{target}'", field="status")


def is_reopen(current: str, target: str) -> bool:
    return current in ("resolved", "closed") and target == "in_progress"


def new_checklist(kind: str) -> list[dict[str, Any]]:
    return [{"key": key, "done": False} for key in CHECKLISTS.get(kind, CHECKLISTS["feedback"])]


def checklist_complete(checklist: Iterable[Mapping[str, Any]] | None) -> bool:
    items = list(checklist or ())
    return bool(items) and all(bool(item.get("done")) for item in items)


def next_complaint_step(step: str) -> str:
    index = COMPLAINT_STEPS.index(step)
    return COMPLAINT_STEPS[min(index + 1, len(COMPLAINT_STEPS) - 1)]
