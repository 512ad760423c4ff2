"""Trigger rules over thousands of generated interactions: every decision counted exactly
against a reference written independently here (sampling by SHA-256 of rule and
interaction, fatigue on planned send times, quiet hours, consent, opt-out, age)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, time, timedelta

from cxm.services.runtime import Runtime
from cxm.services.surveys import triggers
from cxm.store import surveys_records
from survey_helpers import CSAT_SURVEY, NPS_ONLY, publish, seed_customers_and_interactions

START = datetime(2026, 3, 1, 6, 0)
NOW = START + timedelta(days=30)
CUSTOMERS, INTERACTIONS, MINUTES_APART = 300, 6000, 7
GLOBAL_DAYS, SURVEY_DAYS, MAX_AGE = 3, 10, 25


def _reference(rules: list[dict[str, object]], opted: set[int]) -> tuple[Counter[str], int]:
    """The decisions the rules must produce, computed without the service's code."""
    counts: Counter[str] = Counter()
    last_any: dict[int, datetime] = {}
    last_survey: dict[tuple[int, int], datetime] = {}
    fatigue_days = {r["survey_id"]: r["fatigue"] for r in rules}
    invited = 0
    for k in range(INTERACTIONS):
        c = k % CUSTOMERS
        customer_id = c + 1
        touchpoint = ("hotline", "invoice", "store_sale")[k % 3]
        channel = "call_center" if k % 2 else "store"
        occurred = START + timedelta(minutes=k * MINUTES_APART)
        matching = [
            r for r in rules if r["touchpoint"] == touchpoint and r["channel"] in (None, channel)
        ]
        if not matching:
            counts["no_rule"] += 1
        for r in matching:
            planned = occurred + timedelta(minutes=int(r["delay"]))  # type: ignore[call-overload]
            if planned < NOW - timedelta(days=MAX_AGE):
                counts["too_old"] += 1
                continue
            if customer_id in opted:
                counts["opted_out"] += 1
                continue
            if c % 5 == 2:
                counts["no_consent"] += 1
                continue
            if c % 7 == 3:
                counts["no_email"] += 1
                continue
            digest = hashlib.sha256(f"{r['id']}:i{k}".encode()).digest()
            if int.from_bytes(digest[:8], "big") % 1_000_000 / 10_000 >= r["percent"]:  # type: ignore[operator]
                counts["sampled_out"] += 1
                continue
            send = planned
            if send.hour >= 21 or send.hour < 8:
                day = send.date() if send.hour < 8 else send.date() + timedelta(days=1)
                send = datetime.combine(day, time(8))
            previous = last_any.get(customer_id)
            if previous is not None and abs(send - previous) < timedelta(days=GLOBAL_DAYS):
                counts["fatigue_global"] += 1
                continue
            previous = last_survey.get((customer_id, r["survey_id"]))  # type: ignore[arg-type]
            days = fatigue_days[r["survey_id"]]
            if previous is not None and abs(send - previous) < timedelta(days=days):  # type: ignore[arg-type]
                counts["fatigue_survey"] += 1
                continue
            last_any[customer_id] = send
            last_survey[(customer_id, r["survey_id"])] = send  # type: ignore[index]
            counts["invited"] += 1
            invited += 1
    return counts, invited


