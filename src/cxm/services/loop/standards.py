"""Service standards: defining them, measuring compliance from the data (the analytics
engine over the mirror for responses and interactions; the system of record for the
case-based ones, whose table is small and not mirrored), keeping the monthly results for
compliance over time, and raising a breach (a case for the owning department plus the
``standard.breached`` notification) once per standard, scope value and month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from cxm import analytics
from cxm.analytics.standards import MeasureQuery, compute_measures, latest_time
from cxm.domain import loop as loop_domain
from cxm.domain.errors import NotFound, ValidationFailed
from cxm.domain.loop_standards import STANDARD_KINDS, Standard, complies, validate_standard
from cxm.services.loop.clock import utc_now
from cxm.services.mirror import ensure_fresh
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls

HISTORY_MONTHS = 12
RESPONSE_KINDS = ("min_csat", "min_nps")
INTERACTION_KINDS = ("response_time", "first_contact_resolution")
CASE_KINDS = ("case_sla", "checklist_completion")


@dataclass(frozen=True)
class Compliance:
    standard: Standard
    scope_value: str
    value: float | None
    n: int
    met: bool | None


@dataclass(frozen=True)
class StandardsRun:
    as_of: datetime
    standards: int
    results: int
    current: tuple[Compliance, ...]
    breaches: int
    seconds: float


def _standard(row: Any) -> Standard:
    return Standard(
        row.id, row.key, row.name_pl, row.name_en, row.kind, row.scope_dimension,
        row.scope_value, row.target, row.window_days, row.percentile, row.min_n,
    )  # fmt: skip


def load_standards(rt: Runtime, *, active_only: bool = True) -> list[Standard]:
    query = select(ls.STANDARDS).order_by(ls.STANDARDS.c.id)
    if active_only:
        query = query.where(ls.STANDARDS.c.active.is_(True))
    with rt.db.read() as conn:
        return [_standard(r) for r in conn.execute(query)]


def add_standard(
    rt: Runtime,
    key: str,
    kind: str,
    target: float,
    *,
    scope_dimension: str = "department",
    scope_value: str | None = None,
    name_pl: str | None = None,
    name_en: str | None = None,
    window_days: int = 30,
    percentile: float = 0.9,
    min_n: int = 10,
    now: datetime | None = None,
) -> int:
    validate_standard(kind, scope_dimension, target, window_days, percentile)
    if scope_value is not None and scope_value not in rt.taxonomy.keys(scope_dimension):
        raise ValidationFailed(f"unknown {scope_dimension} '{scope_value}'", field="scope_value")
    with rt.db.write() as conn:
        if conn.execute(select(ls.STANDARDS.c.id).where(ls.STANDARDS.c.key == key)).first():
            raise ValidationFailed(f"a standard '{key}' exists", field="key")
        result = conn.execute(
            ls.STANDARDS.insert().values(
                key=key,
                name_pl=name_pl or key,
                name_en=name_en or key,
                kind=kind,
                scope_dimension=scope_dimension,
                scope_value=scope_value,
                target=target,
                window_days=window_days,
                percentile=percentile,
                min_n=min_n,
                active=True,
                created_at=now or utc_now(),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


DEFAULT_STANDARDS = (
    ("csat_department", "Minimalny CSAT działu", "Minimum CSAT per department", "min_csat", 3.4),
    ("nps_department", "Minimalny NPS działu", "Minimum NPS per department", "min_nps", -10.0),
    ("handling_time_p90", "Czas obsługi (p90) ≤ 20 min", "Handling time p90 ≤ 20 min",
     "response_time", 1200.0),
    ("fcr_department", "Rozwiązanie przy pierwszym kontakcie ≥ 75%",
     "First-contact resolution ≥ 75%", "first_contact_resolution", 0.75),
    ("case_sla_department", "Sprawy w terminie SLA ≥ 90%", "Cases within SLA ≥ 90%",
     "case_sla", 0.9),
    ("checklist_department", "Procedura wykonana ≥ 95%", "Procedure completed ≥ 95%",
     "checklist_completion", 0.95),
)  # fmt: skip


def install_default_standards(rt: Runtime, *, now: datetime | None = None) -> int:
    for key, pl, en, kind, target in DEFAULT_STANDARDS:
        add_standard(rt, key, kind, target, name_pl=pl, name_en=en, now=now)
    return len(DEFAULT_STANDARDS)


def set_standard_active(rt: Runtime, standard_id: int, active: bool) -> None:
    with rt.db.write() as conn:
        if not conn.execute(
            ls.STANDARDS.update().where(ls.STANDARDS.c.id == standard_id).values(active=active)
        ).rowcount:
            raise NotFound(f"no standard {standard_id}")


# --- measuring ---------------------------------------------------------------------------------
def _month_start(day: datetime) -> datetime:
    return datetime(day.year, day.month, 1)


def _months_back(day: datetime, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1)


def _value(standard: Standard, row: dict[str, Any]) -> tuple[float | None, int]:
    kind = standard.kind
    if kind == "min_csat":
        return row.get("csat_mean"), int(row.get("csat_n") or 0)
    if kind == "min_nps":
        n = int(row.get("nps_n") or 0)
        if not n:
            return None, 0
        return 100.0 * (float(row["promoters"]) - float(row["detractors"])) / n, n
    if kind == "response_time":
        return row.get(f"p{round(standard.percentile * 100)}"), int(row.get("time_n") or 0)
    if kind == "first_contact_resolution":
        n = int(row.get("fcr_n") or 0)
        return (float(row["fcr_resolved"]) / n if n else None), n
    if kind == "case_sla":
        n = int(row.get("resolved") or 0)
        return (row["in_sla"] / n if n else None), n
    n = int(row.get("closed") or 0)
    return (row["complete"] / n if n else None), n


def _case_measures(
    rt: Runtime, dimension: str, since: datetime, until: datetime, monthly: bool
) -> list[dict[str, Any]]:
    c = ls.CASES.c
    query = select(c[dimension], c.resolved_at, c.resolution_due, c.closed_at, c.checklist).where(
        c.resolved_at >= since, c.resolved_at < until, c[dimension].is_not(None)
    )
    cells: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {"resolved": 0, "in_sla": 0, "closed": 0, "complete": 0}
    )
    with rt.db.read() as conn:
        for value, resolved_at, due, closed_at, checklist in conn.execute(query):
            key = (value, _month_start(resolved_at).date()) if monthly else (value,)
            cell = cells[key]
            cell["resolved"] += 1
            cell["in_sla"] += resolved_at <= due
            if closed_at is not None:
                cell["closed"] += 1
                cell["complete"] += loop_domain.checklist_complete((checklist or {}).get("items"))
    return [
        {"scope_value": k[0], **({"period": k[1]} if monthly else {}), **v}
        for k, v in cells.items()
    ]


def _measures(
    rt: Runtime, standards: list[Standard], since: datetime, until: datetime, monthly: bool
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(table, dimension) → measure rows, one query per pair that a standard needs."""
    needed: dict[tuple[str, str], set[float]] = defaultdict(set)
    for s in standards:
        table = (
            "responses" if s.kind in RESPONSE_KINDS
            else "interactions" if s.kind in INTERACTION_KINDS else "cases"
        )  # fmt: skip
        needed[(table, s.scope_dimension)].add(s.percentile)
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    engine = None
    for (table, dimension), percentiles in needed.items():
        if table == "cases":
            out[(table, dimension)] = _case_measures(rt, dimension, since, until, monthly)
            continue
        engine = engine or analytics.connect(rt.settings)
        query = MeasureQuery(table, dimension, since, until, monthly, tuple(sorted(percentiles)))
        out[(table, dimension)] = compute_measures(engine, query)
    return out


