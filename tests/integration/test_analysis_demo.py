"""The analyses recover the planted effects of the demo company (small, seed 7): the
deteriorating touch-point is the only significant change and is dated at the release, the
faulty back-office department tops the pain points, the drop raises alerts once, and the
CLI prints the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_fixture import open_demo
from typer.testing import CliRunner

from cxm.cli.main import app
from cxm.services.analysis import alerts, changes, pain_points, significance, word_of_mouth
from cxm.services.demo import DemoSummary
from cxm.services.demo import effects as planted
from cxm.services.runtime import Runtime


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, DemoSummary]]:
    yield from open_demo(tmp_path_factory.mktemp("analysis-demo"))


@pytest.fixture(scope="module")
def rt(demo: tuple[Runtime, DemoSummary]) -> Runtime:
    return demo[0]


def test_change_scan_flags_only_the_deteriorating_touchpoint(rt: Runtime) -> None:
    scan = significance.change_scan(rt, planted.DETERIORATION_DATE, days=120)
    flagged = {(r.key, r.difference.metric) for r in scan.significant}
    assert {key for key, _ in flagged} == {planted.DETERIORATING_TOUCHPOINT}
    assert ("mobile_app_use", "nps") in flagged
    nps = next(r for r in scan.rows if r.key == "mobile_app_use" and r.difference.metric == "nps")
    assert nps.difference.difference is not None and nps.difference.difference < -25


def test_change_point_of_the_touchpoint_is_dated_at_the_release(rt: Runtime) -> None:
    found = changes.find_change_points(rt, metric="nps")
    assert [r.key for r in found.significant] == [planted.DETERIORATING_TOUCHPOINT]
    change = found.significant[0].change
    assert change is not None
    assert abs((change.at - planted.DETERIORATION_DATE).days) <= 7, change.at
    assert change.difference < -25
    # the CSAT mean (≈ 10 answers a week on the small demo) finds the same touch-point only
    by_csat = changes.find_change_points(rt, metric="csat")
    assert [r.key for r in by_csat.significant] == [planted.DETERIORATING_TOUCHPOINT]


def test_billing_tops_the_department_pain_points(rt: Runtime) -> None:
    result = pain_points.rank_pain(rt, "department")
    top = result.rows[0]
    assert top.key == planted.ERROR_DEPARTMENT
    assert top.nps is not None and top.nps_rest is not None and top.nps < top.nps_rest - 30
    assert top.nps_gain is not None and top.nps_gain == max(p.nps_gain or 0 for p in result.rows)
    assert top.money_at_risk > 0  # invoices carry amounts
    by_touchpoint = pain_points.rank_pain(rt, "touchpoint")
    assert {p.key for p in by_touchpoint.rows[:3]} & {"complaint", "invoice"}


def test_value_vs_rest_comparison_finds_billing_worse(rt: Runtime) -> None:
    result = significance.compare_groups(
        rt, significance.Group("billing", where={"department": ("billing",)})
    )
    by_metric = {d.metric: d for d in result.differences}
    for metric in ("nps", "csat_top2", "csat"):
        d = by_metric[metric]
        assert d.p_value is not None and d.p_value < 1e-6 and d.high is not None and d.high < 0


def test_alerts_are_raised_for_the_drop_and_only_once(rt: Runtime) -> None:
    first = alerts.evaluate_alerts(rt)
    assert first.raised > 0
    rows = alerts.list_alerts(rt)
    app_alerts = [a for a in rows if a["scope_key"] == "touchpoint=mobile_app_use"]
    assert app_alerts and all(a["period"] >= "2025-05-01" for a in app_alerts)
    assert all(a["value"] < a["limit_value"] for a in rows)
    assert alerts.evaluate_alerts(rt).raised == 0
    assert len(alerts.list_alerts(rt)) == len(rows)


def test_word_of_mouth_compares_heard_with_experienced(rt: Runtime) -> None:
    result = word_of_mouth.word_of_mouth(rt, "touchpoint")
    tested = [r for r in result.gaps.rows if r.difference.tested]
    assert tested, "some touch-points have both indirect and direct feedback"
    assert sum(v.indirect for v in result.volume) > 0
    assert sum(v.direct for v in result.volume) > sum(v.indirect for v in result.volume)


def test_cli_commands_print_json(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_DATA_DIR", str(Path(rt.settings.data_dir)))
    runner = CliRunner()
    out = runner.invoke(app, ["analyse", "pain-points", "--by", "department", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["key"] == "billing"
    out = runner.invoke(
        app, ["analyse", "changes", "--at", "2025-05-12", "--days", "120", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    assert {r["touchpoint"] for r in json.loads(out.output) if r["significant"]} == {
        "mobile_app_use"
    }
    out = runner.invoke(app, ["analyse", "compare", "--a", "department=billing"])
    assert out.exit_code == 0 and "nps" in out.output
    out = runner.invoke(app, ["analyse", "word-of-mouth"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["analyse", "alerts", "--list", "--format", "json"])
    assert out.exit_code == 0 and "alerts" in json.loads(out.output)
    out = runner.invoke(app, ["analyse", "scan", "touchpoint", "--metric", "bogus"])
    assert out.exit_code == 1 and "validation_failed" in out.output