def test_sampling_and_fatigue_give_exact_counts_over_thousands_of_interactions(
    sqlite_runtime: Runtime,
) -> None:
    rt = sqlite_runtime
    csat = publish(rt, "csat_call", CSAT_SURVEY, fatigue_days=SURVEY_DAYS)
    nps = publish(rt, "nps_rel", NPS_ONLY, fatigue_days=0)
    seed_customers_and_interactions(
        rt, CUSTOMERS, INTERACTIONS, start=START, minutes_apart=MINUTES_APART
    )
    triggers.update_trigger_settings(
        rt, {"global_fatigue_days": GLOBAL_DAYS, "max_age_days": MAX_AGE}
    )
    surveys_records.add_opt_out(rt.db, 10, None, START)
    surveys_records.add_opt_out(rt.db, None, "c11@example.test", START)
    made = [
        triggers.create_rule(
            rt,
            {
                "survey": "csat_call",
                "touchpoint": "hotline",
                "delay_minutes": 90,
                "sampling_percent": 50,
                "quiet_start": 21,
                "quiet_end": 8,
            },
        ),
        triggers.create_rule(
            rt,
            {
                "survey": "nps_rel",
                "touchpoint": "invoice",
                "channel": "call_center",
                "delay_minutes": 0,
                "sampling_percent": 30,
                "quiet_start": 21,
                "quiet_end": 8,
            },
        ),
        triggers.create_rule(
            rt,
            {
                "survey": "csat_call",
                "touchpoint": "invoice",
                "delay_minutes": 30,
                "sampling_percent": 100,
                "quiet_start": 21,
                "quiet_end": 8,
            },
        ),
    ]
    fatigue = {csat["id"]: SURVEY_DAYS, nps["id"]: 0}
    reference_rules = [
        {
            "id": r["id"],
            "survey_id": r["survey_id"],
            "touchpoint": r["touchpoint"],
            "channel": r["channel"],
            "delay": r["delay_minutes"],
            "percent": r["sampling_percent"],
            "fatigue": fatigue[r["survey_id"]],
        }
        for r in made
    ]
    expected, invited = _reference(reference_rules, opted={10, 12})

    counts = triggers.evaluate_triggers(rt, now=NOW, batch=1_000)

    assert counts == dict(expected)
    assert surveys_records.count_decisions(rt.db) == dict(expected)
    assert expected["invited"] > 200 and expected["sampled_out"] > 500
    assert expected["fatigue_global"] > 100 and expected["fatigue_survey"] > 10
    with rt.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM survey_invitations").scalar() == invited
        judged = conn.exec_driver_sql(
            "SELECT count(DISTINCT interaction_id) FROM survey_trigger_decisions"
        ).scalar()
        quiet = conn.exec_driver_sql(
            "SELECT count(*) FROM survey_invitations WHERE CAST(strftime('%H', send_after) AS INT) "
            "NOT BETWEEN 8 AND 20"
        ).scalar()
        linked = conn.exec_driver_sql(
            "SELECT count(*) FROM survey_trigger_decisions d JOIN survey_invitations i "
            "ON i.id = d.invitation_id AND i.interaction_id = d.interaction_id"
        ).scalar()
    assert judged == INTERACTIONS  # every interaction's decision is recorded
    assert quiet == 0  # nothing planned inside quiet hours
    assert linked == invited

    # a second run judges nothing again; the same data gives the same invitations
    assert triggers.evaluate_triggers(rt, now=NOW) == {}


def test_sampling_is_reproducible_and_close_to_the_percentage() -> None:
    from cxm.domain.surveys_triggers import TriggerRule, sampled_in

    rule = TriggerRule(id=7, survey_id=1, touchpoint="hotline", sampling_percent=25)
    first = [sampled_in(rule, f"x{i}") for i in range(20_000)]
    assert first == [sampled_in(rule, f"x{i}") for i in range(20_000)]
    assert 0.24 < sum(first) / len(first) < 0.26
    other = TriggerRule(id=8, survey_id=1, touchpoint="hotline", sampling_percent=25)
    assert first != [sampled_in(other, f"x{i}") for i in range(20_000)]


def test_rule_validation_names_the_field(sqlite_runtime: Runtime) -> None:
    import pytest

    from cxm.domain.errors import ValidationFailed

    publish(sqlite_runtime, "csat_call", CSAT_SURVEY)
    with pytest.raises(ValidationFailed) as caught:
        triggers.create_rule(sqlite_runtime, {"survey": "csat_call", "touchpoint": "nowhere"})
    assert caught.value.field == "touchpoint"
    with pytest.raises(ValidationFailed) as caught:
        triggers.create_rule(
            sqlite_runtime,
            {"survey": "csat_call", "touchpoint": "hotline", "sampling_percent": 140},
        )
    assert caught.value.field == "sampling_percent"


def test_a_second_evaluator_never_judges_the_same_batch_twice(sqlite_runtime: Runtime) -> None:
    import pytest

    rt = sqlite_runtime
    publish(rt, "csat_call", CSAT_SURVEY)
    seed_customers_and_interactions(rt, 5, 30, start=NOW - timedelta(days=1), minutes_apart=5)
    triggers.create_rule(rt, {"survey": "csat_call", "touchpoint": "hotline"})
    decision = {
        "interaction_id": 1,
        "rule_id": None,
        "survey_id": None,
        "decision": "skipped",
        "reason": "no_rule",
        "invitation_id": None,
        "decided_at": NOW,
    }
    surveys_records.fetch_state(rt.db)
    surveys_records.write_trigger_batch(rt.db, [], [dict(decision)], 0, 1)  # worker A
    with pytest.raises(surveys_records.WatermarkMoved):  # worker B read the old watermark
        surveys_records.write_trigger_batch(rt.db, [], [dict(decision)], 0, 1)
    assert surveys_records.count_decisions(rt.db) == {"no_rule": 1}
    counts = triggers.evaluate_triggers(rt, now=NOW)
    assert sum(counts.values()) == 29  # the rest, once
