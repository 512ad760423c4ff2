"""The demo company's data: complete dimensions, all departments, comments consistent with
language and scores, determinism by seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from demo_fixture import open_demo
from sqlalchemy import case, func, select

from cxm.analytics import reset_engines
from cxm.domain.dimensions import SEVEN_DIMENSIONS
from cxm.domain.errors import ValidationFailed
from cxm.domain.metrics import MetricQuery
from cxm.services import reports
from cxm.services.demo import (
    DemoSummary,
    effects,
    existing_demo,
    generate_demo,
    write_demo_source,
)
from cxm.services.demo.comments import comment_catalogue
from cxm.services.runtime import Runtime, open_runtime
from cxm.store.tables import Customer, Employee, Interaction, Response
from settings_helpers import make_settings

Demo = tuple[Runtime, DemoSummary]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from open_demo(tmp_path_factory.mktemp("demo"))


def test_every_generated_row_is_imported_without_rejects(demo: Demo) -> None:
    rt, summary = demo
    assert summary.rejected == 0
    assert summary.imported == summary.counts
    assert 4_000 <= summary.counts["customers"] <= 6_000
    assert summary.counts["interactions"] > 2.5 * summary.counts["responses"] > 30_000
    with rt.db.read() as conn:
        for table in (Customer, Employee, Interaction, Response):
            query = select(func.count()).select_from(table)
            if table is Response:  # answers to the demo's surveys come on top (demo/surveys.py)
                query = query.where(Response.external_id.not_like("svy-%"))
            n = conn.execute(query).scalar()
            assert n == summary.counts[table.__tablename__]


def test_every_response_and_interaction_carries_all_seven_dimensions(demo: Demo) -> None:
    rt, _ = demo
    with rt.db.read() as conn:
        for table in (Interaction, Response):
            for dim in SEVEN_DIMENSIONS:
                missing = conn.execute(
                    select(func.count()).select_from(table).where(getattr(table, dim).is_(None))
                ).scalar()
                assert missing == 0, (table.__tablename__, dim)
        tx_without_touchpoint = conn.execute(
            select(func.count()).where(
                Response.interaction_id.is_not(None), Response.touchpoint.is_(None)
            )
        ).scalar()
        assert tx_without_touchpoint == 0


def test_values_are_taxonomy_keys_and_employees_cover_every_department(demo: Demo) -> None:
    rt, _ = demo
    taxonomy = rt.taxonomy
    with rt.db.read() as conn:
        for dim in (*SEVEN_DIMENSIONS, "touchpoint"):
            used = {v for (v,) in conn.execute(select(getattr(Response, dim)).distinct()) if v}
            assert used <= set(taxonomy.keys(dim)), dim
        departments = {v for (v,) in conn.execute(select(Employee.department).distinct())}
        roles = {v for (v,) in conn.execute(select(Employee.role).distinct())}
        english = conn.execute(
            select(func.avg(case((Customer.language == "en", 1.0), else_=0.0)))
        ).scalar()
    assert departments == set(taxonomy.keys("department"))
    assert set(taxonomy.back_office_departments()) <= departments
    assert {"director", "manager", "team_lead", "agent", "specialist"} <= roles
    assert 0.1 < english < 0.2


def test_comments_match_language_and_score_sentiment(demo: Demo) -> None:
    rt, _ = demo
    catalogue = comment_catalogue()
    with rt.db.read() as conn:
        rows = conn.execute(
            select(
                Response.comment,
                Response.language,
                Response.nps,
                Response.csat,
                Response.department,
                Response.transaction_type,
            ).where(Response.comment.is_not(None), Response.external_id.not_like("svy-%"))
        ).all()
    assert len(rows) > 3_000
    languages = {row.language for row in rows}
    assert languages == {"pl", "en"}
    billing_topics = []
    for row in rows:
        language, topic, sentiment = catalogue[row.comment]
        assert language == row.language
        if row.nps is not None:
            expected = "neg" if row.nps <= 6 else "neu" if row.nps <= 8 else "pos"
        elif row.csat is not None:
            expected = "neg" if row.csat <= 2 else "neu" if row.csat == 3 else "pos"
        else:
            continue
        assert sentiment == expected, (row.comment, row.nps, row.csat)
        if row.department == effects.ERROR_DEPARTMENT and row.transaction_type == "complaint":
            billing_topics.append(topic)
    assert billing_topics
    assert billing_topics.count("billing_error") > 0.7 * len(billing_topics)


def test_same_seed_gives_same_files_and_other_seed_differs(demo: Demo, tmp_path: Path) -> None:
    rt, _ = demo
    a = write_demo_source(rt.taxonomy, tmp_path / "a", "small", seed=11)
    b = write_demo_source(rt.taxonomy, tmp_path / "b", "small", seed=11)
    c = write_demo_source(rt.taxonomy, tmp_path / "c", "small", seed=12)
    first = pq.read_table(a.files["responses"][0])
    assert first.equals(pq.read_table(b.files["responses"][0]))
    assert not first.equals(pq.read_table(c.files["responses"][0]))
    assert a.counts == b.counts


def test_unknown_size_is_refused_before_anything_is_written(demo: Demo) -> None:
    rt, _ = demo
    with pytest.raises(ValidationFailed) as info:
        generate_demo(rt, "huge")
    assert info.value.field == "size"
    marker = existing_demo(rt)
    assert marker is not None and (marker.size, marker.seed) == ("small", 7)


@pytest.mark.postgres
def test_demo_on_postgres_imports_everything_and_reveals_billing(
    pg_url: str, tmp_path: Path
) -> None:
    rt = open_runtime(make_settings(tmp_path / "cxm-data", pg_url))
    try:
        summary = generate_demo(rt, "small", seed=7)
        assert summary.rejected == 0 and summary.imported == summary.counts
        report = reports.metric_report(rt, MetricQuery(metrics=("nps",), by=("department",)))
        nps = {r.keys["department"]: r.values["nps"].value for r in report.rows}
        assert min(nps, key=lambda d: nps[d] if nps[d] is not None else 1e9) == "billing"
        assert existing_demo(rt) is not None
    finally:
        rt.close()
        reset_engines()
