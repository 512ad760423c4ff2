"""Analytics as Ibis expressions: query specs (frozen dataclasses) → expressions → result
dataclasses, run on DuckDB over the Parquet mirror (default) or PostgreSQL. One module per
analysis; ``engine`` holds the connections."""

from cxm.analytics.engine import Engine, connect, reset_engines
from cxm.analytics.metrics import compile_sql, compute_metric_report, metric_expression

__all__ = [
    "Engine",
    "compile_sql",
    "compute_metric_report",
    "connect",
    "metric_expression",
    "reset_engines",
]
