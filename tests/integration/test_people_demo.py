"""The demo's people area: ideas in every state, and the implemented idea that targets the
deteriorating app touch-point shows the planted drop after its implementation day."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_fixture import open_demo

from cxm.domain.people import IDEA_STATUSES
from cxm.services import auth
from cxm.services.demo import DemoSummary
from cxm.services.demo.effects import DETERIORATING_TOUCHPOINT, DETERIORATION_DATE
from cxm.services.people import ideas, news, pulse, pulse_rounds, training
from cxm.services.runtime import Runtime


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, DemoSummary]]:
    yield from open_demo(tmp_path_factory.mktemp("people-demo"))


def test_demo_has_ideas_in_every_state_training_pulse_and_news(
    demo: tuple[Runtime, DemoSummary],
) -> None:
    rt, _ = demo
    analyst = auth.authenticate_password(rt, "analityk", "demo-analyst")
    assert analyst is not None
    statuses = {i.status for i in ideas.list_ideas(rt, analyst)}
    assert statuses == set(IDEA_STATUSES)
    coverage = {c.department: c for c in training.coverage(rt)}
    assert coverage["accounting"].back_office and not coverage["sales"].back_office
    assert all(c.employees > 0 for c in coverage.values())
    rounds = pulse_rounds.list_rounds(rt)
    assert rounds and rounds[0].answers >= 100
    result = pulse.pulse_results(rt, analyst, rounds[0].id, by="department")
    assert not result.total.suppressed and result.total.n == rounds[0].answers
    assert len(news.list_news(rt)) >= 3


def test_implemented_app_idea_shows_the_measured_drop_after_its_date(
    demo: tuple[Runtime, DemoSummary],
) -> None:
    rt, _ = demo
    done = news.implemented_ideas(rt)
    app = next(i for i in done if DETERIORATING_TOUCHPOINT in i.touchpoints)
    assert app.implemented_on == DETERIORATION_DATE
    outcome = app.outcome
    assert outcome is not None and outcome.measurable
    assert outcome.after[0] == DETERIORATION_DATE
    assert outcome.before[1] is not None and outcome.before[1] < DETERIORATION_DATE
    nps, _top2, csat = outcome.differences
    # the planted shift lowers the touch-point's NPS by about 40 points, CSAT by about 0.6
    assert nps.difference is not None and nps.high is not None and nps.low is not None
    assert -60 < nps.difference < -25 and nps.high < 0 and nps.low < nps.difference
    assert nps.n_a >= 30 and nps.n_b >= 30
    assert csat.difference is not None and -1.0 < csat.difference < -0.3
    assert csat.high is not None and csat.high < 0


def test_the_author_sees_the_measured_change_on_the_idea(
    demo: tuple[Runtime, DemoSummary],
) -> None:
    rt, _ = demo
    author = auth.authenticate_password(rt, "pracownik", "demo-employee")
    assert author is not None
    mine = ideas.list_ideas(rt, author, mine=True, status="implemented")
    assert len(mine) == 1
    view = ideas.get_idea(rt, author, mine[0].id)
    assert view.target_touchpoints == (DETERIORATING_TOUCHPOINT,)
    assert any(n for n in view.events if n.to_status == "implemented")