def _table_of(kind: str) -> str:
    if kind in RESPONSE_KINDS:
        return "responses"
    return "interactions" if kind in INTERACTION_KINDS else "cases"


def as_of_time(rt: Runtime, now: datetime | None) -> datetime:
    """``now``; without it, the current time — or the data's last day when the data end
    earlier (a historical import), so that windows hold data."""
    if now is not None:
        return now
    current = utc_now()
    try:
        latest = latest_time(analytics.connect(rt.settings), "responses")
    except Exception:  # no mirror yet: nothing to measure anyway
        return current
    return min(current, latest + timedelta(seconds=1)) if latest else current


def evaluate_standards(
    rt: Runtime, *, now: datetime | None = None, raise_breaches: bool = True
) -> StandardsRun:
    """Measure every active standard: monthly results for the last 12 months (stored) and
    the trailing window (breaches raised)."""
    import time

    started = time.perf_counter()
    standards = load_standards(rt)
    if not standards:
        return StandardsRun(now or utc_now(), 0, 0, (), 0, 0.0)
    ensure_fresh(rt)
    as_of = as_of_time(rt, now)
    history_since = _months_back(as_of, HISTORY_MONTHS - 1)
    monthly = _measures(rt, standards, history_since, as_of, True)
    results = []
    for s in standards:
        for row in monthly[(_table_of(s.kind), s.scope_dimension)]:
            if s.scope_value is not None and row["scope_value"] != s.scope_value:
                continue
            value, n = _value(s, row)
            met = complies(s, value) if n >= s.min_n else None
            results.append((s.id, str(row["scope_value"]), row["period"], n, value, met))
    current: list[Compliance] = []
    for window in sorted({s.window_days for s in standards}):
        group = [s for s in standards if s.window_days == window]
        rows = _measures(rt, group, as_of - timedelta(days=window), as_of, False)
        for s in group:
            for row in rows[(_table_of(s.kind), s.scope_dimension)]:
                if s.scope_value is not None and row["scope_value"] != s.scope_value:
                    continue
                value, n = _value(s, row)
                met = complies(s, value) if n >= s.min_n else None
                current.append(Compliance(s, str(row["scope_value"]), value, n, met))
    _store_results(rt, results, history_since.date(), as_of)
    breaches = 0
    if raise_breaches:
        from cxm.services.loop.breaches import raise_breaches as raise_standard_breaches

        breaches = raise_standard_breaches(rt, [c for c in current if c.met is False], as_of)
    return StandardsRun(
        as_of, len(standards), len(results), tuple(current), breaches,
        time.perf_counter() - started,
    )  # fmt: skip


