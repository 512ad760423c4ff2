"""Alert rules at work: every response past the job's watermark (responses' ``change_seq``,
so imported, API and survey responses alike) is checked against the active rules, and
control-chart alerts past theirs against the control-limit rules. Matches open cases.

Each batch is one transaction: the cases, their events and notifications, and the new
watermark commit together, so a job killed mid-run redoes at most the uncommitted batch —
and the cases' idempotency keys (``response:<id>``, ``alert:<id>``) make even that a no-op."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from cxm.domain import loop as domain
from cxm.domain.errors import ValidationFailed
from cxm.services.loop.cases import CaseSpec, create_cases
from cxm.services.loop.clock import utc_now
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls
from cxm.store.tables import Alert, CommentAnalysis, Customer, Response
from cxm.text.lemmas import lemmatise
from cxm.text.redaction import redact

RESPONSES = Response.__table__
ANALYSES = CommentAnalysis.__table__
CUSTOMERS = Customer.__table__
ALERTS = Alert.__table__
FEEDBACK_WATERMARK = "rules:responses"
ALERT_WATERMARK = "rules:alerts"
BATCH_SIZE = 2000
EMOTIONS = ("anger", "fear", "sadness", "disgust", "frustration", "disappointment")
DIMENSIONS = (
    "touchpoint", "channel", "segment", "department", "product", "journey", "process",
    "lifecycle_stage", "source",
)  # fmt: skip
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class RuleRun:
    checked: int
    matched: int
    opened: int
    batches: int


def load_rules(conn: Connection, *, kinds: Sequence[str] | None = None) -> list[domain.AlertRule]:
    query = select(ls.RULES).where(ls.RULES.c.active.is_(True)).order_by(ls.RULES.c.id)
    rules = []
    for r in conn.execute(query):
        if kinds is not None and r.kind not in kinds:
            continue
        scope = {k: tuple(v) if isinstance(v, list) else (v,) for k, v in (r.scope or {}).items()}
        rules.append(
            domain.AlertRule(r.id, r.name, r.kind, r.priority, scope, r.params or {}, r.complaint)
        )
    return rules


def comment_lemmas(comment: str | None) -> frozenset[str]:
    """Words of a comment with their Polish and English lemmas (language not needed)."""
    if not comment:
        return frozenset()
    out: set[str] = set()
    for word in _WORD.findall(comment.lower()):
        out.add(word)
        out.add(lemmatise(word, "pl"))
        out.add(lemmatise(word, "en"))
    return frozenset(out)


def evaluate_feedback(
    rt: Runtime,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    since: datetime | None = None,
) -> RuleRun:
    """Check every response not checked yet (only those responded at or after ``since``
    when given: a one-off back-fill); open a case per matching response."""
    with rt.db.read() as conn:
        rules = [r for r in load_rules(conn) if r.kind != "control_limit"]
    checked = matched = opened = batches = 0
    needs_words = any(r.kind == "churn_words" for r in rules)
    while max_batches is None or batches < max_batches:
        with rt.db.read() as conn:
            mark = ls.get_watermark(conn, FEEDBACK_WATERMARK)
            rows = _feedback_batch(conn, mark, batch_size, since)
        if not rows:
            break
        specs = []
        for row in rows:
            facts = domain.FeedbackFacts(
                nps=row["nps"],
                csat=row["csat"],
                ces=row["ces"],
                dimensions={d: row[d] for d in DIMENSIONS},
                lemmas=comment_lemmas(row["comment"]) if needs_words else frozenset(),
                emotions={e: row[e] for e in EMOTIONS if row[e] is not None},
            )
            hits = [rule for rule in rules if domain.rule_matches(rule, facts)]
            if hits:
                specs.append(_spec(row, hits))
        stamp = now or utc_now()
        with rt.db.write() as conn:
            if ls.get_watermark(conn, FEEDBACK_WATERMARK) != mark:
                continue  # another runner took this batch meanwhile; read again
            opened += len(create_cases(rt, conn, specs, stamp))
            ls.set_watermark(conn, FEEDBACK_WATERMARK, rows[-1]["change_seq"], stamp)
        checked += len(rows)
        matched += len(specs)
        batches += 1
    return RuleRun(checked, matched, opened, batches)


def _feedback_batch(
    conn: Connection, mark: int, size: int, since: datetime | None = None
) -> list[dict[str, Any]]:
    r, a, c = RESPONSES.c, ANALYSES.c, CUSTOMERS.c
    query = (
        select(
            r.id,
            r.change_seq,
            r.nps,
            r.csat,
            r.ces,
            r.comment,
            r.customer_id,
            *(r[d] for d in DIMENSIONS),
            *(a[e] for e in EMOTIONS),
            a.redacted_comment,
            c.email.label("customer_email"),
            c.language.label("customer_language"),
        )
        .select_from(
            RESPONSES.outerjoin(ANALYSES, a.response_id == r.id).outerjoin(
                CUSTOMERS, c.id == r.customer_id
            )
        )
        .where(r.change_seq > mark)
        .order_by(r.change_seq)
        .limit(size)
    )
    if since is not None:
        query = query.where(r.responded_at >= since)
    return [dict(row._mapping) for row in conn.execute(query)]


def _spec(row: dict[str, Any], hits: list[domain.AlertRule]) -> CaseSpec:
    complaint = any(rule.complaint for rule in hits)
    names = ", ".join(rule.name for rule in hits)
    excerpt = row["redacted_comment"] or (redact(row["comment"]) if row["comment"] else "")
    scores = " ".join(
        f"{name.upper()} {row[name]}" for name in ("nps", "csat", "ces") if row[name] is not None
    )
    title = f"{names} · {scores}" + (f" · „{excerpt[:120]}”" if excerpt else "")
    return CaseSpec(
        key=f"response:{row['id']}",
        title=title,
        kind="complaint" if complaint else "feedback",
        source="rule",
        priority=domain.highest_priority(rule.priority for rule in hits),
        rule_ids=tuple(rule.id for rule in hits),
        response_id=row["id"],
        customer_id=row["customer_id"],
        touchpoint=row["touchpoint"],
        channel=row["channel"],
        segment=row["segment"],
        department=row["department"],
        customer_email=row["customer_email"],
        customer_language=row["customer_language"],
    )


def evaluate_alert_rules(rt: Runtime, *, now: datetime | None = None) -> RuleRun:
    """Open a case for every new control-chart alert that a control-limit rule covers."""
    stamp = now or utc_now()
    with rt.db.read() as conn:
        rules = load_rules(conn, kinds=("control_limit",))
        mark = ls.get_watermark(conn, ALERT_WATERMARK)
        alerts = [
            dict(a._mapping)
            for a in conn.execute(select(ALERTS).where(ALERTS.c.id > mark).order_by(ALERTS.c.id))
        ]
    if not alerts:
        return RuleRun(0, 0, 0, 0)
    specs = []
    for alert in alerts:
        scope = {str(k): str(v) for k, v in (alert["scope"] or {}).items()}
        hits = [
            rule
            for rule in rules
            if domain.in_scope(rule, scope)
            and (not rule.param("metrics") or alert["metric"] in rule.param("metrics"))
        ]
        if not hits:
            continue
        priority = domain.highest_priority(rule.priority for rule in hits)
        if alert["severity"] == "critical":
            priority = domain.raised_priority(priority)
        where = ", ".join(f"{k}={v}" for k, v in scope.items())
        specs.append(
            CaseSpec(
                key=f"alert:{alert['id']}",
                title=f"{alert['metric']} {alert['value']:.1f} < {alert['limit_value']:.1f} "
                f"({where}, {alert['period']})",
                source="alert",
                priority=priority,
                rule_ids=tuple(rule.id for rule in hits),
                alert_id=alert["id"],
                touchpoint=scope.get("touchpoint"),
                department=scope.get("department"),
            )
        )
    with rt.db.write() as conn:
        if ls.get_watermark(conn, ALERT_WATERMARK) != mark:
            return RuleRun(0, 0, 0, 0)
        opened = len(create_cases(rt, conn, specs, stamp))
        ls.set_watermark(conn, ALERT_WATERMARK, alerts[-1]["id"], stamp)
    return RuleRun(len(alerts), len(specs), opened, 1)


# --- managing rules ----------------------------------------------------------------------------
def add_rule(
    rt: Runtime,
    name: str,
    kind: str,
    *,
    priority: str = "normal",
    scope: dict[str, list[str]] | None = None,
    params: dict[str, Any] | None = None,
    complaint: bool = False,
    now: datetime | None = None,
) -> int:
    scope = scope or {}
    domain.validate_rule(kind, priority, scope)
    if not name.strip():
        raise ValidationFailed("a rule needs a name", field="name")
    with rt.db.write() as conn:
        result = conn.execute(
            ls.RULES.insert().values(
                name=name.strip(),
                kind=kind,
                priority=priority,
                scope={k: list(v) for k, v in scope.items()},
                params=params or {},
                complaint=complaint,
                active=True,
                created_at=now or utc_now(),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_rules(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(ls.RULES).order_by(ls.RULES.c.id))]


def set_rule_active(rt: Runtime, rule_id: int, active: bool) -> None:
    from cxm.domain.errors import NotFound

    with rt.db.write() as conn:
        if not conn.execute(
            ls.RULES.update().where(ls.RULES.c.id == rule_id).values(active=active)
        ).rowcount:
            raise NotFound(f"no rule {rule_id}")
