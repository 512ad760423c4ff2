"""Fixtures of the integration tests shared across modules: the Spark engine (PySpark in
local mode over a mirror directory; one SparkSession for the whole test session)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from cxm import analytics
from cxm.config import Settings
from cxm.services.runtime import Runtime
from pg_helpers import fresh_schema
from settings_helpers import make_settings


@pytest.fixture(scope="session")
def spark_engine() -> Callable[[Settings], analytics.Engine]:
    """A factory: the Spark engine over the mirror of the given settings. Skips visibly
    when the optional ``spark`` extra is not installed."""
    pytest.importorskip("pyspark", reason="install the optional extra: pip install -e '.[spark]'")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    def make(settings: Settings) -> analytics.Engine:
        spark = settings.model_copy(update={"analytics_engine": "spark"})
        engine = analytics.connect(spark)
        assert engine.name == "spark"
        return engine

    return make


@pytest.fixture(scope="module")
def demo_on_postgres(
    pg_base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    """The small demo company loaded into a fresh PostgreSQL schema, its mirror built: the
    same data for every engine (PostgreSQL read directly, DuckDB and Spark over the mirror)."""
    from cxm.services.demo import generate_demo
    from cxm.services.runtime import open_runtime

    with fresh_schema(pg_base_url, "x") as url:
        rt = open_runtime(make_settings(tmp_path_factory.mktemp("engines"), url))
        try:
            generate_demo(rt, "small", seed=7)
            yield rt
        finally:
            rt.close()
            analytics.reset_engines()