def _store_results(
    rt: Runtime, results: list[tuple[int, str, date, int, float | None, bool | None]],
    since: date, now: datetime,
) -> None:  # fmt: skip
    r = ls.RESULTS.c
    ids = sorted({row[0] for row in results})
    with rt.db.write() as conn:
        if ids:
            conn.execute(ls.RESULTS.delete().where(r.standard_id.in_(ids), r.period >= since))
        if results:
            conn.execute(
                ls.RESULTS.insert(),
                [
                    {
                        "standard_id": sid,
                        "scope_value": scope,
                        "period": period,
                        "n": n,
                        "value": value,
                        "met": met,
                        "evaluated_at": now,
                    }
                    for sid, scope, period, n, value, met in results
                ],
            )


def compliance_history(
    rt: Runtime, *, standard_id: int | None = None, scope_value: str | None = None
) -> list[dict[str, Any]]:
    r, s = ls.RESULTS.c, ls.STANDARDS.c
    query = (
        select(ls.RESULTS, s.key, s.kind, s.name_pl, s.name_en, s.scope_dimension, s.target)
        .join(ls.STANDARDS, s.id == r.standard_id)
        .order_by(s.id, r.scope_value, r.period)
    )
    if standard_id is not None:
        query = query.where(r.standard_id == standard_id)
    if scope_value is not None:
        query = query.where(r.scope_value == scope_value)
    with rt.db.read() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def kinds() -> dict[str, tuple[str, str]]:
    return dict(STANDARD_KINDS)
