"""The trigger rules page: rules ("after an interaction at touch-point X → invite to survey S
after D"), the global contact-fatigue limit, running the evaluation and sending now, and
the decision log (every interaction's decision: invited, or skipped and why)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError
from cxm.services.surveys import designer, distribution, triggers
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render

router = APIRouter(include_in_schema=False)
Designer = Depends(require_roles("admin", "analyst"))

REASON_NAMES = {
    "invited": N_("invited"),
    "no_rule": N_("no rule for this touch-point"),
    "too_old": N_("too old"),
    "sampled_out": N_("not in the sample"),
    "no_customer": N_("no customer"),
    "no_consent": N_("no consent"),
    "opted_out": N_("opted out"),
    "no_email": N_("no e-mail address"),
    "fatigue_global": N_("contact fatigue (any survey)"),
    "fatigue_survey": N_("contact fatigue (this survey)"),
    "survey_not_live": N_("survey not published"),
}


@dataclass(frozen=True)
class RuleView:
    id: int
    name: str
    survey: str
    touchpoint: str
    filters: str
    delay_minutes: int
    sampling_percent: str
    quiet_hours: str
    active: bool


@dataclass(frozen=True)
class DecisionView:
    interaction_id: int
    rule_id: int | None
    decision: str
    reason: str
    reason_key: str
    invitation_id: int | None
    decided_at: str


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class TriggersContext:
    rules: tuple[RuleView, ...]
    surveys: tuple[Choice, ...]
    touchpoints: tuple[Choice, ...]
    channels: tuple[Choice, ...]
    products: tuple[Choice, ...]
    segments: tuple[Choice, ...]
    reasons: tuple[Choice, ...]
    reason: str
    counts: tuple[tuple[str, str, int], ...]
    decisions: tuple[DecisionView, ...]
    global_fatigue_days: int
    max_age_days: int
    evaluated_at: str
    watermark: int
    message: str | None
    error: str | None


async def _page(
    request: Request,
    rt: Any,
    principal: Principal,
    language: str,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    taxonomy = rt.taxonomy
    reason = request.query_params.get("reason") or ""
    rules = await call_service(rt, triggers.list_rules, rt)
    log = await call_service(rt, triggers.list_decisions, rt, 200, reason or None)
    state = await call_service(rt, triggers.trigger_settings, rt)
    surveys = await call_service(rt, designer.list_surveys, rt)

    def choices(dimension: str) -> tuple[Choice, ...]:
        return tuple(
            Choice(k, taxonomy.label(dimension, k, language)) for k in taxonomy.keys(dimension)
        )

    def name(key: str) -> str:
        return i18n.gettext(language, REASON_NAMES.get(key, key))

    views = tuple(
        RuleView(
            id=r["id"],
            name=r["name"],
            survey=r["survey_key"],
            touchpoint=taxonomy.label("touchpoint", r["touchpoint"], language),
            filters=", ".join(
                f"{k}={r[k]}" for k in ("channel", "product", "outcome", "segment") if r[k]
            )
            or "—",
            delay_minutes=r["delay_minutes"],
            sampling_percent=i18n.format_number(r["sampling_percent"], language, 0) + " %",
            quiet_hours=f"{r['quiet_start']}:00–{r['quiet_end']}:00"
            if r["quiet_start"] is not None and r["quiet_end"] is not None
            else "—",
            active=r["active"],
        )
        for r in rules
    )
    ctx = TriggersContext(
        rules=views,
        surveys=tuple(Choice(s["key"], s["name"]) for s in surveys),
        touchpoints=choices("touchpoint"),
        channels=choices("channel"),
        products=choices("product"),
        segments=choices("segment"),
        reasons=tuple(Choice(k, name(k)) for k in REASON_NAMES),
        reason=reason,
        counts=tuple(
            sorted(((k, name(k), n) for k, n in log["counts"].items()), key=lambda c: -c[2])
        ),
        decisions=tuple(
            DecisionView(
                d["interaction_id"],
                d["rule_id"],
                d["decision"],
                name(d["reason"]),
                d["reason"],
                d["invitation_id"],
                i18n.format_day(d["decided_at"], language),
            )
            for d in log["decisions"]
        ),
        global_fatigue_days=state["global_fatigue_days"],
        max_age_days=state["max_age_days"],
        evaluated_at=i18n.format_day(state["evaluated_at"], language),
        watermark=state["last_interaction_id"],
        message=message,
        error=error,
    )
    chrome = build_chrome(request, principal, language, N_("Survey triggers"))
    return render(request, "survey_triggers.html", chrome, ctx, 422 if error else 200)


@router.get("/surveys/triggers", response_class=Response)
async def triggers_page(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Designer
) -> Response:
    message = i18n.gettext(language, N_("Saved.")) if request.query_params.get("saved") else None
    return await _page(request, rt, principal, language, message)


async def _form(request: Request) -> dict[str, str]:
    """The posted fields (read through ``request.form()``: the CSRF check parsed it already)."""
    form = await request.form()
    return {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


@router.post("/surveys/triggers/rules", response_class=Response)
async def add_rule(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Designer
) -> Response:
    form = await _form(request)
    form["active"] = bool(form.get("active"))  # type: ignore[assignment]
    try:
        await call_service(rt, triggers.create_rule, rt, form)
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc.message)
    return RedirectResponse("/surveys/triggers?saved=1", status_code=303)


@router.post("/surveys/triggers/rules/{rule_id}/delete", response_class=Response)
async def remove_rule(rule_id: int, rt: RuntimeDep, principal: Principal = Designer) -> Response:
    await call_service(rt, triggers.delete_rule, rt, rule_id)
    return RedirectResponse("/surveys/triggers?saved=1", status_code=303)


@router.post("/surveys/triggers/settings", response_class=Response)
async def save_settings(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Designer
) -> Response:
    form = await _form(request)
    try:
        await call_service(rt, triggers.update_trigger_settings, rt, form)
    except CxmError as exc:
        return await _page(request, rt, principal, language, error=exc.message)
    return RedirectResponse("/surveys/triggers?saved=1", status_code=303)


@router.post("/surveys/triggers/run", response_class=Response)
async def run_now(
    request: Request, rt: RuntimeDep, language: LanguageDep, principal: Principal = Designer
) -> Response:
    counts = await call_service(rt, triggers.evaluate_triggers, rt)
    sent = await call_service(rt, distribution.send_due, rt)
    text = i18n.gettext(
        language, N_("Judged %(n)s decisions; sent %(sent)s e-mails, %(reminded)s reminders.")
    )
    message = text % {"n": sum(counts.values()), "sent": sent["sent"], "reminded": sent["reminded"]}
    return await _page(request, rt, principal, language, message)
