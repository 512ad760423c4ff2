"""The Alembic migrations build exactly the schema the models describe, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cxm.config import Settings
from cxm.services.runtime import Runtime
from cxm.store.database import Database
from cxm.store.tables import Base


def test_migrations_match_models_on_each_backend(runtime: Runtime) -> None:
    with runtime.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(runtime: Runtime) -> None:
    runtime.db.upgrade()
    with runtime.db.read() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version is not None


def test_upgrade_keeps_pulse_answers_written_before_pulse_surveys(
    store_settings: Settings,
) -> None:
    db = Database(store_settings.resolved_database_url)
    try:
        for revision in ("0005", "0006", "0007"):  # every head before 0008
            db.upgrade(revision)
        with db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO pulse_rounds (title, opens_on, closes_on, created_at) "
                "VALUES ('Q1', '2025-01-01', '2025-03-31', '2025-01-01 08:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO pulse_answers (round_id, enps, serve, answered_on) "
                "VALUES (1, 9, 4, '2025-01-02')"
            )
        db.upgrade()
        with db.read() as conn:
            heads = {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
            answer = conn.exec_driver_sql("SELECT enps, answers FROM pulse_answers").one()
            kept = conn.exec_driver_sql("SELECT title, survey_id FROM pulse_rounds").one()
        assert "0008" in heads and tuple(answer) == (9, None) and tuple(kept) == ("Q1", None)
    finally:
        db.dispose()
