"""The demo shows the survey area with real numbers: published surveys, trigger rules with a
decision log, a funnel whose completions are stored responses with their touch-points and
dimensions, and the survey pages rendering them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_fixture import open_demo

from cxm.services.demo import DemoSummary
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer, funnel, triggers


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, DemoSummary]]:
    yield from open_demo(Path(tmp_path_factory.mktemp("survey-demo")))


def test_demo_has_live_surveys_rules_decisions_and_a_funnel(
    demo: tuple[Runtime, DemoSummary],
) -> None:
    rt, _ = demo
    surveys = {s["key"]: s for s in designer.list_surveys(rt)}
    assert set(surveys) == {
        "csat_hotline",
        "ces_order",
        "csat_technician",
        "nps_relationship",
        "employee_pulse",  # the employees' pulse, never sent to customers
    }
    assert surveys["employee_pulse"]["kind"] == "employee_pulse"
    assert all(s["status"] == "live" and s["current_version"] == 1 for s in surveys.values())
    nps = designer.get_survey(rt, "nps_relationship")["draft"]
    assert any(q["type"] == "emotion" for q in nps["questions"])
    assert len(triggers.list_rules(rt)) == 6
    log = triggers.list_decisions(rt, 10)
    assert log["counts"]["invited"] > 50 and log["counts"]["no_consent"] > 0
    totals = {r.survey: r for r in funnel.survey_funnel(rt) if r.total}
    for row in totals.values():
        assert row.invited >= row.opened >= row.started >= row.completed > 0
    hotline = totals["csat_hotline"]
    assert hotline.reminded > 0 and 0.2 < (hotline.response_rate or 0) < 0.9


def test_demo_survey_answers_are_responses_with_dimensions(
    demo: tuple[Runtime, DemoSummary],
) -> None:
    rt, _ = demo
    with rt.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT touchpoint, journey, department, channel, segment, answers, responded_at "
            "FROM responses WHERE external_id LIKE 'svy-%'"
        ).all()
    completed = sum(r.completed for r in funnel.survey_funnel(rt) if r.total)
    assert len(rows) == completed > 30
    assert all(r[0] and r[1] and r[2] and r[3] for r in rows)
    assert all(str(r[6]) < "2026-02" for r in rows)  # within the demo's own timeline
    assert sum('"feel"' in str(r[5]) for r in rows) > len(rows) // 2
