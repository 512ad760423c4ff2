"""Alerts from control charts: every series (a metric per value of a dimension per month)
whose value fell below its lower control limit raises one alert record; the same breach
(metric, scope, grain, period) is never raised twice. Run by the server's scheduler and by
``cxm analyse alerts``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cxm.domain.errors import NotFound, ValidationFailed
from cxm.domain.significance import TestedMetric
from cxm.services.analysis.changes import control_charts
from cxm.services.runtime import Runtime
from cxm.store import alerts as alert_store

ALERT_DIMENSIONS = ("touchpoint", "department")
ALERT_METRICS: tuple[TestedMetric, ...] = ("nps", "csat_top2", "ces")
ALERT_GRAIN = "month"
#: Beyond this many standard errors below the centre a breach is critical.
CRITICAL_Z = -4.0
STATUSES = alert_store.ALERT_STATUSES
#: How often the server checks the control limits (the scheduler waits this long first).
ALERT_INTERVAL_SECONDS = 900.0


@dataclass(frozen=True)
class AlertRun:
    series: int
    breaches: int
    raised: int


def scope_key(scope: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(scope.items()))


def evaluate_alerts(
    rt: Runtime,
    *,
    dimensions: tuple[str, ...] = ALERT_DIMENSIONS,
    metrics: tuple[TestedMetric, ...] = ALERT_METRICS,
    grain: str = ALERT_GRAIN,
) -> AlertRun:
    """Check every series against its control limits and store the new breaches."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows: list[dict[str, Any]] = []
    series_count = 0
    for dimension in dimensions:
        for metric in metrics:
            for series in control_charts(rt, dimension=dimension, metric=metric, grain=grain):
                if series.key is None:
                    continue
                series_count += 1
                scope = {dimension: series.key}
                for point in series.breaches:
                    assert point.value is not None and point.lower is not None
                    assert point.centre is not None
                    z = point.z
                    rows.append(
                        {
                            "metric": metric,
                            "scope_key": scope_key(scope),
                            "scope": scope,
                            "grain": grain,
                            "period": point.period,
                            "n": point.n,
                            "value": point.value,
                            "centre": point.centre,
                            "limit_value": point.lower,
                            "severity": "critical"
                            if z is not None and z <= CRITICAL_Z
                            else "warning",
                            "status": "open",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
    raised = alert_store.insert_new_alerts(rt.db, rows)
    return AlertRun(series=series_count, breaches=len(rows), raised=raised)


def list_alerts(
    rt: Runtime, *, status: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Stored alerts, newest period first, as JSON-ready dicts."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"unknown status '{status}' ({', '.join(STATUSES)})", field="status")
    out = []
    for row in alert_store.select_alerts(rt.db, status=status, limit=limit):
        out.append(
            {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}
        )
    return out


def change_alert_status(rt: Runtime, alert_id: int, status: str) -> None:
    if status not in STATUSES:
        raise ValidationFailed(f"unknown status '{status}' ({', '.join(STATUSES)})", field="status")
    now = datetime.now(UTC).replace(tzinfo=None)
    if not alert_store.set_alert_status(rt.db, alert_id, status, now):
        raise NotFound(f"no alert {alert_id}")
