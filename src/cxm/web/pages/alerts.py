"""The Alerts page: control-chart breaches raised by the scheduler or `cxm analyse alerts`,
newest period first, with their scope, value and limit."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.services.analysis import alerts as alert_service
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import METRIC_NAMES, label
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
    trend_link: str


@dataclass(frozen=True)
class AlertsContext:
    alerts: tuple[AlertView, ...]


@router.get("/alerts", response_class=Response, include_in_schema=False)
async def alerts_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Reader
) -> Response:
    rows = await call_service(rt, alert_service.list_alerts, rt)
    taxonomy = rt.taxonomy
    views = []
    for a in rows:
        scope = dict(a["scope"])
        dimension, key = next(iter(scope.items()), ("", ""))
        digits = 1 if a["metric"] in ("nps", "csat_top2") else 2
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
                trend_link=f"/trends?dimension={dimension}&metric={a['metric']}&grain={a['grain']}&value={key}",
            )
        )
    chrome = build_chrome(request, principal, language, N_("Alerts"))
    return render(request, "alerts.html", chrome, AlertsContext(tuple(views)))
