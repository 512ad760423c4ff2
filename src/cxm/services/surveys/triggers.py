"""Trigger rules and their evaluation: every interaction past the watermark is judged
against the active rules; each judgement (invited, or skipped and why) is recorded, and
invitations are created with their planned send time (delay, then quiet hours).

Order of the checks for a matching rule: survey live, not too old, a customer, not opted
out, consent, an address, sampling (seeded by rule and interaction), contact fatigue
(global, then per survey), measured on planned send times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cxm.domain.errors import NotFound, ValidationFailed
from cxm.domain.surveys_triggers import (
    FatigueLedger,
    TriggerRule,
    outside_quiet_hours,
    sampled_in,
)
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer, invitations
from cxm.store import surveys_invitations as inv_store
from cxm.store import surveys_records as records
from cxm.store.bulk import utc_now

RULE_FIELDS = (
    "name",
    "survey",
    "touchpoint",
    "channel",
    "product",
    "outcome",
    "segment",
    "delay_minutes",
    "sampling_percent",
    "quiet_start",
    "quiet_end",
    "active",
)
BATCH = 5_000


def _rule_values(rt: Runtime, data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown rule field(s) {sorted(unknown)}", field=sorted(unknown)[0])
    values: dict[str, Any] = {}
    if "survey" in data or not partial:
        values["survey_id"] = designer.get_customer_survey(rt, str(data.get("survey", "")))["id"]
    taxonomy = rt.taxonomy
    for name, dimension in (
        ("touchpoint", "touchpoint"),
        ("channel", "channel"),
        ("product", "product"),
        ("segment", "segment"),
    ):
        if name not in data and partial:
            continue
        value = data.get(name) or None
        if name == "touchpoint" and value is None:
            raise ValidationFailed("touchpoint is required", field="touchpoint")
        if value is not None and value not in taxonomy.keys(dimension):
            raise ValidationFailed(f"'{value}' is not a {dimension} of the CX model", field=name)
        values[name] = value
    if "outcome" in data or not partial:
        values["outcome"] = str(data.get("outcome") or "").strip() or None
    numbers = {
        "delay_minutes": (0, 60 * 24 * 30, 60),
        "sampling_percent": (0, 100, 100),
        "quiet_start": (0, 23, None),
        "quiet_end": (0, 23, None),
    }
    for name, (low, high, default) in numbers.items():
        if name not in data and partial:
            continue
        raw = data.get(name, default)
        if raw in (None, ""):
            values[name] = None if default is None else default
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise ValidationFailed(f"{name} must be a number", field=name) from None
        if not low <= number <= high:
            raise ValidationFailed(f"{name} must be between {low} and {high}", field=name)
        values[name] = number if name == "sampling_percent" else int(number)
    if "active" in data or not partial:
        values["active"] = bool(data.get("active", True))
    if "name" in data or not partial:
        values["name"] = str(data.get("name") or data.get("touchpoint") or "rule")[:200]
    return values


def create_rule(rt: Runtime, data: dict[str, Any]) -> dict[str, Any]:
    values = _rule_values(rt, data)
    rule_id = records.insert_rule(rt.db, {**values, "created_at": utc_now()})
    return get_rule(rt, rule_id)


def update_rule(rt: Runtime, rule_id: int, data: dict[str, Any]) -> dict[str, Any]:
    if not records.update_rule(rt.db, rule_id, _rule_values(rt, data, partial=True)):
        raise NotFound(f"no trigger rule {rule_id}", field="id")
    return get_rule(rt, rule_id)


def delete_rule(rt: Runtime, rule_id: int) -> None:
    if not records.delete_rule(rt.db, rule_id):
        raise NotFound(f"no trigger rule {rule_id}", field="id")


def list_rules(rt: Runtime) -> list[dict[str, Any]]:
    return records.list_rules(rt.db)


def get_rule(rt: Runtime, rule_id: int) -> dict[str, Any]:
    for rule in records.list_rules(rt.db):
        if rule["id"] == rule_id:
            return rule
    raise NotFound(f"no trigger rule {rule_id}", field="id")


def trigger_settings(rt: Runtime) -> dict[str, Any]:
    return records.fetch_state(rt.db)


def update_trigger_settings(rt: Runtime, data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (low, high) in {
        "global_fatigue_days": (0, 730),
        "max_age_days": (1, 365),
        "last_interaction_id": (0, 2**62),
    }.items():
        if name in data:
            try:
                number = int(data[name])
            except (TypeError, ValueError):
                raise ValidationFailed(f"{name} must be a whole number", field=name) from None
            if not low <= number <= high:
                raise ValidationFailed(f"{name} must be between {low} and {high}", field=name)
            values[name] = number
    if values:
        records.update_state(rt.db, values)
    return trigger_settings(rt)


def list_decisions(rt: Runtime, limit: int = 200, reason: str | None = None) -> dict[str, Any]:
    return {
        "counts": records.count_decisions(rt.db),
        "decisions": records.list_decisions(rt.db, limit, reason),
    }


def evaluate_triggers(
    rt: Runtime, now: datetime | None = None, batch: int = BATCH
) -> dict[str, int]:
    """Judge every interaction past the watermark; counts per reason."""
    now = now or utc_now()
    state = records.fetch_state(rt.db)
    rule_rows = [r for r in records.list_rules(rt.db) if r["active"]]
    rules = [
        TriggerRule(**{k: r[k] for k in TriggerRule.__dataclass_fields__ if k in r})
        for r in rule_rows
    ]
    surveys = {}
    for r in rule_rows:
        survey = designer.get_survey(rt, r["survey_key"])
        surveys[r["survey_id"]] = survey
    ledger = FatigueLedger(
        int(state["global_fatigue_days"]),
        {sid: int(s["distribution"].get("fatigue_days", 0)) for sid, s in surveys.items()},
        {},
        {},
    )
    loaded: set[int] = set()
    opted_customers, opted_emails = records.opted_out(rt.db)
    oldest = now - timedelta(days=int(state["max_age_days"]))
    counts: dict[str, int] = {}
    watermark = int(state["last_interaction_id"])
    while True:
        rows = inv_store.interactions_after(rt.db, watermark, batch)
        if not rows:
            break
        fresh = [
            r["customer_id"] for r in rows if r["customer_id"] and r["customer_id"] not in loaded
        ]
        for customer_id, survey_id, at in inv_store.last_invitation_times(rt.db, fresh):
            ledger.record(customer_id, survey_id, at)
        loaded.update(fresh)
        new_invitations: list[dict[str, Any]] = []
        decided: list[dict[str, Any]] = []
        for it in rows:
            it["segment"] = it["segment"] or it["customer_segment"]
            matching = [rule for rule in rules if rule.matches(it)]
            if not matching:
                decided.append(_decision(it, None, "no_rule", now))
            for rule in matching:
                reason, row = _judge(
                    rt,
                    it,
                    rule,
                    surveys[rule.survey_id],
                    ledger,
                    opted_customers,
                    opted_emails,
                    oldest,
                    now,
                )
                decision = _decision(it, rule, reason, now)
                if row is not None:
                    decision["_invitation"] = len(new_invitations)
                    new_invitations.append(row)
                decided.append(decision)
        previous, watermark = watermark, int(rows[-1]["id"])
        try:
            records.write_trigger_batch(rt.db, new_invitations, decided, previous, watermark)
        except records.WatermarkMoved:
            break  # another server worker is judging these interactions
        for d in decided:
            counts[d["reason"]] = counts.get(d["reason"], 0) + 1
    records.update_state(rt.db, {"evaluated_at": now})
    return counts


def _decision(
    it: dict[str, Any], rule: TriggerRule | None, reason: str, now: datetime
) -> dict[str, Any]:
    return {
        "interaction_id": it["id"],
        "rule_id": rule.id if rule else None,
        "survey_id": rule.survey_id if rule else None,
        "decision": "invited" if reason == "invited" else "skipped",
        "reason": reason,
        "invitation_id": None,
        "decided_at": now,
    }


def _judge(
    rt: Runtime,
    it: dict[str, Any],
    rule: TriggerRule,
    survey: dict[str, Any],
    ledger: FatigueLedger,
    opted_customers: set[int],
    opted_emails: set[str],
    oldest: datetime,
    now: datetime,
) -> tuple[str, dict[str, Any] | None]:
    if survey["status"] != "live":
        return "survey_not_live", None
    planned = it["occurred_at"] + timedelta(minutes=rule.delay_minutes)
    if planned < oldest:
        return "too_old", None
    customer_id = it["customer_id"]
    if customer_id is None:
        return "no_customer", None
    email = (it["customer_email"] or "").strip()
    if customer_id in opted_customers or (email and email.lower() in opted_emails):
        return "opted_out", None
    if not it["consent_survey"] or not it["consent_email"]:
        return "no_consent", None
    if not email:
        return "no_email", None
    if not sampled_in(rule, it["external_id"]):
        return "sampled_out", None
    send_after = outside_quiet_hours(planned, rule.quiet_start, rule.quiet_end)
    fatigue = ledger.reason(customer_id, rule.survey_id, send_after)
    if fatigue:
        return fatigue, None
    ledger.record(customer_id, rule.survey_id, send_after)
    customer = {
        "segment": it["customer_segment"],
        "lifecycle_stage": it["customer_lifecycle_stage"],
    }
    language = (
        it["customer_language"]
        if it["customer_language"] in ("pl", "en")
        else (survey["distribution"].get("default_language", "pl"))
    )
    row = invitations.invitation_row(
        survey,
        now=now,
        send_after=send_after,
        channel="email",
        language=language,
        context=invitations.context_of(rt, it, customer),
        customer_id=customer_id,
        interaction_id=it["id"],
        email=email,
        rule_id=rule.id,
    )
    return "invited", row
