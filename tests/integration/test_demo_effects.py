"""The three planted effects of the demo are revealed by the real metrics service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest
from demo_fixture import open_demo
from sqlalchemy import select

from cxm.domain.metrics import MetricQuery, MetricValue
from cxm.services import reports
from cxm.services.demo import DemoSummary, effects
from cxm.services.runtime import Runtime
from cxm.store.tables import Response

Demo = tuple[Runtime, DemoSummary]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from open_demo(tmp_path_factory.mktemp("demo"))


def _by_touchpoint(rt: Runtime, metric: str, **period: object) -> dict[str, MetricValue]:
    query = MetricQuery(
        metrics=(metric,), by=("touchpoint",), where={"source": ("survey",)}, **period
    )  # type: ignore[arg-type]
    report = reports.metric_report(rt, query)
    return {
        str(r.keys["touchpoint"]): r.values[metric] for r in report.rows if r.keys["touchpoint"]
    }


def test_app_touchpoint_nps_and_csat_drop_after_release_with_disjoint_intervals(demo: Demo) -> None:
    rt, summary = demo
    cut = effects.DETERIORATION_DATE
    tp = effects.DETERIORATING_TOUCHPOINT
    for metric, min_drop in (("nps", 20.0), ("csat", 0.3)):
        before = _by_touchpoint(rt, metric, since=summary.date_from, until=cut - timedelta(days=1))[
            tp
        ]
        after = _by_touchpoint(rt, metric, since=cut, until=summary.date_to)[tp]
        assert not before.insufficient and not after.insufficient
        assert before.value - after.value >= min_drop, (metric, before, after)
        assert after.high < before.low, (metric, before, after)


def _z(before: MetricValue, after: MetricValue) -> float:
    """How many standard errors apart two values are (margins are 95 % half-widths)."""
    se = ((before.margin or 0) ** 2 + (after.margin or 0) ** 2) ** 0.5 / 1.96
    return abs((before.value or 0) - (after.value or 0)) / se


def test_other_touchpoints_stay_stable_around_release_date(demo: Demo) -> None:
    rt, summary = demo
    cut = effects.DETERIORATION_DATE
    before = _by_touchpoint(rt, "nps", since=summary.date_from, until=cut - timedelta(days=1))
    after = _by_touchpoint(rt, "nps", since=cut, until=summary.date_to)
    app = effects.DETERIORATING_TOUCHPOINT
    drop = (before[app].value or 0) - (after[app].value or 0)
    assert _z(before[app], after[app]) > 6
    compared = 0
    for tp, b in before.items():
        a = after.get(tp)
        if tp == app or a is None or a.insufficient or b.insufficient:
            continue
        compared += 1
        # ~20 comparisons: a Bonferroni-style bound keeps pure noise from failing the test
        assert _z(b, a) < 3.5, (tp, b, a)
        assert abs((b.value or 0) - (a.value or 0)) < 0.6 * drop, (tp, b.value, a.value)
    assert compared >= 10


def test_reliability_dominates_relationship_nps(demo: Demo) -> None:
    rt, _ = demo
    with rt.db.read() as conn:
        rows = conn.execute(
            select(Response.nps, Response.answers).where(
                Response.source == "survey",
                Response.interaction_id.is_(None),
                Response.nps.is_not(None),
            )
        ).all()
    attrs = effects.RELATIONSHIP_ATTRIBUTES
    rows = [r for r in rows if r.answers and all(a in r.answers for a in attrs)]
    assert len(rows) > 500
    x = np.array([[r.answers[a] for a in attrs] for r in rows], dtype=float)
    y = np.array([r.nps for r in rows], dtype=float)
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    ys = (y - y.mean()) / y.std()
    beta = np.linalg.lstsq(np.column_stack([np.ones(len(y)), xs]), ys, rcond=None)[0][1:]
    corr = np.array([np.corrcoef(x[:, i], y)[0, 1] for i in range(len(attrs))])
    top = attrs.index(effects.DOMINANT_DRIVER)
    others = [i for i in range(len(attrs)) if i != top]
    assert beta[top] > 2.5 * beta[others].max(), dict(zip(attrs, beta, strict=True))
    assert corr[top] > 2.5 * corr[others].max(), dict(zip(attrs, corr, strict=True))
    # the dominant driver alone explains most of what all attributes explain together
    r2_all = 1 - np.sum((ys - xs @ beta) ** 2) / np.sum(ys**2)
    assert corr[top] ** 2 > 0.75 * r2_all


def test_billing_tops_complaints_and_has_the_lowest_department_nps(demo: Demo) -> None:
    rt, _ = demo
    complaints = reports.metric_report(
        rt,
        MetricQuery(
            metrics=("csat",), by=("department",), where={"transaction_type": ("complaint",)}
        ),
    )
    counts = {str(r.keys["department"]): r.n for r in complaints.rows}
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)
    assert ranked[0] == effects.ERROR_DEPARTMENT
    assert counts[ranked[0]] > 2 * counts[ranked[1]], counts

    by_dept = reports.metric_report(rt, MetricQuery(metrics=("nps",), by=("department",)))
    nps = {str(r.keys["department"]): r.values["nps"] for r in by_dept.rows}
    worst = min((v.value, d) for d, v in nps.items() if not v.insufficient)[1]
    assert worst == effects.ERROR_DEPARTMENT
    runner_up = min(v.value for d, v in nps.items() if d != worst and not v.insufficient)
    assert nps[worst].high < runner_up, (nps[worst], runner_up)


def test_billing_has_the_highest_detractor_share(demo: Demo) -> None:
    rt, _ = demo
    with rt.db.read() as conn:
        rows = conn.execute(
            select(Response.department, Response.nps).where(Response.nps.is_not(None))
        ).all()
    shares: dict[str, list[int]] = {}
    for dept, score in rows:
        shares.setdefault(dept, []).append(score <= 6)
    share = {d: sum(v) / len(v) for d, v in shares.items() if len(v) >= 50}
    ranked = sorted(share, key=share.__getitem__, reverse=True)
    assert ranked[0] == effects.ERROR_DEPARTMENT
    assert share[ranked[0]] - share[ranked[1]] > 0.08, share
