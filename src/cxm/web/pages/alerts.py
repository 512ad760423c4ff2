"""The Alerts page: control-chart breaches raised by the scheduler or `cxm analyse alerts`,
newest period first, with their scope, value and limit; filtered by status, acknowledged or
closed one by one, and checked again on demand."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.services.analysis import alerts as alert_service
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import METRIC_NAMES, label, metric_digits
from cxm.web.pages.base import build_chrome, render

router = APIRouter()
Reader = Depends(require_roles("admin", "analyst"))
SEVERITY_NAMES = {"warning": N_("warning"), "critical": N_("critical")}
STATUS_NAMES = {"open": N_("open"), "acknowledged": N_("acknowledged"), "closed": N_("closed")}


@dataclass(frozen=True)
class AlertView:
    id: int
    metric: str
    scope: str
    period: str
    n: str
    value: str
    limit: str
    centre: str
    severity: str
    severity_key: str
    status: str
    status_key: str
    trend_link: str


@dataclass(frozen=True)
class AlertsContext:
    alerts: tuple[AlertView, ...]
    status: str  # the status shown, "" for all
    statuses: tuple[tuple[str, str], ...]
    evaluated: str  # what "check now" found, else ""


@router.get("/alerts", response_class=Response, include_in_schema=False)
async def alerts_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Reader
) -> Response:
    status = request.query_params.get("status") or None
    rows = await call_service(rt, alert_service.list_alerts, rt, status=status)
    taxonomy = rt.taxonomy
    views = []
    for a in rows:
        scope = dict(a["scope"])
        dimension, key = next(iter(scope.items()), ("", ""))
        digits = metric_digits(a["metric"])
        views.append(
            AlertView(
                id=a["id"],
                metric=i18n.gettext(language, METRIC_NAMES.get(a["metric"], a["metric"])),
                scope=label(taxonomy, dimension, key, language) if dimension else "—",
                period=a["period"][:7] if a["grain"] == "month" else a["period"],
                n=i18n.format_number(a["n"], language, 0),
                value=i18n.format_number(a["value"], language, digits),
                limit=i18n.format_number(a["limit_value"], language, digits),
                centre=i18n.format_number(a["centre"], language, digits),
                severity=i18n.gettext(language, SEVERITY_NAMES.get(a["severity"], a["severity"])),
                severity_key=a["severity"],
                status=i18n.gettext(language, STATUS_NAMES.get(a["status"], a["status"])),
                status_key=a["status"],
                trend_link=f"/trends?dimension={dimension}&metric={a['metric']}&grain={a['grain']}&value={key}",
            )
        )
    evaluated = ""
    if "raised" in request.query_params:
        evaluated = i18n.gettext(
            language, N_("Checked %(series)s series: %(raised)s new alerts.")
        ) % {
            "series": request.query_params.get("series", "0"),
            "raised": request.query_params.get("raised", "0"),
        }
    ctx = AlertsContext(
        alerts=tuple(views),
        status=status or "",
        statuses=tuple((k, i18n.gettext(language, n)) for k, n in STATUS_NAMES.items()),
        evaluated=evaluated,
    )
    chrome = build_chrome(request, principal, language, N_("Alerts"))
    return render(request, "alerts.html", chrome, ctx)


@router.post("/alerts/{alert_id}/status", include_in_schema=False)
async def change_status(
    rt: RuntimeDep,
    alert_id: int,
    status: str = Form(...),
    shown: str = Form(default=""),
    principal: Principal = Reader,
) -> Response:
    """Acknowledge or close one alert, back to the list as it was filtered."""
    await call_service(rt, alert_service.change_alert_status, rt, alert_id, status)
    query = f"?{urlencode({'status': shown})}" if shown else ""
    return RedirectResponse(f"/alerts{query}", status_code=303)


@router.post("/alerts/evaluate", include_in_schema=False)
async def evaluate_now(rt: RuntimeDep, principal: Principal = Reader) -> Response:
    run = await run_in_threadpool(alert_service.evaluate_alerts, rt)  # reads every series
    query = urlencode({"series": run.series, "raised": run.raised})
    return RedirectResponse(f"/alerts?{query}", status_code=303)
