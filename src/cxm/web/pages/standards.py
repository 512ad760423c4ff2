"""The Standards page: service standards, their latest compliance per department (or
touch-point, channel), and compliance over time as a Plotly chart (one line per scope value
and the target). Admins add a standard and measure compliance now (as ``POST
/api/v1/standards`` and ``/standards/evaluate`` do)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.domain.access import Principal
from cxm.domain.loop_standards import STANDARD_KINDS, STANDARD_SCOPES
from cxm.services.loop import standards as standard_service
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import Option, dimension_name

router = APIRouter()
Reader = Depends(require_roles("admin", "analyst", "manager"))
Admin = Depends(require_roles("admin"))
KIND_NAMES = {
    "response_time": N_("Handling time percentile (s)"),
    "first_contact_resolution": N_("First-contact resolution"),
    "min_csat": N_("Minimum CSAT"),
    "min_nps": N_("Minimum NPS"),
    "case_sla": N_("Cases within SLA"),
    "checklist_completion": N_("Procedure checklist completed"),
}


@dataclass(frozen=True)
class StandardOption:
    id: int
    name: str
    kind: str
    target: str
    window_days: int
    selected: bool


@dataclass(frozen=True)
class ComplianceRow:
    scope: str
    period: str
    value: str
    n: int
    met: bool | None


@dataclass(frozen=True)
class StandardsContext:
    standards: tuple[StandardOption, ...]
    latest: tuple[ComplianceRow, ...]
    met_share: str
    figure: dict[str, Any]
    can_edit: bool
    kinds: tuple[Option, ...]
    scopes: tuple[Option, ...]
    message: str | None


def _fmt(value: float | None, kind: str, language: str) -> str:
    if value is None:
        return "—"
    if STANDARD_KINDS[kind][1] == "share":
        return i18n.format_number(100 * value, language, 1) + "%"
    return i18n.format_number(value, language, 1)


@router.get("/standards", response_class=Response, include_in_schema=False)
async def standards_page(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Reader,
    standard: int | None = None,
) -> Response:
    defined = await call_service(rt, standard_service.load_standards, rt)
    chosen = next((s for s in defined if s.id == standard), defined[0] if defined else None)
    rows = (
        await call_service(rt, standard_service.compliance_history, rt, standard_id=chosen.id)
        if chosen
        else []
    )
    scope = principal.department_scope
    if chosen is not None and chosen.scope_dimension == "department" and scope is not None:
        rows = [r for r in rows if r["scope_value"] in scope]
    labels = rt.taxonomy.labels(chosen.scope_dimension, language) if chosen else {}
    newest: dict[str, dict[str, Any]] = {}
    for r in rows:  # ordered by period: the last one per scope value wins
        newest[r["scope_value"]] = r
    latest = list(newest.values())
    measured = [r for r in latest if r["met"] is not None]
    ctx = StandardsContext(
        standards=tuple(
            StandardOption(
                s.id,
                s.name(language),
                i18n.gettext(language, KIND_NAMES[s.kind]),
                _fmt(s.target, s.kind, language),
                s.window_days,
                chosen is not None and s.id == chosen.id,
            )
            for s in defined
        ),
        latest=tuple(
            ComplianceRow(
                labels.get(r["scope_value"], r["scope_value"]),
                str(r["period"])[:7],
                _fmt(r["value"], r["kind"], language),
                r["n"],
                r["met"],
            )
            for r in sorted(latest, key=lambda r: str(r["scope_value"]))
        ),
        met_share=(
            i18n.format_number(
                100 * sum(bool(r["met"]) for r in measured) / len(measured), language, 0
            )
            + "%"
            if measured
            else "—"
        ),
        figure=_figure(rows, chosen, labels, language) if chosen else {"data": [], "layout": {}},
        can_edit=principal.role == "admin",
        kinds=tuple(
            Option(k, i18n.gettext(language, v), None, False) for k, v in KIND_NAMES.items()
        ),
        scopes=tuple(
            Option(d, dimension_name(d, language), None, d == "department") for d in STANDARD_SCOPES
        ),
        message=_message(request, language),
    )
    chrome = build_chrome(request, principal, language, N_("Standards"))
    return render(request, "standards.html", chrome, ctx)


def _message(request: Request, language: str) -> str | None:
    """What the last evaluation found, from the redirect's query string."""
    params = request.query_params
    if "measured" not in params:
        return None
    return i18n.gettext(language, N_("Measured now: %(n)s results, %(b)s breaches.")) % {
        "n": params.get("measured"),
        "b": params.get("breaches", "0"),
    }


@router.post("/standards", response_class=Response, include_in_schema=False)
async def add_standard(
    rt: RuntimeDep,
    principal: Principal = Admin,
    key: str = Form(...),
    kind: str = Form(...),
    target: float = Form(...),
    scope_dimension: str = Form("department"),
    scope_value: str = Form(""),
    name_pl: str = Form(""),
    name_en: str = Form(""),
    window_days: int = Form(30),
    percentile: float = Form(0.9),
    min_n: int = Form(10),
) -> Response:
    """Add a standard (a share's target is a fraction, 0–1), then show it."""
    new_id = await call_service(
        rt, standard_service.add_standard, rt, key.strip(), kind, target,
        scope_dimension=scope_dimension, scope_value=scope_value or None,
        name_pl=name_pl.strip() or None, name_en=name_en.strip() or None,
        window_days=window_days, percentile=percentile, min_n=min_n,
    )  # fmt: skip
    return RedirectResponse(f"/standards?standard={new_id}", status_code=303)


@router.post("/standards/evaluate", response_class=Response, include_in_schema=False)
async def evaluate_now(rt: RuntimeDep, principal: Principal = Admin) -> Response:
    """Measure every standard now (breaches open cases), back to the page with the counts."""
    run = await run_in_threadpool(standard_service.evaluate_standards, rt)
    query = urlencode({"measured": len(run.current), "breaches": run.breaches})
    return RedirectResponse(f"/standards?{query}", status_code=303)


def _figure(
    rows: list[dict[str, Any]], chosen: Any, labels: dict[str, str], language: str
) -> dict[str, Any]:
    share = STANDARD_KINDS[chosen.kind][1] == "share"
    scale = 100.0 if share else 1.0
    by_scope: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_scope.setdefault(r["scope_value"], []).append(r)
    data: list[dict[str, Any]] = []
    for key, points in sorted(by_scope.items()):
        points = [p for p in points if p["value"] is not None]
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": labels.get(key, key),
            "x": [str(p["period"]) for p in points],
            "y": [round(p["value"] * scale, 3) for p in points],
        })  # fmt: skip
    periods = sorted({str(r["period"]) for r in rows})
    if periods:
        data.append({
            "type": "scatter", "mode": "lines", "name": i18n.gettext(language, N_("Target")),
            "x": [periods[0], periods[-1]], "y": [chosen.target * scale] * 2,
            "line": {"dash": "dash", "color": "#b00"},
        })  # fmt: skip
    return {
        "data": data,
        "layout": {
            "title": {"text": chosen.name(language)},
            "yaxis": {"title": {"text": "%" if share else ""}},
            "margin": {"t": 40, "r": 10, "b": 40, "l": 50},
            "legend": {"orientation": "h"},
        },
    }
